import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MASK, MemoryStateStore, Orchestrator, type Deployment, type DeploymentStatus } from '@iac-orchestrator/core';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { FIXTURES, hasTerraform, testBed, waitForStatus as waitFor } from './helpers.js';

const ok = prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH');
const PASSWORD = 'one-run-pa55-w0rd';


/** A real Orchestrator (in-memory store) driving the real TerraformExecutor; every status change recorded. */
async function setup() {
  const bed = await testBed();
  const store = new MemoryStateStore();
  const orch = new Orchestrator({ store, executors: [bed.executor], workDir: bed.workRoot, lockTtlMs: 5000, lockWaitMs: 20_000 });
  const statuses: Array<{ id: string; status: DeploymentStatus; plan: Deployment['plan'] }> = [];
  orch.on('status', (e) => statuses.push({ id: e.deploymentId, status: e.status, plan: e.deployment.plan }));
  return { bed, store, orch, statuses, dispose: async () => (await orch.close(5000), await bed.dispose()) };
}

const files = async (name: string) => ({ 'main.tf': await readFile(join(FIXTURES, name, 'main.tf'), 'utf8') });
const input = async (fixture: string, options: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  blueprintId: fixture,
  environment: 'dev',
  targetCloud: 'aws' as const,
  format: 'terraform' as const,
  files: await files(fixture),
  ...over,
  options: { autoApprove: true, ...options },
});

/**
 * Each `terraform plan|apply -json` process opens its stream with one `version` message (logged at
 * debug): their count is the count of Terraform processes that planned or applied (init is not `-json`).
 */
async function streamedProcesses(orch: Orchestrator, id: string): Promise<number> {
  const { entries } = await orch.logs(id, { limit: 1000 });
  return entries.filter((e) => /^Terraform v?\d+\.\d+\.\d+/.test(e.message)).length;
}

let env: Awaited<ReturnType<typeof setup>> | undefined;
afterEach(async () => {
  await env?.dispose();
  env = undefined;
});

