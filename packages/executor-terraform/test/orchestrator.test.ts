import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MASK, MemoryStateStore, Orchestrator } from '@iac-orchestrator/core';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { FIXTURES, hasTerraform, testBed, waitForStatus as waitFor } from './helpers.js';

const ok = prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH');
const PASSWORD = 'orch-pa55-w0rd-secret';

const fixtureFiles = async (name: string) => ({ 'main.tf': await readFile(join(FIXTURES, name, 'main.tf'), 'utf8') });


/** A real Orchestrator (in-memory store) driving the real TerraformExecutor. */
async function setup() {
  const bed = await testBed();
  const store = new MemoryStateStore();
  const orch = new Orchestrator({ store, executors: [bed.executor], workDir: bed.workRoot, lockTtlMs: 5000, cancelPollMs: 50, lockWaitMs: 20_000 });
  const events: unknown[] = [];
  orch.on('log', (e) => events.push(e));
  orch.on('resource', (e) => events.push(e));
  orch.on('status', (e) => events.push({ status: e.status, error: e.deployment.error, outputs: e.deployment.outputs }));
  return {
    bed,
    store,
    orch,
    events,
    async dispose() {
      await orch.close(5000);
      await bed.dispose();
    },
  };
}

const basicInput = async (name: string, over: Record<string, unknown> = {}) => ({
  blueprintId: 'web',
  environment: 'dev',
  targetCloud: 'aws' as const,
  format: 'terraform' as const,
  files: await fixtureFiles('basic'),
  ...over,
  options: { autoApprove: true, variables: { name, db_password: PASSWORD }, sensitiveVariables: ['db_password'], ...((over.options as object) ?? {}) },
});

let env: Awaited<ReturnType<typeof setup>> | undefined;
afterEach(async () => {
  await env?.dispose();
  env = undefined;
});

