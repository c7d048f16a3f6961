import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectSandbox, MemoryStateStore, Orchestrator, type ExecutorEvent } from '@iac-orchestrator/core';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { TerraformExecutor } from '../src/index.js';
import { deployOnce, FIXTURES, findProviderMirror, hasTerraform, loadFixture, providerMirrorReason, makeContext, testBed, waitForStatus } from './helpers.js';

const found = await detectSandbox();
const ok = prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH') && prerequisite('bwrap', found.available, found.available ? '' : found.reason);

const mirror = findProviderMirror();
/**
 * The pruned-cache test needs a real provider package. Locally it skips (saying why); under CI=true it
 * runs and fails on the prerequisite itself, and only it: the other tests here need no provider.
 */
const inCi = process.env.CI === 'true';
const withProvider = ok && (mirror !== null || inCi);
if (ok && !mirror && !inCi) console.warn(`[skipped] hashicorp/aws provider mirror is not available here: ${providerMirrorReason()}`);
const INIT = 'Initializing Terraform working directory';
const REUSED = /^Reusing the initialised Terraform working directory/;
const messages = (events: ExecutorEvent[]): string[] => events.flatMap((e) => (e.type === 'log' ? [e.message] : []));
const inits = (events: ExecutorEvent[]): number => messages(events).filter((m) => m === INIT).length;
const reuses = (events: ExecutorEvent[]): number => messages(events).filter((m) => REUSED.test(m)).length;

/** Every stack's warm dir under the bed's work root, and the build each one currently names. */
async function warmBuilds(workRoot: string): Promise<Array<{ stack: string; build: string; builds: string[] }>> {
  const root = join(workRoot, '.warm');
  const out = [];
  for (const stack of await readdir(root).catch(() => [] as string[])) {
    const current = JSON.parse(await readFile(join(root, stack, 'current.json'), 'utf8')) as { build: string };
    out.push({ stack, build: join(root, stack, current.build), builds: (await readdir(join(root, stack))).filter((n) => n.startsWith('b-')) });
  }
  return out;
}

let bed: Awaited<ReturnType<typeof testBed>> | undefined;
afterEach(async () => {
  await bed?.dispose();
  bed = undefined;
});

const basicVars = { name: 'one', db_password: 'pw-warm-1' };

