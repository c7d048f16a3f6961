/**
 * Destroy, drift detection and recovery against the STAND-IN `az` (test/fixtures/bin; Azure cannot be
 * reached here), replaying az outputs recorded from Microsoft's documented responses.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BicepExecutor } from '../src/index.js';
import type { BicepRawState } from '../src/state.js';
import { baseResponses, fixtureBundle, makeContext, resourceEventsOf, Standin, type Response } from './helpers/standin.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** The state a successful apply leaves (made once through the stand-in, then reused as prior state). */
let deployedOnce: Promise<BicepRawState> | null = null;
function deployed(): Promise<BicepRawState> {
  deployedOnce ??= (async () => {
    const standin = await Standin.create(baseResponses());
    const ctx = await makeContext({ bundle: await fixtureBundle('arm') });
    try {
      const ex = new BicepExecutor(standin.options());
      const r = await ex.apply(ctx, await ex.plan(ctx));
      expect(r.outcome).toBe('succeeded');
      return r.state!.raw as BicepRawState;
    } finally {
      await standin.cleanup();
      await ctx.dispose();
    }
  })();
  return deployedOnce.then((raw) => JSON.parse(JSON.stringify(raw)) as BicepRawState);
}

async function setup(over: Record<string, Response[]>, prior: BicepRawState | null, operation: 'apply' | 'destroy' | 'drift', variables?: Record<string, unknown>) {
  const standin = await Standin.create({ ...baseResponses(), ...over });
  const ctx = await makeContext({ bundle: await fixtureBundle('arm'), priorState: prior, operation, ...(variables ? { variables } : {}), deploymentId: 'b2c3d4e5-0000-4000-8000-000000000002' });
  cleanups.push(() => standin.cleanup(), () => ctx.dispose());
  return { standin, ctx, executor: new BicepExecutor(standin.options()) };
}

describe('destroy', () => {
  it('deletes the stack\'s resources in reverse dependency order', async () => {
    const prior = await deployed();
    const { standin, ctx, executor } = await setup({}, prior, 'destroy');
    const plan = await executor.plan(ctx);
    expect(plan.summary).toMatchObject({ add: 0, change: 0, destroy: 2, hasChanges: true });
    expect(plan.summary.resources.map((r) => r.id.split('/').pop())).toEqual(['stweb001', 'id-web']);
    const result = await executor.apply(ctx, plan);
    expect(result.outcome).toBe('succeeded');
    const deletes = (await standin.calls()).filter((c) => c.key === 'resource delete').map((c) => c.argv[3].split('/').pop());
    expect(deletes).toEqual(['stweb001', 'id-web']);
    expect(resourceEventsOf(ctx)).toEqual(['stweb001:deleting', 'stweb001:deleted', 'id-web:deleting', 'id-web:deleted']);
    expect(result.state!.resources).toEqual([]);
  });

  it('a resource already gone counts as deleted; a failing one stays in the state', async () => {
    const prior = await deployed();
    const { ctx, executor } = await setup(
      {
        'resource delete': [
          { exitCode: 1, stderr: "ERROR: (ResourceNotFound) The Resource 'Microsoft.Storage/storageAccounts/stweb001' under resource group 'rg-web-app-dev' was not found." },
          { exitCode: 1, stderr: "ERROR: (ScopeLocked) The scope '/subscriptions/x' cannot perform delete operation because following scope(s) are locked: 'rg'." },
        ],
      },
      prior,
      'destroy',
    );
    const result = await executor.apply(ctx, await executor.plan(ctx));
    expect(result.outcome).toBe('failed');
    expect(result.error).toContain('ScopeLocked');
    expect(result.state!.resources.map((r) => `${r.name}:${r.status}`)).toEqual(['id-web:failed']);
  });

  it('with no prior state there is nothing to destroy', async () => {
    const { executor, ctx } = await setup({}, null, 'destroy');
    const plan = await executor.plan(ctx);
    expect(plan.summary).toMatchObject({ destroy: 0, hasChanges: false });
  });
});

describe('incremental state keeps what earlier deployments created', () => {
  it('a resource the new template drops stays in the state as retained', async () => {
    const prior = await deployed();
    const legacy = { ...prior.resources[0], id: prior.resources[0].id.replace('id-web', 'id-legacy'), name: 'id-legacy' };
    const { ctx, executor } = await setup({}, { ...prior, resources: [...prior.resources, legacy] }, 'apply');
    const result = await executor.apply(ctx, await executor.plan(ctx));
    const raw = result.state!.raw as BicepRawState;
    expect(raw.resources.map((r) => `${r.name}:${r.source}`)).toEqual(['id-web:deployment', 'stweb001:deployment', 'id-legacy:retained']);
  });
});

describe('drift', () => {
  it('what-if against the current template reports hand-made changes', async () => {
    const prior = await deployed();
    const { standin, ctx, executor } = await setup({ 'deployment group what-if': [{ file: 'what-if-drift.json' }] }, prior, 'drift');
    const report = await executor.detectDrift(ctx);
    expect(report.drifted).toBe(true);
    expect(report.resources).toEqual([{ id: expect.stringContaining('stweb001'), type: 'Microsoft.Storage/storageAccounts', change: 'Modify', detail: 'sku.name: Modify' }]);
    const whatIf = (await standin.calls()).find((c) => c.key === 'deployment group what-if')!;
    expect(whatIf.argv.slice(3, 7)).toEqual(['--resource-group', 'rg-web-app-dev', '--name', 'iac-b2c3d4e5-0000-4000-8000-000000000002']);
  });

  it('without variables it reuses the last deployment\'s non-secure parameters; a secure one must be given', async () => {
    const prior = await deployed();
    const { ctx, executor } = await setup({ 'deployment group what-if': [{ file: 'what-if-drift.json' }] }, prior, 'drift', {});
    // storageName came back from the deployment record; adminPassword (secureString) cannot be read back.
    await expect(executor.detectDrift(ctx)).rejects.toThrow('Template parameter "adminPassword" has no value and no default');
  });

  it('no drift when everything is NoChange', async () => {
    const prior = await deployed();
    const { ctx, executor } = await setup({ 'deployment group what-if': [{ file: 'what-if-no-change.json' }] }, prior, 'drift');
    const report = await executor.detectDrift(ctx);
    expect(report).toMatchObject({ drifted: false, resources: [] });
  });
});

describe('recoverState', () => {
  it('reads the ARM deployment named after the deployment id', async () => {
    const { standin, ctx, executor } = await setup({ 'deployment group show': [{ file: 'deployment-succeeded.json' }], 'deployment operation group list': [{ file: 'operations-succeeded.json' }] }, null, 'apply');
    const snap = await executor.recoverState(ctx);
    expect(snap!.resources.map((r) => r.name)).toEqual(['id-web', 'stweb001']);
    const show = (await standin.calls()).find((c) => c.key === 'deployment group show')!;
    expect(show.argv).toContain('iac-b2c3d4e5-0000-4000-8000-000000000002');
  });

  it('null when ARM never got the deployment', async () => {
    const { ctx, executor } = await setup(
      { 'deployment group show': [{ exitCode: 3, stderr: "ERROR: (DeploymentNotFound) Deployment 'x' could not be found.\nCode: DeploymentNotFound" }] },
      null,
      'apply',
    );
    expect(await executor.recoverState(ctx)).toBeNull();
  });
});