describe.skipIf(!ok)('an auto-approved deployment planned and applied in one terraform run', () => {
  it('runs one terraform process, records its plan before applying and its outputs, and masks secrets', async () => {
    env = await setup();
    const { orch } = env;
    const d = await waitFor(orch, (await orch.deploy(await input('basic', { variables: { name: 'one', db_password: PASSWORD }, sensitiveVariables: ['db_password'] }))).id);
    expect(d.status).toBe('completed');
    expect(await streamedProcesses(orch, d.id)).toBe(1);
    const logs = (await orch.logs(d.id, { limit: 1000 })).entries.map((e) => e.message);
    expect(logs.filter((m) => m.startsWith('Planning and applying (apply) in one terraform run'))).toHaveLength(1);
    expect(logs.some((m) => m.startsWith('Applying the saved plan'))).toBe(false);

    expect(d.plan).toMatchObject({ add: 2, change: 0, destroy: 0, hasChanges: true });
    expect(d.plan?.resources.map((r) => `${r.id}:${r.action}`).sort()).toEqual(['terraform_data.app:create', 'terraform_data.network:create']);
    expect(d.outputs).toMatchObject({ app_name: 'app-one', connection_string: MASK });
    expect(d.stateVersion).toBe(1);
    // planning → applying → completed, and the plan is there when it starts applying.
    const mine = env.statuses.filter((s) => s.id === d.id);
    expect(mine.map((s) => s.status)).toEqual(['pending', 'planning', 'applying', 'completed']);
    expect(mine.find((s) => s.status === 'applying')?.plan).toMatchObject({ add: 2 });
    expect(JSON.stringify([logs, d, await orch.getState(d.id)])).not.toContain(PASSWORD);

    // Deployed again unchanged: the same one process finds nothing to do, no state version is written.
    const again = await waitFor(orch, (await orch.deploy(await input('basic', { variables: { name: 'one', db_password: PASSWORD }, sensitiveVariables: ['db_password'] }))).id);
    expect(again).toMatchObject({ status: 'completed', stateVersion: 1, plan: { hasChanges: false } });
    expect(again.outputs).toMatchObject({ app_name: 'app-one' });
    // The same code and variables onto the state that run left: a plan alone, no empty apply walk.
    expect(await streamedProcesses(orch, again.id)).toBe(1);
    const againLogs = (await orch.logs(again.id, { limit: 1000 })).entries.map((e) => e.message);
    expect(againLogs.some((m) => m.startsWith('The same code and variables last converged onto this state'))).toBe(true);
    expect(againLogs.some((m) => m.startsWith('Planning and applying (apply) in one terraform run'))).toBe(false);
    expect(againLogs).toContain('Planning (apply)');
    // A change of a variable is not that apply again: one process, as for any change.
    const changed = await waitFor(orch, (await orch.deploy(await input('basic', { variables: { name: 'two', db_password: PASSWORD }, sensitiveVariables: ['db_password'] }))).id);
    expect(changed).toMatchObject({ status: 'completed', stateVersion: 2, outputs: { app_name: 'app-two' } });
    expect((await orch.logs(changed.id, { limit: 1000 })).entries.filter((e) => e.message.startsWith('Planning and applying (apply) in one terraform run'))).toHaveLength(1);
  });

  it('planning first where the same apply converged, a plan that still finds changes applies exactly that saved plan', async () => {
    env = await setup();
    const { orch } = env;
    // `timestamp()` differs on every plan: a redeploy of identical code always has a change to apply.
    const first = await waitFor(orch, (await orch.deploy(await input('stamp', {}))).id);
    expect(first).toMatchObject({ status: 'completed', stateVersion: 1 });
    const again = await waitFor(orch, (await orch.deploy(await input('stamp', {}))).id);
    expect(again).toMatchObject({ status: 'completed', stateVersion: 2, plan: { change: 1, hasChanges: true } });
    const logs = (await orch.logs(again.id, { limit: 1000 })).entries.map((e) => e.message);
    expect(logs.some((m) => m.startsWith('The same code and variables last converged onto this state'))).toBe(true);
    expect(logs.filter((m) => m === 'Applying the saved plan')).toHaveLength(1);
    expect(logs.some((m) => m.startsWith('Preparing a fresh work dir'))).toBe(false);
    expect(await streamedProcesses(orch, again.id)).toBe(2);
  });

  it('plans first on another runner of a fleet too: it learns from the shared store that the same apply converged', async () => {
    env = await setup();
    const { orch, store } = env;
    const opts = { variables: { name: 'fleet', db_password: PASSWORD }, sensitiveVariables: ['db_password'] };
    const first = await waitFor(orch, (await orch.deploy(await input('basic', opts))).id);
    expect(first).toMatchObject({ status: 'completed', stateVersion: 1 });
    // Another process: its own executor (no memory of that apply) and work root, the same store.
    const other = await testBed();
    const second = new Orchestrator({ store, executors: [other.executor], workDir: other.workRoot, lockTtlMs: 5000, lockWaitMs: 20_000 });
    try {
      const again = await waitFor(second, (await second.deploy(await input('basic', opts))).id);
      expect(again).toMatchObject({ status: 'completed', stateVersion: 1, plan: { hasChanges: false } });
      const logs = (await second.logs(again.id, { limit: 1000 })).entries.map((e) => e.message);
      expect(logs.some((m) => m.startsWith('The same code and variables last converged onto this state'))).toBe(true);
      expect(logs.some((m) => m.startsWith('Planning and applying (apply) in one terraform run'))).toBe(false);
      // Another secret value is not the same apply: one process there too.
      const changed = await waitFor(second, (await second.deploy(await input('basic', { ...opts, variables: { name: 'fleet', db_password: `${PASSWORD}-2` } }))).id);
      expect(changed.status).toBe('completed');
      expect((await second.logs(changed.id, { limit: 1000 })).entries.some((e) => e.message.startsWith('Planning and applying (apply) in one terraform run'))).toBe(true);
    } finally {
      await second.close(5000);
      await other.dispose();
    }
  });

  it('saves the partial state of a failing resource as a version, with the plan recorded', async () => {
    env = await setup();
    const { orch } = env;
    const failed = await waitFor(orch, (await orch.deploy(await input('partial-failure', { variables: { fail: true } }))).id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/local-exec provisioner error/);
    expect(await streamedProcesses(orch, failed.id)).toBe(1);
    expect(failed.plan).toMatchObject({ add: 4, hasChanges: true });
    expect(failed.stateVersion).toBe(1);
    const [saved] = await orch.stateHistory(failed.id);
    expect(saved!.reason).toBe('partial');
    expect(saved!.resources.map((r) => r.id).sort()).toEqual(['terraform_data.breaks', 'terraform_data.first', 'terraform_data.second']);
  });

  it('is cancelled mid-apply: Terraform stops, the state it left is saved, the deployment ends cancelled', async () => {
    env = await setup();
    const { orch, store } = env;
    const d = await orch.deploy(await input('slow', {}));
    orch.on('log', (e) => {
      if (e.deploymentId === d.id && e.entry.resource === 'terraform_data.slow' && e.entry.message.includes('Executing')) void orch.cancel(d.id);
    });
    const done = await waitFor(orch, d.id);
    expect(done.status).toBe('cancelled');
    expect(await streamedProcesses(orch, d.id)).toBe(1);
    expect(done.stateVersion).toBeGreaterThanOrEqual(1);
    const [saved] = await orch.stateHistory(d.id);
    expect(saved!.resources.map((r) => r.id)).toContain('terraform_data.fast');
    expect(saved!.resources.map((r) => r.id)).not.toContain('terraform_data.after');
    expect(await store.getLock(done.stackKey)).toBeNull();
  });

  it('destroys in one run too', async () => {
    env = await setup();
    const { orch } = env;
    const v1 = await waitFor(orch, (await orch.deploy(await input('basic', { variables: { name: 'gone', db_password: PASSWORD } }))).id);
    const gone = await waitFor(orch, (await orch.destroy(v1.id, { autoApprove: true })).id);
    expect(gone.status).toBe('completed');
    expect(gone.plan).toMatchObject({ destroy: 2, add: 0 });
    expect(await streamedProcesses(orch, gone.id)).toBe(1);
    expect((await orch.getState(v1.id)).resources).toEqual([]);
  });

  it('where a person approves, plans into a saved plan and applies exactly that plan (two processes)', async () => {
    env = await setup();
    const { orch } = env;
    const prod = await orch.deploy(await input('basic', { autoApprove: false, variables: { name: 'prod', db_password: PASSWORD } }, { environment: 'production' }));
    const waiting = await waitFor(orch, prod.id, ['awaiting_approval']);
    expect(waiting.plan).toMatchObject({ add: 2, hasChanges: true });
    await orch.approve(prod.id, { comment: 'ok' }, { id: 'alice', canApprove: true });
    const done = await waitFor(orch, prod.id);
    expect(done.status).toBe('completed');
    expect(await streamedProcesses(orch, prod.id)).toBe(2);
    const logs = (await orch.logs(prod.id, { limit: 1000 })).entries.map((e) => e.message);
    expect(logs.some((m) => m.startsWith('Planning and applying'))).toBe(false);
    expect(logs.filter((m) => m === 'Applying the saved plan')).toHaveLength(1);
  });

  it('a terraform executor with planAndApply: false keeps the saved-plan steps for auto-approved runs', async () => {
    const bed = await testBed({ planAndApply: false });
    const orch = new Orchestrator({ store: new MemoryStateStore(), executors: [bed.executor], workDir: bed.workRoot, lockTtlMs: 5000 });
    try {
      const d = await waitFor(orch, (await orch.deploy(await input('basic', { variables: { name: 'two', db_password: PASSWORD } }))).id);
      expect(d.status).toBe('completed');
      expect(await streamedProcesses(orch, d.id)).toBe(2);
    } finally {
      await orch.close(5000);
      await bed.dispose();
    }
  });
});