describe.skipIf(!ok)('reusing a stack\'s initialised data dir (real terraform, real bubblewrap)', () => {
  it('a second deployment of an unchanged stack runs no init and still finds no changes and the outputs', async () => {
    bed = await testBed();
    const orch = new Orchestrator({ store: new MemoryStateStore(), executors: [bed.executor], workDir: bed.workRoot, lockTtlMs: 5000, lockWaitMs: 20_000 });
    try {
      const input = {
        blueprintId: 'warm',
        environment: 'dev',
        targetCloud: 'aws' as const,
        format: 'terraform' as const,
        files: { 'main.tf': await readFile(join(FIXTURES, 'basic', 'main.tf'), 'utf8') },
        options: { autoApprove: true, variables: basicVars, sensitiveVariables: ['db_password'] },
      };
      const logsOf = async (id: string) => (await orch.logs(id, { limit: 1000 })).entries.map((e) => e.message);
      const first = await waitForStatus(orch, (await orch.deploy(input)).id);
      expect(first.status).toBe('completed');
      expect((await logsOf(first.id)).filter((m) => m === INIT)).toHaveLength(1);

      const again = await waitForStatus(orch, (await orch.deploy(input)).id);
      expect(again).toMatchObject({ status: 'completed', stateVersion: 1, plan: { hasChanges: false } });
      expect(again.outputs).toMatchObject({ app_name: 'app-one' });
      const logs = await logsOf(again.id);
      expect(logs.filter((m) => m === INIT)).toHaveLength(0);
      expect(logs.filter((m) => REUSED.test(m))).toHaveLength(1);
    } finally {
      await orch.close(5000);
    }
  });

  it('plans, applies a saved plan, updates (show -json), checks drift, recovers and destroys with the data dir read-only; nothing secret is kept in it', async () => {
    bed = await testBed();
    const bundle = await loadFixture('basic');
    const first = await deployOnce(bed, { bundle, variables: basicVars });
    expect(first.result.outcome).toBe('succeeded');
    expect(inits(first.ctx.events)).toBe(1);
    const [warm] = await warmBuilds(bed.workRoot);
    expect(warm).toBeDefined();

    // The backend state init recorded: the http backend's type and hash, never the one-run address or secret.
    const backendState = await readFile(join(warm!.build, 'data', 'terraform.tfstate'), 'utf8');
    const backend = (JSON.parse(backendState) as { backend: { type: string; config: Record<string, unknown> } }).backend;
    expect(backend.type).toBe('http');
    expect([backend.config.address, backend.config.username, backend.config.password]).toEqual([null, null, null]);
    const secret = first.ctx.secrets.find((s) => s.length >= 16 && !Object.values(basicVars).includes(s));
    expect(secret).toBeDefined();
    const everything = await Promise.all((await readdir(warm!.build, { recursive: true })).map((f) => readFile(join(warm!.build, f), 'utf8').catch(() => '')));
    expect(everything.join('\n')).not.toContain(secret!);
    expect(everything.join('\n')).not.toMatch(/127\.0\.0\.1|localhost/);
    expect(everything.join('\n')).not.toContain('pw-warm-1');

    // An update (its plan is shown with show -json), from the same warm dir.
    const update = await deployOnce(bed, { bundle, variables: { ...basicVars, name: 'two' }, priorState: first.result.state?.raw });
    expect(update.result.outcome).toBe('succeeded');
    expect(update.plan.summary).toMatchObject({ add: 0, change: 2, destroy: 0 });
    expect(update.result.state?.outputs).toMatchObject({ app_name: 'app-two' });
    expect([inits(update.ctx.events), reuses(update.ctx.events)]).toEqual([0, 1]);
    const state = update.result.state?.raw;

    // Drift (plan -refresh-only), with the warm dir.
    const driftCtx = makeContext({ bundle, workDir: await bed.workDir(), operation: 'drift', variables: { ...basicVars, name: 'two' }, priorState: state });
    expect((await bed.executor.detectDrift(driftCtx)).drifted).toBe(false);
    expect([inits(driftCtx.events), reuses(driftCtx.events)]).toEqual([0, 1]);
    await bed.executor.cleanup(driftCtx);

    // A recovery of a work dir that ran from the warm dir reads the state left there (show -json with the warm dir).
    const rec = makeContext({ bundle, workDir: await bed.workDir(), variables: { ...basicVars, name: 'three' }, priorState: state });
    const recPlan = await bed.executor.plan(rec);
    expect((await bed.executor.apply(rec, recPlan)).outcome).toBe('succeeded');
    const recovered = await bed.executor.recoverState(rec);
    expect(recovered?.resources.map((r) => r.id).sort()).toEqual(['terraform_data.app', 'terraform_data.network']);
    expect(recovered?.outputs).toMatchObject({ app_name: 'app-three' });
    await bed.executor.cleanup(rec);
    const state3 = recovered?.raw;

    // Still one stack, one build: every run used the first init's build and none wrote into it.
    const after = await warmBuilds(bed.workRoot);
    expect(after.map((w) => w.build)).toEqual([warm!.build]);
    expect(await readFile(join(warm!.build, 'data', 'terraform.tfstate'), 'utf8')).toBe(backendState);

    // Destroy, planned and applied from the warm dir; the destroyed stack's warm dir goes with it.
    const destroy = await deployOnce(bed, { bundle, operation: 'destroy', variables: { ...basicVars, name: 'three' }, priorState: state3 });
    expect(destroy.result.outcome).toBe('succeeded');
    expect(destroy.plan.summary).toMatchObject({ destroy: 2 });
    expect(destroy.result.state?.resources ?? []).toHaveLength(0);
    expect([inits(destroy.ctx.events), reuses(destroy.ctx.events)]).toEqual([0, 1]);
    // The destroyed stack has no current build; its build is retired (removed an hour later by the sweep).
    expect(existsSync(join(warm!.build, '..', 'current.json'))).toBe(false);
    expect(existsSync(join(warm!.build, 'superseded'))).toBe(true);
  });

  it('inits again for changed code, never shares a build between stacks, and inits every time with reuseInit off', async () => {
    bed = await testBed();
    const bundle = await loadFixture('basic');
    const changed = await loadFixture('basic', { '"net-${var.name}"': '"network-${var.name}"' });
    expect(changed.digest).not.toBe(bundle.digest);
    const a1 = await deployOnce(bed, { bundle, variables: basicVars });
    const a2 = await deployOnce(bed, { bundle: changed, variables: basicVars, priorState: a1.result.state?.raw });
    expect(a2.result.outcome).toBe('succeeded');
    expect([inits(a2.ctx.events), reuses(a2.ctx.events)]).toEqual([1, 0]);
    // The changed code's build replaced the first as the stack's current one (the first is kept an hour
    // for a drift check that may use it, marked superseded).
    const [onlyA] = await warmBuilds(bed.workRoot);
    expect(onlyA!.builds).toHaveLength(2);
    const superseded = onlyA!.builds.map((b) => join(bed!.workRoot, '.warm', onlyA!.stack, b)).filter((p) => existsSync(join(p, 'superseded')));
    expect(superseded).toHaveLength(1);
    expect(superseded).not.toContain(onlyA!.build);

    // Another stack with the very same code: its own init, its own warm dir.
    const b1 = await deployOnce(bed, { bundle: changed, variables: basicVars, stack: { blueprintId: 'other-tenant' } });
    expect(b1.result.outcome).toBe('succeeded');
    expect([inits(b1.ctx.events), reuses(b1.ctx.events)]).toEqual([1, 0]);
    const both = await warmBuilds(bed.workRoot);
    expect(both).toHaveLength(2);
    expect(new Set(both.map((w) => w.build)).size).toBe(2);

    // Turned off: init every time, no warm dir used or made.
    const off = await testBed({ reuseInit: false });
    try {
      for (let i = 0; i < 2; i++) {
        const r = await deployOnce(off, { bundle, variables: basicVars });
        expect(r.result.outcome).toBe('succeeded');
        expect([inits(r.ctx.events), reuses(r.ctx.events)]).toEqual([1, 0]);
      }
      expect(existsSync(join(off.workRoot, '.warm'))).toBe(false);
    } finally {
      await off.dispose();
    }
  });

  it.skipIf(!withProvider)('rebuilds when the plugin cache was pruned, and another runner applies a saved plan with the artifact\'s lock file', async () => {
    prerequisite('hashicorp/aws provider mirror', mirror !== null, providerMirrorReason());
    // A private plugin cache (the shared one is not ours to prune): the provider is copied into it from the mirror.
    bed = await testBed({ mirror: findProviderMirror() });
    const cache = join(bed.root, 'plugin-cache');
    const runner = () => new TerraformExecutor({ workRoot: bed!.workRoot, cliConfigFile: bed!.cliConfigFile, pluginCacheDir: cache, cancelGraceMs: 10_000 });
    const executor = runner();
    const bundle = await loadFixture('basic', { '# Plain terraform_data': 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n# Plain terraform_data' });
    const run = async (prior?: unknown) => {
      const ctx = makeContext({ bundle, workDir: await bed!.workDir(), variables: basicVars, ...(prior ? { priorState: prior } : {}) });
      const plan = await executor.plan(ctx);
      const result = await executor.apply(ctx, plan);
      await executor.cleanup(ctx);
      return { ctx, plan, result };
    };
    const first = await run();
    expect(first.result.outcome).toBe('succeeded');
    const [warm] = await warmBuilds(bed.workRoot);
    expect((await readdir(join(warm!.build, 'data', 'providers'), { recursive: true })).length).toBeGreaterThan(0);

    // The cache is pruned: the build's provider links dangle, so it is rebuilt by a normal init.
    await rm(join(cache, 'registry.terraform.io'), { recursive: true, force: true });
    const second = await run(first.result.state?.raw);
    expect(second.result.outcome).toBe('succeeded');
    expect([inits(second.ctx.events), reuses(second.ctx.events)]).toEqual([1, 0]);

    // Plan here; apply in a fresh work dir by another executor (another runner), prepared from the
    // artifact's lock file: the same lock file as the build's reuses it, another one inits again.
    for (const [n, extra, expected] of [[1, '', [0, 1]], [2, '\n# the same providers, another copy of the file\n', [1, 0]]] as const) {
      const planCtx = makeContext({ bundle, workDir: await bed.workDir(), variables: { ...basicVars, name: `n${n}` }, priorState: second.result.state?.raw });
      const plan = await executor.plan(planCtx);
      await executor.cleanup(planCtx);
      const artifact = plan.artifact as { lockFile: string | null };
      expect(artifact.lockFile).toContain('registry.terraform.io/hashicorp/aws');
      artifact.lockFile += extra;
      const applyCtx = makeContext({ bundle, workDir: await bed.workDir(), variables: {}, priorState: second.result.state?.raw });
      const other = runner();
      const applied = await other.apply(applyCtx, plan);
      expect(applied.outcome).toBe('succeeded');
      expect(applied.state?.outputs).toMatchObject({ app_name: `app-n${n}` });
      expect(messages(applyCtx.events)).toContain('Preparing a fresh work dir for the saved plan');
      expect([inits(applyCtx.events), reuses(applyCtx.events)]).toEqual(expected);
      await other.cleanup(applyCtx);
    }
  });
});
