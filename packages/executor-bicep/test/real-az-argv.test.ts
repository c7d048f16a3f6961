/**
 * Every argv the executor builds, given to the REAL Azure CLI (Debian's azure-cli 2.45) so a wrong
 * flag cannot hide behind the stand-in. The argv are not a hand-written list: the executor first runs
 * plan, apply, cancel, destroy, `az bicep build` and a managed-identity sign-in against the STAND-IN az (test/fixtures/bin) and
 * every command it sent is then replayed to the real az, not signed in. Each must get past argument
 * parsing (exit code 2 and "unrecognized arguments" mean it did not) and stop at login ("Please run
 * 'az login'"), or for `az login` itself at the sign-in request, for `az account set` at the missing
 * subscription, for `az login --identity` at the managed-identity endpoint, for `az bicep build` at
 * the Bicep download (no network here).
 *
 * Skipped, with the reason printed, when `az` is not installed; under CI=true a missing `az` fails
 * (`.ci/run` installs azure-cli).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { TimeoutError } from '@iac-orchestrator/core';
import { findCommand, prerequisite } from '../../../test-support/prerequisites.js';
import { BicepExecutor, type BicepExecutorOptions } from '../src/index.js';
import { baseResponses, fixtureBundle, makeContext, resourceEventsOf, Standin, type Call } from './helpers/standin.js';

const az = findCommand('az');
const ok = prerequisite('az', az !== null, 'the real-az argv check needs `az` on PATH (apt-get install azure-cli); the stand-in tests still run');

/** Runs the executor through every kind of call against the stand-in and returns what it sent. */
async function recordEveryArgv(): Promise<Call[]> {
  const calls: Call[] = [];
  const run = async (
    over: Record<string, unknown>,
    fn: (ex: BicepExecutor, ctx: Awaited<ReturnType<typeof makeContext>>) => Promise<void>,
    kind: 'arm' | 'bicep' = 'arm',
    extra = {},
    executorOptions: BicepExecutorOptions = {},
  ) => {
    const standin = await Standin.create({ ...baseResponses(), ...over } as never);
    const ctx = await makeContext({ bundle: await fixtureBundle(kind), ...extra });
    const opts = standin.options();
    try {
      await fn(new BicepExecutor({ ...opts, ...executorOptions, env: { ...opts.env, PATH: '/usr/bin:/bin' } }), ctx);
      calls.push(...(await standin.calls()));
    } finally {
      await standin.cleanup();
      await ctx.dispose();
    }
  };
  // plan (az bicep build, group create) + apply + cancel
  await run(
    {
      'group exists': [{ stdout: 'false' }],
      'deployment group show': [{ file: 'deployment-running.json' }],
      'deployment operation group list': [{ file: 'operations-running.json' }],
      'cancelled:deployment group show': [{ file: 'deployment-canceled.json' }],
    },
    async (ex, ctx) => {
      const plan = await ex.plan(ctx);
      const applying = ex.apply(ctx, plan);
      for (let i = 0; i < 3000 && !resourceEventsOf(ctx).includes('stweb001:creating'); i++) await new Promise((r) => setTimeout(r, 10));
      ctx.abort(new TimeoutError('timed out'));
      await applying;
    },
    'bicep',
    { options: { createResourceGroup: true, location: 'westeurope' } },
  );
  // apply to the end, then destroy what it made
  await run({}, async (ex, ctx) => {
    const r = await ex.apply(ctx, await ex.plan(ctx));
    const dctx = await makeContext({ bundle: ctx.bundle, operation: 'destroy', priorState: r.state!.raw, workDir: ctx.workDir });
    await ex.apply(dctx, await ex.plan(dctx));
  });
  // managed-identity sign-in
  await run({}, async (ex, ctx) => {
    await ex.plan(ctx);
  }, 'arm', {}, { login: 'managed-identity' });
  return calls;
}

describe.skipIf(!ok)('real az accepts every argv the executor builds', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('check() reads the installed az version', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'real-az-check-'));
    dirs.push(dir);
    const check = await new BicepExecutor({ toolConfigDir: dir, env: { PATH: '/usr/bin:/bin' } }).check();
    expect(check.ok).toBe(true);
    expect(check.version).toMatch(/^azure-cli 2\.\d+\.\d+/);
  }, 120_000);

  it('gets past argument parsing for each command', async () => {
    const calls = await recordEveryArgv();
    const byKey = new Map<string, Call>();
    for (const c of calls) {
      const key = c.argv.includes('--identity') ? `${c.key} --identity` : c.key;
      if (!byKey.has(key)) byKey.set(key, c);
    }
    expect([...byKey.keys()].sort()).toEqual([
      'account set', 'bicep build', 'deployment group cancel', 'deployment group create', 'deployment group show', 'deployment group validate',
      'deployment group what-if', 'deployment operation group list', 'group create', 'group exists', 'login', 'login --identity', 'resource delete',
    ]);

    const dir = await mkdtemp(join(tmpdir(), 'real-az-'));
    dirs.push(dir);
    const files = { template: join(dir, 'template.json'), parameters: join(dir, 'parameters.json'), bicep: join(dir, 'main.bicep'), out: join(dir, 'out.json') };
    await writeFile(files.template, JSON.stringify({ $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', contentVersion: '1.0.0.0', resources: [] }));
    await writeFile(files.parameters, JSON.stringify({ contentVersion: '1.0.0.0', parameters: {} }));
    await writeFile(files.bicep, "param location string = 'westeurope'\n");
    // Paths in the recorded argv pointed into removed work dirs: point them at files that exist.
    const rewrite = (argv: string[]) =>
      argv.map((a, i) => {
        const prev = argv[i - 1];
        if (prev === '--template-file') return files.template;
        if (prev === '--parameters') return `@${files.parameters}`;
        if (prev === '--file') return files.bicep;
        if (prev === '--outfile') return files.out;
        return a;
      });
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, AZURE_CONFIG_DIR: join(dir, 'azure'), AZURE_CORE_COLLECT_TELEMETRY: 'no' };
    const check = async ([key, call]: [string, Call]) => {
      const r = await execa(az!, rewrite(call.argv), { env, extendEnv: false, reject: false, input: key === 'login' ? 'not-a-real-secret' : undefined, timeout: 120_000 });
      const said = `${key}: exit ${r.exitCode}\n${String(r.stderr).slice(0, 400)}`;
      expect(r.stderr, said).not.toMatch(/unrecognized arguments|the following arguments are required|is misspelled or not recognized|expected one argument|invalid choice/);
      expect(r.exitCode, said).not.toBe(2);
      expect(r.exitCode, said).not.toBe(0);
      if (key === 'login') expect(r.stderr, said).toMatch(/login\.microsoftonline\.com|AADSTS|Failed to establish|Name or service not known/);
      else if (key === 'login --identity') expect(r.stderr, said).toMatch(/MSI|managed identity|169\.254\.169\.254|IMDS/i);
      else if (key === 'bicep build') expect(r.stderr, said).toMatch(/Bicep/);
      // Not signed in, `account set` finds no subscription to select.
      else if (key === 'account set') expect(r.stderr, said).toMatch(/doesn't exist in cloud|Please run 'az login'/);
      else expect(r.stderr, said).toContain("Please run 'az login' to setup account.");
    };
    // The first call builds az's command index in the shared config dir; the rest run three at a time.
    const entries = [...byKey.entries()];
    await check(entries[0]);
    for (let i = 1; i < entries.length; i += 3) await Promise.all(entries.slice(i, i + 3).map(check));
  }, 300_000);
});
