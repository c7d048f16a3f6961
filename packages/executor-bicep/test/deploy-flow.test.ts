/**
 * Plan + apply flows of BicepExecutor against a STAND-IN `az` / `bicep` (test/fixtures/bin): Azure
 * cannot be reached from here, so the CLIs are scripts replaying az outputs recorded from Microsoft's
 * documented ARM responses (test/fixtures/az-output). The argv, stdin and env the executor gives
 * them are asserted, and so is the whole flow.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { MASK } from '@iac-orchestrator/core';
import { BicepExecutor } from '../src/index.js';
import type { BicepRawState } from '../src/state.js';
import { baseResponses, fixtureBundle, logsOf, makeContext, resourceEventsOf, SECRET, Standin, STANDIN_BICEP } from './helpers/standin.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(responses = baseResponses(), kind: 'bicep' | 'arm' = 'arm', over: Parameters<typeof makeContext>[0] extends infer T ? Partial<T> : never = {}) {
  const standin = await Standin.create(responses);
  const ctx = await makeContext({ bundle: await fixtureBundle(kind), ...over });
  cleanups.push(() => standin.cleanup(), () => ctx.dispose());
  return { standin, ctx };
}

const RG = 'rg-web-app-dev';
const NAME = 'iac-7d7c6a4e-5b1d-4c2e-9f3a-0123456789ab';

describe('BicepExecutor plan + apply (stand-in az)', () => {
  it('plans with validate + what-if and applies with create --no-wait, following operations to success', async () => {
    const { standin, ctx } = await setup();
    const executor = new BicepExecutor(standin.options());
    const plan = await executor.plan(ctx);

    expect(plan.summary).toMatchObject({ add: 1, change: 1, destroy: 0, hasChanges: true });
    expect(plan.summary.resources.map((r) => `${r.action}:${r.reason}`)).toEqual(['update:Modify (tags.myNewTag: Create)', 'create:Create']);
    const planCalls = await standin.calls();
    expect(planCalls.map((c) => c.key)).toEqual(['login', 'account set', 'group exists', 'deployment group validate', 'deployment group what-if']);
    // The secret reached az through stdin only: never in an argv, never in the env.
    const login = planCalls[0];
    expect(login.argv).toEqual(['login', '--service-principal', '--username', ctx.env.AZURE_CLIENT_ID, '--password', '@-', '--tenant', ctx.env.AZURE_TENANT_ID, '--output', 'none', '--only-show-errors']);
    expect(login.stdinSha256).not.toBeNull();
    for (const c of planCalls) {
      expect(c.argv.join(' ')).not.toContain(SECRET);
      expect(c.argv.join(' ')).not.toContain('P@ssw0rd');
      expect(c.env.keys).not.toContain('AZURE_CLIENT_SECRET');
      expect(c.env.AZURE_CONFIG_DIR.startsWith(ctx.workDir)).toBe(true);
    }
    // One private config dir for the session, removed afterwards.
    expect(new Set(planCalls.map((c) => c.env.AZURE_CONFIG_DIR)).size).toBe(1);
    expect(existsSync(planCalls[0].env.AZURE_CONFIG_DIR)).toBe(false);
    expect(planCalls[1].argv).toEqual(['account', 'set', '--subscription', ctx.env.AZURE_SUBSCRIPTION_ID, '--output', 'none', '--only-show-errors']);
    const whatIf = planCalls[4];
    expect(whatIf.argv.slice(0, 7)).toEqual(['deployment', 'group', 'what-if', '--resource-group', RG, '--name', NAME]);
    expect(whatIf.argv).toContain('--no-pretty-print');
    expect(whatIf.templateExists).toBe(true);
    // Parameters went as a JSON parameters file; the secure one is registered as a secret.
    expect(whatIf.parameters?.parameters).toEqual({ storageName: { value: 'stweb001' }, adminPassword: { value: 'P@ssw0rd-very-secret' } });
    expect(ctx.secrets).toContain('P@ssw0rd-very-secret');
    // ... and the parameters file is gone once the plan is made.
    expect((await readdir(ctx.workDir)).filter((n) => n.includes('parameters'))).toEqual([]);
    // The artifact holds the template and digests, never parameter values.
    expect(JSON.stringify(plan.artifact)).not.toContain('P@ssw0rd');

    // Apply in "another process": an empty work dir.
    const applyCtx = await makeContext({ bundle: ctx.bundle });
    cleanups.push(() => applyCtx.dispose());
    const result = await executor.apply(applyCtx, JSON.parse(JSON.stringify(plan)));
    expect(result.error).toBeUndefined();
    expect(result.outcome).toBe('succeeded');
    const applyCalls = (await standin.calls()).slice(planCalls.length);
    const create = applyCalls.find((c) => c.key === 'deployment group create')!;
    expect(create.argv).toEqual([
      'deployment', 'group', 'create', '--resource-group', RG, '--name', NAME,
      '--template-file', create.argv[8], '--parameters', create.argv[10], '--mode', 'Incremental', '--no-wait', '--output', 'json', '--only-show-errors',
    ]);
    expect(create.argv[10].startsWith('@')).toBe(true);
    expect(applyCalls.filter((c) => c.key === 'deployment group show').length).toBe(3);
    // Resource statuses as operations changed: the identity existed (Modify) so it is updated.
    expect(resourceEventsOf(applyCtx)).toEqual(['id-web:updated', 'stweb001:creating', 'stweb001:created']);
    expect(result.state!.outputs).toEqual({ storageEndpoint: 'https://stweb001.blob.core.windows.net/', adminSecret: MASK });
    const raw = result.state!.raw as BicepRawState;
    expect(raw.deploymentName).toBe(NAME);
    expect(raw.deployment?.properties?.provisioningState).toBe('Succeeded');
    expect(raw.resources.map((r) => `${r.name}:${r.status}:${r.dependsOn.length}`)).toEqual(['id-web:updated:0', 'stweb001:created:1']);
    expect(result.state!.resources[1]).toMatchObject({ type: 'Microsoft.Storage/storageAccounts', provider: 'Microsoft.Storage', status: 'created' });
    expect(JSON.stringify(result)).not.toContain('P@ssw0rd');
    expect(logsOf(applyCtx)).toContain(`Deployment ${NAME} succeeded`);
  });

  it('compiles main.bicep with the standalone bicep when there is one', async () => {
    const { standin, ctx } = await setup(baseResponses(), 'bicep');
    const plan = await new BicepExecutor(standin.options({ bicepBinary: STANDIN_BICEP })).plan(ctx);
    const calls = await standin.calls();
    expect(calls[0].key).toBe('bicep-cli build');
    expect(calls[0].argv).toEqual(['build', `${ctx.workDir}/bundle/main.bicep`, '--outfile', `${ctx.workDir}/template.json`]);
    expect((plan.artifact as { compiledWith: string }).compiledWith).toBe('bicep');
  });

  it('falls back to az bicep build with a credential-free tool config dir', async () => {
    const { standin, ctx } = await setup(baseResponses(), 'bicep');
    const opts = standin.options();
    await new BicepExecutor({ ...opts, env: { ...opts.env, PATH: '/usr/bin:/bin' } }).plan(ctx);
    const calls = await standin.calls();
    expect(calls[0].key).toBe('bicep build');
    expect(calls[0].argv).toEqual(['bicep', 'build', '--file', `${ctx.workDir}/bundle/main.bicep`, '--outfile', `${ctx.workDir}/template.json`, '--only-show-errors']);
    expect(calls[0].env.AZURE_CONFIG_DIR).toBe(opts.toolConfigDir);
    expect(calls[1].key).toBe('login');
  });

  it('creates the resource group when asked, and fails clearly when it is missing and not asked', async () => {
    const responses = { ...baseResponses(), 'group exists': [{ stdout: 'false' }] };
    const { standin, ctx } = await setup(responses, 'arm', { options: { createResourceGroup: true, location: 'westeurope', resourceGroup: 'rg-explicit' } });
    await new BicepExecutor(standin.options()).plan(ctx);
    const create = (await standin.calls()).find((c) => c.key === 'group create')!;
    expect(create.argv).toEqual(['group', 'create', '--name', 'rg-explicit', '--location', 'westeurope', '--tags', 'managed-by=iac-orchestrator', '--output', 'json', '--only-show-errors']);

    const other = await setup(responses);
    await expect(new BicepExecutor(other.standin.options()).plan(other.ctx)).rejects.toThrow(/Resource group "rg-web-app-dev" does not exist/);
  });

  it('check() reports az and bicep versions, and a missing az without throwing', async () => {
    const { standin } = await setup();
    expect(await new BicepExecutor(standin.options({ bicepBinary: STANDIN_BICEP })).check()).toEqual({ ok: true, version: 'azure-cli 2.45.0, bicep 0.24.24' });
    const missing = await new BicepExecutor({ ...standin.options(), azBinary: '/nonexistent/az' }).check();
    expect(missing.ok).toBe(false);
    expect(missing.detail).toContain('/nonexistent/az was not found');
  });

  it('refuses to apply when the parameters differ from the plan', async () => {
    const { standin, ctx } = await setup();
    const executor = new BicepExecutor(standin.options());
    const plan = await executor.plan(ctx);
    const changed = await makeContext({ bundle: ctx.bundle, variables: { ...ctx.variables, storageName: 'stother' } });
    cleanups.push(() => changed.dispose());
    const result = await executor.apply(changed, plan);
    expect(result).toMatchObject({ outcome: 'failed', state: null });
    expect(result.error).toMatch(/parameters changed since the plan/);
    expect((await standin.keys()).filter((k) => k === 'deployment group create')).toEqual([]);
  });
});
