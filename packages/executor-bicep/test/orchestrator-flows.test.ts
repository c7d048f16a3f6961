/**
 * The Orchestrator driving BicepExecutor: approval gate in production, state history and rollback,
 * destroy. Azure cannot be reached here, so `az` is the STAND-IN (test/fixtures/bin) replaying az
 * outputs recorded from Microsoft's documented responses; the Orchestrator and its store are real.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MASK, MemoryStateStore, Orchestrator, type Deployment, type DeploymentStatus } from '@iac-orchestrator/core';
import { BicepExecutor } from '../src/index.js';
import { baseResponses, CREDENTIALS, FIXTURES, SECRET, Standin, type Response } from './helpers/standin.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function harness(responses: Record<string, Response[]> = {}) {
  const standin = await Standin.create({ ...baseResponses(), ...responses });
  const workDir = await mkdtemp(join(tmpdir(), 'orch-bicep-'));
  const store = new MemoryStateStore();
  const orch = new Orchestrator({
    store,
    executors: [new BicepExecutor(standin.options({ workRoot: workDir }))],
    credentials: { ...CREDENTIALS, AWS_SECRET_ACCESS_KEY: 'not-for-azure-value' },
    workDir,
    lockTtlMs: 5_000,
    cancelPollMs: 50,
  });
  cleanups.push(async () => {
    await orch.close(5_000);
    await standin.cleanup();
    await rm(workDir, { recursive: true, force: true });
  });
  return { standin, orch, store, workDir };
}

async function waitFor(orch: Orchestrator, id: string, statuses: DeploymentStatus[], timeoutMs = 120_000): Promise<Deployment> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await orch.get(id);
    if (statuses.includes(d.status)) return d;
    if (['failed', 'cancelled'].includes(d.status) && !statuses.includes(d.status)) throw new Error(`deployment ended ${d.status}: ${d.error}`);
    if (Date.now() > deadline) throw new Error(`deployment ${id} stuck in ${d.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const armFiles = async () => ({ 'main.json': await readFile(join(FIXTURES, 'web-app', 'main.json'), 'utf8') });
const request = async (environment: string, autoApprove: boolean) => ({
  blueprintId: 'web-app',
  environment,
  targetCloud: 'azure' as const,
  format: 'bicep' as const,
  files: await armFiles(),
  options: { autoApprove, variables: { storageName: 'stweb001', adminPassword: 'P@ssw0rd-very-secret' }, sensitiveVariables: ['adminPassword'] },
});

describe('Orchestrator + BicepExecutor (stand-in az)', () => {
  it('production waits for approval with the what-if plan, then applies exactly it', async () => {
    const { orch, standin } = await harness();
    const d = await orch.deploy(await request('production', true), { id: 'dev-bob' });
    const waiting = await waitFor(orch, d.id, ['awaiting_approval']);
    expect(waiting.plan).toMatchObject({ add: 1, change: 1, destroy: 0, hasChanges: true });
    expect(await standin.keys()).not.toContain('deployment group create');

    await orch.approve(d.id, { comment: 'looks right' }, { id: 'lead-alice', canApprove: true });
    const done = await waitFor(orch, d.id, ['completed']);
    expect(done.outputs).toEqual({ storageEndpoint: 'https://stweb001.blob.core.windows.net/', adminSecret: MASK });
    expect(done.resources.map((r) => `${r.name}:${r.status}`)).toEqual(['id-web:updated', 'stweb001:created']);
    const create = (await standin.calls()).find((c) => c.key === 'deployment group create')!;
    expect(create.argv).toContain(`iac-${d.id}`);
    expect(create.env.keys).not.toContain('AWS_SECRET_ACCESS_KEY');

    const logs = await orch.logs(d.id);
    const text = JSON.stringify(logs) + JSON.stringify(done);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('P@ssw0rd-very-secret');
    expect(logs.entries.map((e) => e.message)).toContain('What-if (Incremental): 1 to create, 1 to modify');
  }, 180_000);

  it('keeps state history and rolls back to an earlier version', async () => {
    const { orch } = await harness();
    const first = await waitFor(orch, (await orch.deploy(await request('dev', true))).id, ['completed']);
    // v2 changes the code (a tag on the identity), so the rollback must bring v1's code back.
    const v2 = await request('dev', true);
    const tpl = JSON.parse(v2.files['main.json']);
    tpl.resources[0].tags = { release: 'v2' };
    const second = await waitFor(orch, (await orch.deploy({ ...v2, files: { 'main.json': JSON.stringify(tpl) } })).id, ['completed']);
    expect(second.bundleDigest).not.toBe(first.bundleDigest);
    const history = await orch.stateHistory(second.id);
    expect(history.map((v) => v.version)).toEqual([2, 1]);
    expect(history.map((v) => v.deploymentId)).toEqual([second.id, first.id]);
    expect(history[0].resources.map((r) => r.name)).toEqual(['id-web', 'stweb001']);

    const rb = await orch.rollback(second.id, { targetVersion: 1, reason: 'back to v1' });
    const rolled = await waitFor(orch, rb.rollbackDeploymentId, ['completed']);
    expect(rolled.operation).toBe('rollback');
    expect(rolled.bundleDigest).toBe(first.bundleDigest);
    expect((await orch.get(second.id)).status).toBe('rolled_back');
    expect((await orch.stateHistory(first.id)).map((v) => v.version)).toEqual([3, 2, 1]);
  }, 240_000);

  it('a cancel asked of the Orchestrator cancels the ARM deployment and saves the partial state', async () => {
    const { orch, standin } = await harness({
      'deployment group show': [{ file: 'deployment-running.json' }],
      'deployment operation group list': [{ file: 'operations-running.json' }],
      'cancelled:deployment group show': [{ file: 'deployment-canceled.json' }],
      'cancelled:deployment operation group list': [{ file: 'operations-canceled.json' }],
    });
    const d = await orch.deploy(await request('dev', true));
    for (let i = 0; i < 6000 && !(await standin.keys()).includes('deployment operation group list'); i++) await new Promise((r) => setTimeout(r, 20));
    await orch.cancel(d.id);
    const done = await waitFor(orch, d.id, ['cancelled']);
    expect(await standin.keys()).toContain('deployment group cancel');
    // Invariant 1: what the cancelled deployment created is in a saved state version.
    expect(done.stateVersion).not.toBeNull();
    const history = await orch.stateHistory(d.id);
    expect(history[0].reason).toBe('partial');
    expect(history[0].resources.map((r) => r.name)).toEqual(['id-web', 'stweb001']);
  }, 180_000);

  it('destroys what the stack holds', async () => {
    const { orch, standin } = await harness();
    const d = await waitFor(orch, (await orch.deploy(await request('dev', true))).id, ['completed']);
    const destroy = await orch.destroy(d.id, { autoApprove: true });
    const done = await waitFor(orch, destroy.id, ['completed']);
    expect(done.operation).toBe('destroy');
    expect((await standin.calls()).filter((c) => c.key === 'resource delete').map((c) => c.argv[3].split('/').pop())).toEqual(['stweb001', 'id-web']);
    expect((await orch.getState(d.id)).resources).toEqual([]);
  }, 180_000);
});
