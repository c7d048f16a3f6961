import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The API reference of @iac-orchestrator/core, built by typedoc from the sources (no build needed) with the
// package's own typedoc.json, as `npm run docs` builds it: warnings are errors there, so exit 0 means none.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CORE = join(ROOT, 'packages/core');
const TYPEDOC = join(ROOT, 'node_modules/typedoc/bin/typedoc');

/** The parts of typedoc's JSON output this test reads. */
interface Reflection {
  name: string;
  kind: number;
  comment?: unknown;
  inheritedFrom?: unknown;
  signatures?: Array<{ comment?: unknown }>;
  getSignature?: { comment?: unknown };
  children?: Reflection[];
}
const KIND_INTERFACE = 256;
const KIND_CLASS = 128;

const documented = (r: Reflection): boolean => Boolean(r.comment ?? r.getSignature?.comment ?? r.signatures?.some((s) => s.comment));

let dir: string;
let project: Reflection;
let run: { exitCode?: number; all?: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'typedoc-'));
  const out = join(dir, 'core.json');
  // Only the JSON output: typedoc writes no HTML when an output option is given.
  run = await execa(process.execPath, [TYPEDOC, '--json', out], { cwd: CORE, all: true, reject: false, timeout: 150_000 });
  if (run.exitCode === 0) project = JSON.parse(readFileSync(out, 'utf8')) as Reflection;
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A top-level declaration of the core package's main module. */
function declaration(name: string, kind: number): Reflection {
  const main = project.children?.find((m) => m.name === '@iac-orchestrator/core');
  const found = main?.children?.find((c) => c.name === name);
  expect(found, `${name} in the docs of @iac-orchestrator/core`).toBeDefined();
  expect(found!.kind, `${name} shown as a ${kind === KIND_INTERFACE ? 'interface' : 'class'}`).toBe(kind);
  return found!;
}

describe('typedoc for @iac-orchestrator/core', () => {
  it('builds with no warning, its modules titled by package name', () => {
    expect(run.exitCode, run.all).toBe(0);
    expect(project.name).toBe('@iac-orchestrator/core');
    expect(project.children?.map((m) => m.name).sort()).toEqual(['@iac-orchestrator/core', '@iac-orchestrator/core/testing']);
  });

  it('documents every public member Orchestrator declares (inherited EventEmitter ones aside)', () => {
    const orchestrator = declaration('Orchestrator', KIND_CLASS);
    const own = (orchestrator.children ?? []).filter((c) => !c.inheritedFrom);
    for (const name of ['approve', 'reject', 'get', 'list', 'logs', 'getState', 'stateHistory', 'audit', 'readiness', 'deploy', 'recover']) {
      expect(own.map((c) => c.name)).toContain(name);
    }
    expect(own.filter((c) => !documented(c)).map((c) => c.name)).toEqual([]);
  });

  it('shows the domain records as interfaces with every field documented', () => {
    const records = ['Deployment', 'DeploymentOptions', 'StateVersion', 'Lock', 'LockSummary', 'PlanSummary', 'DriftReport', 'Resource', 'AuditEntry', 'LogEntry', 'Bundle', 'StackRef', 'StackState'];
    for (const name of records) {
      const record = declaration(name, KIND_INTERFACE);
      expect(documented(record), `${name} has a comment`).toBe(true);
      expect(record.children?.length, `${name} lists its fields`).toBeGreaterThan(1);
      expect(record.children!.filter((c) => !documented(c)).map((c) => `${name}.${c.name}`)).toEqual([]);
    }
    expect(documented(declaration('Deployment', KIND_INTERFACE).children!.find((c) => c.name === 'status')!)).toBe(true);
  });
});

describe('typedoc for every package (what `npm run docs` builds)', () => {
  it('builds the whole API reference with no warning', async () => {
    const out = mkdtempSync(join(tmpdir(), 'typedoc-all-'));
    try {
      // The root typedoc.json with only the JSON output: warnings are errors there, so exit 0 means none.
      const all = await execa(process.execPath, [TYPEDOC, '--json', join(out, 'all.json')], { cwd: ROOT, all: true, reject: false, timeout: 280_000 });
      expect(all.exitCode, all.all).toBe(0);
      const modules = (JSON.parse(readFileSync(join(out, 'all.json'), 'utf8')) as Reflection).children?.map((m) => m.name) ?? [];
      expect(modules).toEqual(expect.arrayContaining(['@iac-orchestrator/core', '@iac-orchestrator/http-adapter', '@iac-orchestrator/queue-bullmq', '@iac-orchestrator/state-store-sqlite']));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});
