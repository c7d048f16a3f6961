import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasMoto, startMoto, type Moto } from '../../../test-support/moto.js';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { eventText, findProviderMirror, hasTerraform, providerMirrorReason, loadFixture, makeContext, testBed } from './helpers.js';

const mirror = findProviderMirror();
const ok =
  prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH') &&
  prerequisite('moto_server', hasMoto(), 'moto_server is not on PATH') &&
  prerequisite('hashicorp/aws provider mirror', mirror !== null, providerMirrorReason());

/** Bucket names in moto, over its real S3 REST API (ListBuckets). */
async function listBuckets(moto: Moto): Promise<string[]> {
  const xml = await (await fetch(`${moto.endpoint}/`)).text();
  return [...xml.matchAll(/<Name>([^<]+)<\/Name>/g)].map((m) => m[1]!).sort();
}

// Each terraform command that loads the aws provider spends seconds on its schema (more on a busy
// machine), so this file runs one create and one drift check; destroy is covered with terraform_data.
describe.skipIf(!ok)('AWS: the real hashicorp/aws provider against moto_server', () => {
  let moto: Moto;
  let bed: Awaited<ReturnType<typeof testBed>>;
  beforeAll(async () => {
    moto = await startMoto();
    bed = await testBed({ mirror });
  });
  afterAll(async () => {
    await moto?.stop();
    await bed?.dispose();
  });

  it('creates S3 buckets from a saved plan and reports them drifting when one is deleted outside Terraform', { timeout: 240_000 }, async () => {
    const bundle = await loadFixture('aws-s3');
    const prefix = `orch-${Date.now().toString(36)}`;
    // ctx.env as the orchestrator builds it for aws: this cloud's credentials only (+ an Azure one that must be dropped)
    const env = { ...moto.env, AZURE_CLIENT_SECRET: 'azure-secret-not-for-aws' };
    const variables = { prefix };

    // Plan in one work dir, apply in a fresh one (as after an approval on another replica): the artifact's
    // lock file makes `init -lockfile=readonly` install exactly the planned provider.
    const planCtx = makeContext({ bundle, workDir: await bed.workDir(), variables, env });
    const plan = await bed.executor.plan(planCtx);
    // the provider (hundreds of MB) is linked into the stack's data dir (under the work root's .warm/) from
    // the shared cache, never copied
    const warm = join(bed.workRoot, '.warm', (await readdir(join(bed.workRoot, '.warm')))[0]!);
    const build = (JSON.parse(await readFile(join(warm, 'current.json'), 'utf8')) as { build: string }).build;
    const providerDir = join(warm, build, 'data', 'providers', 'registry.terraform.io', 'hashicorp', 'aws');
    const [version] = await readdir(providerDir);
    expect((await lstat(join(providerDir, version!, 'linux_amd64'))).isSymbolicLink()).toBe(true);
    await bed.executor.cleanup(planCtx);
    expect(plan.summary).toMatchObject({ add: 2, change: 0, destroy: 0 });
    expect((plan.artifact as { lockFile: string }).lockFile).toContain('registry.terraform.io/hashicorp/aws');
    const applyCtx = makeContext({ bundle, workDir: await bed.workDir(), env });
    const created = { ctx: applyCtx, result: await bed.executor.apply(applyCtx, JSON.parse(JSON.stringify(plan))) };
    await bed.executor.cleanup(applyCtx);
    expect(created.result.outcome).toBe('succeeded');
    expect(await listBuckets(moto)).toEqual([`${prefix}-assets`, `${prefix}-logs`]);
    const logs = created.result.state!.resources.find((r) => r.id === 'aws_s3_bucket.logs')!;
    expect(logs).toMatchObject({ type: 'aws_s3_bucket', provider: 'aws', name: `${prefix}-logs`, status: 'created', physicalId: `arn:aws:s3:::${prefix}-logs` });
    expect(logs.attributes.tags).toEqual({ purpose: 'logs' });
    expect(created.result.state!.outputs.bucket_arns).toEqual([`arn:aws:s3:::${prefix}-logs`, `arn:aws:s3:::${prefix}-assets`]);
    expect(eventText(created.ctx.events)).not.toContain(moto.env.AWS_SECRET_ACCESS_KEY);
    // the fresh work dir ran no init: the artifact's lock file is the one the stack's data dir was built with
    expect(applyCtx.events.some((e) => e.type === 'log' && /^Reusing the initialised Terraform working directory/.test(e.message))).toBe(true);

    // Someone deletes a bucket behind Terraform's back: a refresh-only plan reports it.
    expect((await fetch(`${moto.endpoint}/${prefix}-assets`, { method: 'DELETE' })).status).toBe(204);
    const driftCtx = makeContext({ bundle, workDir: await bed.workDir(), variables, env, priorState: created.result.state!.raw, operation: 'drift' });
    const drift = await bed.executor.detectDrift(driftCtx);
    await bed.executor.cleanup(driftCtx);
    expect(drift.drifted).toBe(true);
    expect(drift.resources).toEqual([{ id: 'aws_s3_bucket.assets', type: 'aws_s3_bucket', change: 'deleted' }]);
  });
});