describe.skipIf(!ok)('the Orchestrator driving real terraform', () => {
  it('deploys, waits for approval of the saved plan in production, and applies exactly that plan', async () => {
    env = await setup();
    const { orch, store } = env;
    const dev = await waitFor(orch, (await orch.deploy(await basicInput('first'))).id);
    expect(dev.status).toBe('completed');
    expect(dev.stateVersion).toBe(1);
    expect(dev.outputs).toMatchObject({ app_name: 'app-first', connection_string: MASK });
    expect(dev.resources.map((r) => [r.id, r.status]).sort()).toEqual([
      ['terraform_data.app', 'created'],
      ['terraform_data.network', 'created'],
    ]);

    const prod = await orch.deploy(await basicInput('first', { environment: 'production', options: { autoApprove: false } }));
    const waiting = await waitFor(orch, prod.id, ['awaiting_approval']);
    expect(waiting.plan).toMatchObject({ add: 2, change: 0, destroy: 0, hasChanges: true });
    expect((await store.getLock(waiting.stackKey))?.deploymentId).toBe(prod.id);
    await orch.approve(prod.id, { comment: 'ship it' }, { id: 'alice', canApprove: true });
    const done = await waitFor(orch, prod.id);
    expect(done.status).toBe('completed');
    expect(done.approval).toMatchObject({ decision: 'approved', by: 'alice' });
    const logs = (await orch.logs(prod.id)).entries.map((e) => e.message);
    expect(logs.filter((m) => m === 'Planning (apply)')).toHaveLength(1);
    expect(logs.some((m) => m.startsWith('Apply complete!'))).toBe(true);
    expect(await store.getLock(done.stackKey)).toBeNull();

    // the secret never left: not in logs, events, deployments or normalised state
    const visible = JSON.stringify([env.events, logs, dev, done, await orch.getState(prod.id)]);
    expect(visible).not.toContain(PASSWORD);
  });

  it('rolls back to an earlier version by re-applying that version\'s code and state', async () => {
    env = await setup();
    const { orch } = env;
    const v1 = await waitFor(orch, (await orch.deploy(await basicInput('first'))).id);
    const v2 = await waitFor(orch, (await orch.deploy(await basicInput('second'))).id);
    expect(v2.outputs.app_name).toBe('app-second');
    const rb = await orch.rollback(v2.id, { targetVersion: v1.stateVersion!, reason: 'bad release', autoApprove: true });
    const rolled = await waitFor(orch, rb.rollbackDeploymentId);
    expect(rolled.status).toBe('completed');
    expect(rolled.outputs.app_name).toBe('app-first');
    expect(rolled.plan).toMatchObject({ change: 2, add: 0, destroy: 0 });
    expect((await orch.get(v2.id)).status).toBe('rolled_back');
    // resources were updated in place, never recreated
    expect(rolled.outputs.network_id).toBe(v1.outputs.network_id);
    const history = await orch.stateHistory(v2.id);
    expect(history.map((h) => h.version)).toEqual([3, 2, 1]);
  });

  it('saves the partial state of a failed apply; the next deployment does not recreate what exists', async () => {
    env = await setup();
    const { orch } = env;
    const input = async (fail: boolean) => ({
      blueprintId: 'partial',
      environment: 'dev',
      targetCloud: 'aws' as const,
      format: 'terraform' as const,
      files: await fixtureFiles('partial-failure'),
      options: { autoApprove: true, variables: { fail } },
    });
    const failed = await waitFor(orch, (await orch.deploy(await input(true))).id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/local-exec provisioner error/);
    expect(failed.stateVersion).toBe(1);
    const [saved] = await orch.stateHistory(failed.id);
    expect(saved!.reason).toBe('partial');
    expect(saved!.resources.map((r) => r.id).sort()).toEqual(['terraform_data.breaks', 'terraform_data.first', 'terraform_data.second']);

    const fixed = await waitFor(orch, (await orch.deploy(await input(false))).id);
    expect(fixed.status).toBe('completed');
    expect(fixed.plan?.resources.map((r) => `${r.id}:${r.action}`).sort()).toEqual(['terraform_data.breaks:replace', 'terraform_data.never:create']);
  });

  it('cancels a slow apply: Terraform stops, the state it left is saved and the lock released', async () => {
    env = await setup();
    const { orch, store } = env;
    const d = await orch.deploy({
      blueprintId: 'slow',
      environment: 'dev',
      targetCloud: 'aws',
      format: 'terraform',
      files: await fixtureFiles('slow'),
      options: { autoApprove: true },
    });
    orch.on('log', (e) => {
      if (e.deploymentId === d.id && e.entry.resource === 'terraform_data.slow' && e.entry.message.includes('Executing')) void orch.cancel(d.id);
    });
    const done = await waitFor(orch, d.id);
    expect(done.status).toBe('cancelled');
    // After SIGINT Terraform persists each update at once: each is a partial version as it arrives.
    expect(done.stateVersion).toBeGreaterThanOrEqual(1);
    expect((await orch.stateHistory(d.id)).every((v) => v.reason === 'partial')).toBe(true);
    const [saved] = await orch.stateHistory(d.id);
    expect(saved!.resources.map((r) => r.id)).toContain('terraform_data.fast');
    expect(saved!.resources.map((r) => r.id)).not.toContain('terraform_data.after');
    expect(await store.getLock(done.stackKey)).toBeNull();
  });

  it('destroys a stack from a saved destroy plan', async () => {
    env = await setup();
    const { orch } = env;
    const v1 = await waitFor(orch, (await orch.deploy(await basicInput('first'))).id);
    const destroying = await orch.destroy(v1.id, { autoApprove: true });
    const gone = await waitFor(orch, destroying.id);
    expect(gone.status).toBe('completed');
    expect(gone.plan).toMatchObject({ destroy: 2, add: 0 });
    expect((await orch.getState(v1.id)).resources).toEqual([]);
  });
});
