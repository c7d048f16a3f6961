import { existsSync } from 'node:fs';
import { link, mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutorError, MASK, ValidationError, makeBundle } from '@iac-orchestrator/core';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { TerraformExecutor } from '../src/index.js';
import { deployOnce, eventText, hasTerraform, loadFixture, makeContext, testBed, writeCliConfig } from './helpers.js';

const ok = prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH');
const PASSWORD = 'pa55-w0rd-very-secret';

describe.skipIf(!ok)('TerraformExecutor on real terraform (terraform_data)', () => {
  let bed: Awaited<ReturnType<typeof testBed>>;
  beforeAll(async () => {
    bed = await testBed();
  });
  afterAll(() => bed?.dispose());

  it('reports the CLI and its version, and refuses a binary that is too old or missing', async () => {
    const check = await bed.executor.check();
    expect(check.ok).toBe(true);
    expect(check.version).toMatch(/^terraform \d+\.\d+\.\d+/);
    const tooOld = await new TerraformExecutor({ minVersion: '99.0.0' }).check();
    expect(tooOld).toMatchObject({ ok: false });
    expect(tooOld.detail).toContain('99.0.0 or newer is required');
    const missing = new TerraformExecutor({ binary: '/nonexistent/terraform' });
    expect((await missing.check()).ok).toBe(false);
    const bundle = await loadFixture('basic');
    await expect(missing.plan(makeContext({ bundle, workDir: await bed.workDir() }))).rejects.toMatchObject({ code: 'EXECUTOR_UNAVAILABLE' });
  });

  it('creates, updates and destroys; outputs come back with the sensitive one masked and registered', async () => {
    const bundle = await loadFixture('basic');
    const vars = { name: 'first', db_password: PASSWORD };

    // create
    const first = await deployOnce(bed, { bundle, variables: vars });
    expect(first.plan.summary).toMatchObject({ add: 2, change: 0, destroy: 0, hasChanges: true });
    expect(first.plan.summary.resources.map((r) => [r.id, r.action]).sort()).toEqual([
      ['terraform_data.app', 'create'],
      ['terraform_data.network', 'create'],
    ]);
    expect(first.result).toMatchObject({ outcome: 'succeeded' });
    const state1 = first.result.state!;
    expect(state1.outputs).toMatchObject({ app_name: 'app-first', connection_string: MASK });
    expect(state1.resources.map((r) => r.id).sort()).toEqual(['terraform_data.app', 'terraform_data.network']);
    const app = state1.resources.find((r) => r.id === 'terraform_data.app')!;
    expect(app).toMatchObject({ type: 'terraform_data', provider: 'terraform', status: 'created', dependencies: ['terraform_data.network'] });
    expect(app.attributes.input).toEqual({ name: 'first', password: MASK });
    // the copy Terraform does not flag (terraform_data's `output`) is masked too
    expect(JSON.stringify(state1.resources)).not.toContain(PASSWORD);
    expect(first.ctx.secrets).toContain(PASSWORD);
    expect(first.ctx.secrets.some((s) => s.includes(`app:${PASSWORD}@db`))).toBe(true);
    expect(eventText(first.ctx.events)).not.toContain(PASSWORD);
    // progress came as the spec's statuses, in order, per resource
    const statuses = first.ctx.events.filter((e) => e.type === 'resource' && e.id === 'terraform_data.app').map((e) => (e as { status: string }).status);
    expect(statuses).toEqual(['creating', 'created']);
    expect(first.ctx.events.some((e) => e.type === 'log' && e.message.includes('Apply complete!'))).toBe(true);
    // the raw state is plain JSON and carries the real value, for the next deployment
    expect(JSON.parse(JSON.stringify(state1.raw)).outputs.connection_string.value).toContain(PASSWORD);

    // update: only `name` changes → in-place updates, nothing replaced
    const second = await deployOnce(bed, { bundle, variables: { ...vars, name: 'second' }, priorState: state1.raw });
    expect(second.plan.summary).toMatchObject({ add: 0, change: 2, destroy: 0 });
    expect(second.result.outcome).toBe('succeeded');
    const state2 = second.result.state!;
    expect(state2.outputs.app_name).toBe('app-second');
    expect(state2.outputs.network_id).toBe(state1.outputs.network_id);
    expect(state2.resources.find((r) => r.id === 'terraform_data.network')?.status).toBe('updated');
    expect(second.ctx.events.filter((e) => e.type === 'resource').map((e) => (e as { status: string }).status)).toEqual(
      expect.arrayContaining(['updating', 'updated']),
    );

    // no change → an empty plan
    const same = await deployOnce(bed, { bundle, variables: { ...vars, name: 'second' }, priorState: state2.raw });
    expect(same.plan.summary).toMatchObject({ add: 0, change: 0, destroy: 0, hasChanges: false, resources: [] });

    // destroy: planned with -destroy, then that plan applied
    const gone = await deployOnce(bed, { bundle, operation: 'destroy', variables: vars, priorState: same.result.state!.raw });
    expect(gone.plan.summary).toMatchObject({ add: 0, change: 0, destroy: 2 });
    expect(gone.result.outcome).toBe('succeeded');
    expect(gone.result.state?.resources).toEqual([]);
    const deleted = gone.ctx.events.filter((e) => e.type === 'resource').map((e) => (e as { status: string }).status);
    expect(deleted.filter((s) => s === 'deleted')).toHaveLength(2);
  });

  it('applies the saved plan from a fresh, empty work dir (another process) without planning again', async () => {
    const bundle = await loadFixture('basic');
    const planCtx = makeContext({ bundle, workDir: await bed.workDir(), variables: { name: 'fresh', db_password: PASSWORD } });
    const plan = await bed.executor.plan(planCtx);
    await bed.executor.cleanup(planCtx);
    expect(existsSync(planCtx.workDir)).toBe(false);
    // The artifact survives a JSON round-trip (the orchestrator stores it as JSON).
    const stored = JSON.parse(JSON.stringify(plan));
    // No variables at apply time: they can only come from the saved plan.
    const applyCtx = makeContext({ bundle, workDir: await bed.workDir() });
    const result = await bed.executor.apply(applyCtx, stored);
    expect(result.outcome).toBe('succeeded');
    expect(result.state?.outputs.app_name).toBe('app-fresh');
    expect(applyCtx.events.some((e) => e.type === 'log' && e.message === 'Preparing a fresh work dir for the saved plan')).toBe(true);
    await bed.executor.cleanup(applyCtx);
  });

  it('refuses to apply a saved plan whose state moved underneath it (Terraform: stale plan)', async () => {
    const bundle = await loadFixture('basic');
    const vars = { name: 'stale', db_password: PASSWORD };
    const planCtx = makeContext({ bundle, workDir: await bed.workDir(), variables: vars });
    const stalePlan = await bed.executor.plan(planCtx);
    await bed.executor.cleanup(planCtx);
    const moved = await deployOnce(bed, { bundle, variables: vars });
    const ctx = makeContext({ bundle, workDir: await bed.workDir(), priorState: moved.result.state!.raw });
    const result = await bed.executor.apply(ctx, stalePlan);
    expect(result.outcome).toBe('failed');
    expect(result.error).toMatch(/^Terraform apply failed: Saved plan is stale/);
    // the state handed back is the untouched one
    expect(result.state?.resources.map((r) => r.physicalId).sort()).toEqual(moved.result.state!.resources.map((r) => r.physicalId).sort());
    await bed.executor.cleanup(ctx);
  });

  it('rejects a bundle with unsafe file names before anything runs', async () => {
    const evil = { digest: 'sha256:x', files: { '../escape.tf': 'x', 'main.tf': '' } };
    await expect(bed.executor.plan(makeContext({ bundle: evil, workDir: await bed.workDir() }))).rejects.toBeInstanceOf(ValidationError);
    // core's makeBundle refuses this name already; the executor still checks a bundle made elsewhere.
    const posing = { digest: 'sha256:y', files: { 'main.tf': '', 'terraform.tfstate': '{}' } };
    const dir = await bed.workDir();
    await expect(bed.executor.plan(makeContext({ bundle: posing, workDir: dir }))).rejects.toBeInstanceOf(ValidationError);
    expect(await readdir(dir)).toEqual([]);
  });

  it('fails a plan with a typed error carrying Terraform\'s diagnostic', async () => {
    const bundle = makeBundle({ 'main.tf': 'resource "terraform_data" "x" {\n  input = var.missing\n}\n' });
    const err = await bed.executor.plan(makeContext({ bundle, workDir: await bed.workDir() })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecutorError);
    expect((err as Error).message).toMatch(/^Terraform plan failed: Reference to undeclared input variable/);
  });

  it('fails init with a typed error when a provider cannot be installed (no network reached)', async () => {
    // A CLI config whose only installation method is an empty mirror: Terraform answers at once.
    const emptyMirror = join(bed.root, 'empty-mirror');
    await mkdir(emptyMirror, { recursive: true });
    const cliConfigFile = await writeCliConfig(await mkdtemp(join(bed.root, 'cfg-')), emptyMirror);
    const executor = new TerraformExecutor({ cliConfigFile, pluginCacheDir: join(bed.root, 'cache') });
    const bundle = makeBundle({ 'main.tf': 'terraform {\n  required_providers {\n    google = { source = "hashicorp/google" }\n  }\n}\n' });
    const err = await executor.plan(makeContext({ bundle, workDir: await bed.workDir() })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecutorError);
    expect((err as Error).message).toMatch(/^Terraform init failed: .*hashicorp\/google/);
  });

  it('keeps the work dir private and scrubs it on cleanup', async () => {
    const bundle = await loadFixture('basic');
    const ctx = makeContext({ bundle, workDir: await bed.workDir(), variables: { db_password: PASSWORD } });
    await bed.executor.plan(ctx);
    expect((await stat(join(ctx.workDir, 'stack'))).mode & 0o777).toBe(0o700);
    const varFile = join(ctx.workDir, 'orchestrator.tfvars.json');
    expect((await stat(varFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(varFile, 'utf8')).toContain(PASSWORD);
    // hard links outlive the removal and show what was left in the files' blocks
    const planWitness = join(bed.root, 'plan-witness');
    const varWitness = join(bed.root, 'var-witness');
    await link(join(ctx.workDir, 'tfplan'), planWitness);
    await link(varFile, varWitness);
    await bed.executor.cleanup(ctx);
    expect(existsSync(ctx.workDir)).toBe(false);
    for (const w of [planWitness, varWitness]) {
      const bytes = await readFile(w);
      expect(bytes.length).toBeGreaterThan(0);
      expect(bytes.every((b) => b === 0)).toBe(true);
    }

    const keeping = new TerraformExecutor({ workRoot: bed.workRoot, cliConfigFile: bed.cliConfigFile, keepWorkDir: true });
    const kept = makeContext({ bundle, workDir: await bed.workDir(), variables: { db_password: PASSWORD } });
    await keeping.plan(kept);
    await keeping.cleanup(kept);
    expect(existsSync(join(kept.workDir, 'tfplan'))).toBe(true);
  });

  it('recoverState reads what Terraform left in the work dir', async () => {
    const bundle = await loadFixture('basic');
    const ctx = makeContext({ bundle, workDir: await bed.workDir(), variables: { db_password: PASSWORD } });
    const plan = await bed.executor.plan(ctx);
    await bed.executor.apply(ctx, plan);
    // a new process: new executor, same deterministic work dir, no plan
    const recovered = await new TerraformExecutor({ cliConfigFile: bed.cliConfigFile }).recoverState(makeContext({ bundle, workDir: ctx.workDir }));
    expect(recovered?.resources.map((r) => r.id).sort()).toEqual(['terraform_data.app', 'terraform_data.network']);
    expect(recovered?.outputs.connection_string).toBe(MASK);
    expect(await bed.executor.recoverState(makeContext({ bundle, workDir: join(bed.root, 'nowhere') }))).toBeNull();

    // Terraform writes errored.tfstate when it could not persist the state: that one is the newest.
    const errored = { ...(recovered!.raw as Record<string, unknown>), serial: 99, resources: [] };
    const other = await bed.workDir();
    await mkdir(join(other, 'stack'), { recursive: true });
    await writeFile(join(other, 'stack', 'terraform.tfstate'), JSON.stringify(recovered!.raw));
    await writeFile(join(other, 'stack', 'errored.tfstate'), JSON.stringify(errored));
    const fromErrored = await bed.executor.recoverState(makeContext({ bundle, workDir: other }));
    expect((fromErrored?.raw as { serial: number }).serial).toBe(99);
    expect(fromErrored?.resources).toEqual([]);
    await bed.executor.cleanup(ctx);
  });
});
