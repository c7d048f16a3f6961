import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStateStore } from '../../src/stores/file-store.js';
import { versionPayload } from '../../src/testing/store-conformance-fixtures.js';

const writerSource = fileURLToPath(new URL('./fixtures/writer.ts', import.meta.url));
const stackKey = 'bp/dev/aws/terraform';
// A raw 32-byte key: a passphrase would spend an scrypt derivation in every one of the 40 process starts.
const key = 'a1'.repeat(32);
const ROUNDS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (p.endsWith('.mjs')) continue;
    if (entry.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

/**
 * A log's index never runs ahead of it: each whole entry is the end of a line of the log, in order (a
 * crash may leave the index short of the log, or with a torn last entry; the next append catches up).
 */
function checkLogIndex(file: string, index: Buffer, log: Buffer): void {
  let previous = 0;
  for (let at = 0; at + 8 <= index.length; at += 8) {
    const end = Number(index.readBigUInt64LE(at));
    expect(end, `${file}: entry ${at / 8} out of order or past the log`).toBeGreaterThan(previous);
    expect(end).toBeLessThanOrEqual(log.length);
    expect(log[end - 1], `${file}: entry ${at / 8} is not a line end`).toBe(0x0a);
    previous = end;
  }
}

/** Every file of the store parses; returns how many journals ended in a torn (crash-cut) line. */
async function checkEveryFileParses(dataDir: string): Promise<number> {
  let tornTails = 0;
  for (const file of await walk(dataDir)) {
    expect(file.endsWith('.tmp'), `temp file of a dead writer left after init: ${file}`).toBe(false);
    if (file.endsWith('.idx')) {
      checkLogIndex(file, await readFile(file), await readFile(file.replace(/\.idx$/, '.ndjson')));
      continue;
    }
    const text = await readFile(file, 'utf8');
    if (file.endsWith('.ndjson')) {
      const end = text.lastIndexOf('\n');
      for (const line of text.slice(0, end + 1).split('\n').filter(Boolean)) expect(() => JSON.parse(line), `${file}: ${line.slice(0, 80)}`).not.toThrow();
      if (end !== text.length - 1) tornTails++;
    } else {
      expect(() => JSON.parse(text), file).not.toThrow();
    }
  }
  return tornTails;
}

describe('FileStateStore under kill -9', () => {
  let workDir: string;
  let dataDir: string;
  let writer: string;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'file-store-kill-'));
    dataDir = join(workDir, 'data');
    // The writer is bundled once rather than run through `node --import tsx`: its start-up is paid 20
    // times here, and the tsx loader makes each start 2-3x slower (the contention tests use tsx).
    writer = join(workDir, 'writer.mjs');
    await build({ entryPoints: [writerSource], bundle: true, platform: 'node', format: 'esm', outfile: writer, logLevel: 'error' });
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it(`survives ${ROUNDS} SIGKILLs of a writer at random moments: every file parses, the store opens and serves reads`, { timeout: 180_000 }, async () => {
    let lastVersion = 0;
    let minimumVersions = 0;
    const logCounts = new Map<string, number>();
    let tornTails = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const child = execa('node', [writer, dataDir, key], { timeout: 60_000, reject: false });
      // Kill after a random number of complete rounds (so progress does not depend on machine speed),
      // at a random moment inside the next one.
      const rounds = Math.floor(Math.random() * 3);
      await new Promise<void>((resolve, reject) => {
        let ticks = -1;
        child.stdout!.on('data', (chunk: Buffer) => {
          ticks += (chunk.toString().match(/ready|tick/g) ?? []).length;
          if (ticks >= rounds) resolve();
        });
        void child.then((r) => reject(new Error(`writer exited before it was killed: ${r.stderr}`)));
      });
      minimumVersions += rounds;
      await sleep(Math.random() * 60);
      child.kill('SIGKILL');
      const result = await child;
      expect(result.signal, `the writer died on its own: ${result.stderr}`).toBe('SIGKILL');

      const store = new FileStateStore({ dataDir, encryptionKey: key });
      await store.init();
      tornTails += await checkEveryFileParses(workDir);

      // A kill right after "ready" may come before the first version: then there is none, and never fewer later.
      const V = (await store.getStateVersion(stackKey))?.version ?? 0;
      expect(V).toBeGreaterThanOrEqual(lastVersion);
      lastVersion = V;
      const history = await store.listStateVersions(stackKey, { limit: 10_000 });
      expect(history.map((v) => v.version)).toEqual(Array.from({ length: V }, (_, i) => V - i));
      // Retention 3. A crash between writing a version and trimming the one that fell out keeps extra
      // raw state (the next completed write trims it), never less: the newest 3 always keep theirs, and
      // trimmed versions are always the oldest ones.
      let seenRetained = false;
      for (const v of [...history].reverse()) {
        const full = await store.getStateVersion(stackKey, v.version);
        expect(full?.deploymentId).toBe(`dep-${v.version}`);
        if (v.version >= V - 2) expect(full?.retained).toBe(true);
        if (full?.retained) expect(full.raw).toEqual(versionPayload(stackKey, v.version).raw);
        else expect(full?.raw, `version ${v.version} is trimmed below a retained one`).toBeNull();
        if (seenRetained) expect(full?.retained, `version ${v.version} is trimmed above a retained one`).toBe(true);
        seenRetained ||= !!full?.retained;
      }

      const deployments = await store.listDeployments({ limit: 100 });
      for (const d of deployments.items) {
        expect(await store.getDeployment(d.id)).toEqual(d);
        const logs = await store.readLogs(d.id, { limit: 10_000 });
        expect(logs.entries.length).toBeGreaterThanOrEqual(logCounts.get(d.id) ?? 0);
        logCounts.set(d.id, logs.entries.length);
      }
      for (const entry of await store.listAudit({ stackKey, limit: 5 })) expect(entry.action).toBe('write');
    }
    expect(lastVersion, 'every completed round of the writers wrote a version').toBeGreaterThanOrEqual(minimumVersions);
    console.info(`[kill -9 loop] ${ROUNDS} kills, ${lastVersion} versions written, ${tornTails} torn journal tails seen and ignored`);

    // A process that finds the dead writer's lock takes it over and keeps writing on top.
    const store = new FileStateStore({ dataDir, encryptionKey: key });
    await store.forceReleaseLock(stackKey);
    const lock = await store.acquireLock({ stackKey, operation: 'apply', who: 'recovery', ttlMs: 60_000 });
    const next = await store.writeStateVersion({ stackKey, expectedVersion: lastVersion, lockId: lock.lockId, token: lock.token, retention: 3, version: versionPayload(stackKey, lastVersion + 1) });
    expect(next.version).toBe(lastVersion + 1);
    const after = await store.listStateVersions(stackKey, { limit: 10_000 });
    expect(after.filter((v) => v.retained).map((v) => v.version)).toEqual([lastVersion + 1, lastVersion, lastVersion - 1].filter((n) => n > 0));
  });
});
