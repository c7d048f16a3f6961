/**
 * What-if change types, a failed operation, cancel, timeout, compile and validation errors, against
 * the STAND-IN `az` / `bicep` (test/fixtures/bin; Azure cannot be reached here). Outputs replayed are
 * recorded from Microsoft's documented responses (test/fixtures/az-output/generate.py says which).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { CancelledError, TimeoutError } from '@iac-orchestrator/core';
import { AzureCliError, BicepCompileError, BicepExecutor } from '../src/index.js';
import type { BicepRawState } from '../src/state.js';
import { baseResponses, fixtureBundle, logsOf, makeContext, resourceEventsOf, SECRET, Standin, STANDIN_BICEP, type Response, type TestContext } from './helpers/standin.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(over: Record<string, Response[]> = {}, kind: 'bicep' | 'arm' = 'arm', env?: Record<string, string>) {
  const standin = await Standin.create({ ...baseResponses(), ...over });
  const ctx = await makeContext({ bundle: await fixtureBundle(kind), ...(env ? { env } : {}) });
  cleanups.push(() => standin.cleanup(), () => ctx.dispose());
  return { standin, ctx };
}

async function waitFor(ctx: TestContext, event: string): Promise<void> {
  for (let i = 0; i < 2000 && !resourceEventsOf(ctx).includes(event); i++) await new Promise((r) => setTimeout(r, 10));
  if (!resourceEventsOf(ctx).includes(event)) throw new Error(`never saw ${event}`);
}

describe('what-if change types', () => {
  it('maps Create, Modify, Delete, NoChange, Ignore and Deploy to plan actions and counts', async () => {
    const { standin, ctx } = await setup({ 'deployment group what-if': [{ file: 'what-if-all-change-types.json' }] });
    const plan = await new BicepExecutor(standin.options()).plan(ctx);
    expect(plan.summary).toMatchObject({ add: 1, change: 2, destroy: 1, hasChanges: true });
    expect(plan.summary.resources.map((r) => [r.type, r.action, r.reason?.split(' ')[0]])).toEqual([
      ['Microsoft.ManagedIdentity/userAssignedIdentities', 'update', 'Modify'],
      ['Microsoft.Storage/storageAccounts', 'create', 'Create'],
      ['Microsoft.Network/virtualNetworks', 'delete', 'Delete'],
      ['Microsoft.Network/networkSecurityGroups', 'no-op', 'NoChange'],
      ['Microsoft.Web/sites', 'no-op', 'Ignore'],
      ['Microsoft.Insights/components', 'update', 'Deploy'],
    ]);
    expect((plan.artifact as { counts: Record<string, number> }).counts).toEqual({ Create: 1, Delete: 1, Ignore: 1, NoChange: 1, Modify: 1, Deploy: 1, Unsupported: 0 });
    expect(logsOf(ctx)).toContain('What-if (Incremental): 1 to create, 1 to delete, 1 to ignore, 1 no change, 1 to modify, 1 to deploy');
  });

  it('reports no changes when every resource is NoChange', async () => {
    const { standin, ctx } = await setup({ 'deployment group what-if': [{ file: 'what-if-no-change.json' }] });
    const plan = await new BicepExecutor(standin.options()).plan(ctx);
    expect(plan.summary).toMatchObject({ add: 0, change: 0, destroy: 0, hasChanges: false });
  });
});

describe('failures', () => {
  it('a failed operation fails the apply with Azure\'s codes and keeps what was created in the state', async () => {
    const { standin, ctx } = await setup({
      'deployment group show': [{ file: 'deployment-accepted.json' }, { file: 'deployment-running.json' }, { file: 'deployment-failed.json' }],
      'deployment operation group list': [{ stdout: '[]' }, { file: 'operations-running.json' }, { file: 'operations-failed.json' }],
    });
    const executor = new BicepExecutor(standin.options());
    const result = await executor.apply(ctx, await executor.plan(ctx));
    expect(result.outcome).toBe('failed');
    expect(result.error).toContain('DeploymentFailed');
    expect(result.error).toContain('InvalidAccountType: The AccountType Standard_LRS1 is invalid');
    expect(resourceEventsOf(ctx)).toEqual(['id-web:updated', 'stweb001:creating', 'stweb001:failed']);
    const raw = result.state!.raw as BicepRawState;
    expect(raw.resources.map((r) => `${r.name}:${r.status}`)).toEqual(['id-web:updated', 'stweb001:failed']);
    expect(raw.deployment?.properties?.error?.code).toBe('DeploymentFailed');
  });

  it('a passing read error while polling is retried, not taken for a failed deployment', async () => {
    const { standin, ctx } = await setup({
      'deployment group show': [
        { file: 'deployment-accepted.json' },
        { exitCode: 1, stderr: "ERROR: (TooManyRequests) The request is being throttled.\nCode: TooManyRequests" },
        { file: 'deployment-succeeded.json' },
      ],
      'deployment operation group list': [{ file: 'operations-succeeded.json' }],
    });
    const executor = new BicepExecutor(standin.options());
    const result = await executor.apply(ctx, await executor.plan(ctx));
    expect(result.outcome).toBe('succeeded');
    expect(logsOf(ctx).some((m) => m.startsWith('Reading the deployment failed (1/5), retrying: az deployment group show failed: TooManyRequests'))).toBe(true);
  });

  it('cancel calls az deployment group cancel and returns the state ARM settled on', async () => {
    const { standin, ctx } = await setup({
      'deployment group show': [{ file: 'deployment-running.json' }],
      'deployment operation group list': [{ file: 'operations-running.json' }],
      'cancelled:deployment group show': [{ file: 'deployment-canceled.json' }],
      'cancelled:deployment operation group list': [{ file: 'operations-canceled.json' }],
    });
    const executor = new BicepExecutor(standin.options());
    const plan = await executor.plan(ctx);
    const applying = executor.apply(ctx, plan);
    await waitFor(ctx, 'stweb001:creating');
    ctx.abort();
    const result = await applying;
    expect(result.outcome).toBe('cancelled');
    const cancel = (await standin.calls()).filter((c) => c.key === 'deployment group cancel');
    expect(cancel.map((c) => c.argv)).toEqual([
      ['deployment', 'group', 'cancel', '--resource-group', 'rg-web-app-dev', '--name', 'iac-7d7c6a4e-5b1d-4c2e-9f3a-0123456789ab', '--output', 'none', '--only-show-errors'],
    ]);
    expect(resourceEventsOf(ctx)).toContain('stweb001:failed');
    const raw = result.state!.raw as BicepRawState;
    expect(raw.deployment?.properties?.provisioningState).toBe('Canceled');
    expect(raw.resources.map((r) => r.name)).toEqual(['id-web', 'stweb001']);
  });

  it('a cancel during the plan stops the running az (SIGINT) and removes the session', async () => {
    const { standin, ctx } = await setup({ 'deployment group what-if': [{ file: 'what-if-create-modify.json', delayMs: 600_000 }] });
    // The stand-in would answer after 10 minutes: the plan only ends (within the test timeout) if the child is stopped.
    const planning = new BicepExecutor(standin.options()).plan(ctx).catch((e) => e);
    for (let i = 0; i < 3000 && !(await standin.keys()).includes('deployment group what-if'); i++) await new Promise((r) => setTimeout(r, 20));
    ctx.abort();
    const err = await planning;
    expect(err).toBeInstanceOf(CancelledError);
    const dirs = new Set((await standin.calls()).map((c) => c.env.AZURE_CONFIG_DIR));
    for (const d of dirs) expect(existsSync(d)).toBe(false);
  });

  it('a timeout cancels the same way and reports timed_out', async () => {
    const { standin, ctx } = await setup({
      'deployment group show': [{ file: 'deployment-running.json' }],
      'deployment operation group list': [{ file: 'operations-running.json' }],
      'cancelled:deployment group show': [{ file: 'deployment-canceled.json' }],
      'cancelled:deployment operation group list': [{ file: 'operations-canceled.json' }],
    });
    const executor = new BicepExecutor(standin.options());
    const plan = await executor.plan(ctx);
    const applying = executor.apply(ctx, plan);
    await waitFor(ctx, 'stweb001:creating');
    ctx.abort(new TimeoutError('Deployment timed out'));
    const result = await applying;
    expect(result.outcome).toBe('timed_out');
    expect(await standin.keys()).toContain('deployment group cancel');
  });

  it('compile errors become log entries with file, line and message, and a typed error', async () => {
    const { standin, ctx } = await setup(
      {
        'bicep-cli build': [
          {
            exitCode: 1,
            // Format of Bicep diagnostics as "Bicep CLI" / "find errors" docs on learn.microsoft.com show them.
            stderr: '__FILE__(22,51) : Error BCP064: Found unexpected tokens in interpolated expression.\n__FILE__(22,51) : Error BCP004: The string at this location is not terminated due to an unexpected new line character.\n__FILE__(3,7) : Warning no-unused-params: Parameter "x" is declared but never used.',
          },
        ],
      },
      'bicep',
    );
    const err = await new BicepExecutor(standin.options({ bicepBinary: STANDIN_BICEP })).plan(ctx).catch((e) => e);
    expect(err).toBeInstanceOf(BicepCompileError);
    expect(err.message).toBe('Bicep compilation of main.bicep failed: 2 errors; first: main.bicep:22:51 BCP064: Found unexpected tokens in interpolated expression.');
    expect(err.diagnostics.map((d: { file: string; line: number; code: string }) => `${d.file}:${d.line}:${d.code}`)).toEqual(['main.bicep:22:BCP064', 'main.bicep:22:BCP004']);
    const logs = ctx.events.filter((e) => e.type === 'log' && e.level !== 'debug');
    expect(logs).toEqual([
      { type: 'log', level: 'error', message: 'main.bicep:22:51 error BCP064: Found unexpected tokens in interpolated expression.', resource: null },
      { type: 'log', level: 'error', message: 'main.bicep:22:51 error BCP004: The string at this location is not terminated due to an unexpected new line character.', resource: null },
      { type: 'log', level: 'warn', message: 'main.bicep:3:7 warning no-unused-params: Parameter "x" is declared but never used.', resource: null },
    ]);
    expect((await standin.keys()).filter((k) => k === 'login')).toEqual([]);
  });

  it('a validation error body becomes an AzureCliError with Azure\'s code, secrets redacted', async () => {
    // Shape of az 2.45's message for an HTTP error of validate (resource/_utils.py _build_http_response_error_message).
    const stderr = [
      'ERROR: {"code": "InvalidTemplateDeployment", "message": "The template deployment \'x\' is not valid according to the validation procedure. The tracking id is \'1\'. See inner errors for details."}',
      '',
      'Inner Errors: ',
      '{"code": "PreflightValidationCheckFailed", "message": "Preflight validation failed. Please refer to the details for the specific errors."}',
      '',
      'Inner Errors: ',
      `{"code": "InvalidParameter", "message": "The value 'P@ssw0rd-very-secret' of adminPassword does not meet the requirements; client ${SECRET}"}`,
    ].join('\n');
    const { standin, ctx } = await setup({ 'deployment group validate': [{ exitCode: 1, stderr }] });
    const err = await new BicepExecutor(standin.options()).plan(ctx).catch((e) => e);
    expect(err).toBeInstanceOf(AzureCliError);
    expect(err.code).toBe('EXECUTOR_ERROR');
    expect(err.azureCode).toBe('InvalidTemplateDeployment');
    expect(err.message).toContain('az deployment group validate failed: InvalidTemplateDeployment: The template deployment');
    expect(err.message).toContain('InvalidParameter');
    expect(err.message).not.toContain('P@ssw0rd-very-secret');
    expect(err.message).not.toContain(SECRET);
    expect(JSON.stringify(err.details)).not.toContain('P@ssw0rd-very-secret');
  });

  it('a wrong client secret fails the login without echoing it', async () => {
    const { standin, ctx } = await setup({}, 'arm', { AZURE_CLIENT_ID: 'c', AZURE_CLIENT_SECRET: 'wrong-secret-value', AZURE_TENANT_ID: 't', AZURE_SUBSCRIPTION_ID: 's' });
    const err = await new BicepExecutor(standin.options()).plan(ctx).catch((e) => e);
    expect(err).toBeInstanceOf(AzureCliError);
    expect(err.azureCode).toBe('AADSTS7000215');
    expect(err.message).not.toContain('wrong-secret-value');
  });

  it('missing credentials fail before any az call', async () => {
    const { standin, ctx } = await setup({}, 'arm', { AZURE_CLIENT_ID: 'c', AZURE_TENANT_ID: 't' });
    await expect(new BicepExecutor(standin.options()).plan(ctx)).rejects.toThrow('Azure credentials are incomplete: AZURE_CLIENT_SECRET is not set');
    expect(await standin.keys()).toEqual([]);
  });
});
