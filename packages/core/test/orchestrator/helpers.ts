import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStateStore, Orchestrator, type Deployment, type DeploymentStatus, type OrchestratorOptions } from '../../src/index.js';
import { ScriptedExecutor, scriptedFiles, type ScriptedCode } from '../../src/testing/index.js';

export interface Harness {
  orch: Orchestrator;
  store: MemoryStateStore;
  executor: ScriptedExecutor;
  workDir: string;
  dispose(): Promise<void>;
}

export async function harness(opts: Partial<OrchestratorOptions> = {}): Promise<Harness> {
  const workDir = await mkdtemp(join(tmpdir(), 'orch-test-'));
  const store = (opts.store as MemoryStateStore | undefined) ?? new MemoryStateStore();
  const executor = (opts.executors?.[0] as ScriptedExecutor | undefined) ?? new ScriptedExecutor();
  const orch = new Orchestrator({ lockTtlMs: 2000, lockWaitMs: 10_000, ...opts, store, executors: [executor], workDir });
  return {
    orch,
    store,
    executor,
    workDir,
    async dispose() {
      await orch.close(2000);
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

export const deployInput = (code: ScriptedCode, over: Record<string, unknown> = {}) => ({
  blueprintId: 'bp-1',
  environment: 'dev',
  targetCloud: 'aws' as const,
  format: 'terraform' as const,
  files: scriptedFiles(code),
  ...over,
  options: { autoApprove: true, ...((over.options as object) ?? {}) },
});

const TERMINAL = ['completed', 'failed', 'cancelled', 'planned', 'rolled_back'];

/** Resolves when the deployment reaches one of `statuses` (default: any terminal one). */
export async function waitFor(orch: Orchestrator, id: string, statuses: DeploymentStatus[] = TERMINAL as DeploymentStatus[], timeoutMs = 20_000): Promise<Deployment> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await orch.get(id);
    if (statuses.includes(d.status)) return d;
    if (Date.now() > deadline) throw new Error(`deployment ${id} stuck in ${d.status}, wanted ${statuses.join('|')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const res = (id: string, value = 'v1', extra: Record<string, unknown> = {}) => ({ id, value, type: 'scripted_thing', ...extra });

/** The stack's lock once the run that held it let go (it records its end, then releases), or what is left after 2 s. */
export async function unlocked(store: { getLock(k: string): Promise<unknown> }, stackKey: string): Promise<unknown> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const lock = await store.getLock(stackKey);
    if (lock === null || Date.now() > deadline) return lock;
    await new Promise((r) => setTimeout(r, 10));
  }
}
