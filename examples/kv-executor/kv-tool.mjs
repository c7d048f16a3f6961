#!/usr/bin/env node
// A tiny IaC tool for the third-party executor example: it manages key/value "resources" as files in a
// directory standing for the cloud. Usage:
//   kv-tool version
//   kv-tool plan  --code <file> --state <file>            → prints the changes as JSON
//   kv-tool apply --code <file> --state <file> --world <dir> [--destroy]
// apply prints one JSON line per resource step and rewrites the state file after each one, so a failed or
// killed apply leaves a state holding everything it created.
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';

const [command, ...rest] = process.argv.slice(2);
const arg = (name) => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? rest[i + 1] : undefined;
};
const readJson = (file, fallback) => (file && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : fallback);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function changesOf(code, state, destroy) {
  const desired = destroy ? {} : code.entries;
  const changes = [];
  for (const [key, e] of Object.entries(desired)) {
    const before = state.entries[key];
    if (before === undefined) changes.push({ key, action: 'create' });
    else if (before !== e.value) changes.push({ key, action: 'update' });
  }
  for (const key of Object.keys(state.entries)) if (!(key in desired)) changes.push({ key, action: 'delete' });
  return changes;
}

function saveState(file, state) {
  writeFileSync(`${file}.tmp`, JSON.stringify(state));
  renameSync(`${file}.tmp`, file);
}

async function apply() {
  const code = readJson(arg('code'), { entries: {} });
  const stateFile = arg('state');
  const world = arg('world');
  const destroy = rest.includes('--destroy');
  const state = readJson(stateFile, { serial: 0, entries: {}, outputs: {} });
  mkdirSync(world, { recursive: true });
  for (const { key, action } of changesOf(code, state, destroy)) {
    const e = code.entries[key] ?? {};
    const [doing, done] = action === 'create' ? ['creating', 'created'] : action === 'update' ? ['updating', 'updated'] : ['deleting', 'deleted'];
    console.log(JSON.stringify({ key, status: doing }));
    if (e.sleepMs) await sleep(e.sleepMs);
    if (e.fail) {
      console.log(JSON.stringify({ key, status: 'failed' }));
      console.error(`kv-tool: ${key} failed`);
      process.exit(1);
    }
    if (action === 'delete') {
      rmSync(join(world, `${key}.json`), { force: true });
      delete state.entries[key];
    } else {
      writeFileSync(join(world, `${key}.json`), JSON.stringify(e.value));
      state.entries[key] = e.value;
    }
    state.serial += 1;
    saveState(stateFile, state);
    console.log(JSON.stringify({ key, status: done }));
  }
  state.outputs = destroy ? {} : (code.outputs ?? {});
  state.sensitiveOutputs = destroy ? [] : (code.sensitiveOutputs ?? []);
  saveState(stateFile, state);
}

if (command === 'version') console.log('kv-tool 1.0.0');
else if (command === 'plan') console.log(JSON.stringify(changesOf(readJson(arg('code'), { entries: {} }), readJson(arg('state'), { entries: {} }), rest.includes('--destroy'))));
else if (command === 'apply') await apply();
else {
  console.error(`kv-tool: unknown command ${command}`);
  process.exit(2);
}
