/**
 * The sandbox's cost (issue 11): 4 parallel first deployments (plan + apply of a fresh work dir each, one
 * shared plugin cache they all fill or link from, its init lock taken in turn) with terraform inside
 * bubblewrap, beside its floor: the same 4 deployments with bare terraform (`sandbox: 'none'`). When the
 * provider mirror is found, the 4 deployments also init the aws provider into an empty cache (the
 * contended first install the lock serialises). Goal: sandboxed no slower than bare (ratio ≈ 1).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsProviderMirror } from '../test-support/terraform-mirror.js';
import { detectSandbox, makeBundle, stackKeyOf, type ExecutorContext, type StackRef } from '@iac-orchestrator/core';
import { TerraformExecutor } from '@iac-orchestrator/executor-terraform';

const PARALLEL = Number(process.env.BENCH_SANDBOX_PARALLEL ?? 4);
const mirror = awsProviderMirror().mirror;

const code = (i: number) =>
  `${mirror ? 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n' : ''}` +
  Array.from({ length: 5 }, (_, r) => `resource "terraform_data" "r${r}" {\n  input = "deploy ${i} resource ${r}"\n}\n`).join('');

async function round(label: 'none' | 'bwrap', root: string): Promise<number> {
  const dir = join(root, label);
  await mkdir(join(dir, 'work'), { recursive: true });
  const cli = join(dir, 'terraformrc');
  await writeFile(cli, mirror ? `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n` : 'disable_checkpoint = true\n');
  // A fresh (empty) plugin cache: these are first deployments.
  const executor = new TerraformExecutor({ workRoot: join(dir, 'work'), cliConfigFile: cli, pluginCacheDir: join(dir, 'cache'), sandbox: label });
  await executor.check();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: PARALLEL }, async (_, i) => {
      const stack: StackRef = { blueprintId: `bench-${i}`, environment: 'dev', targetCloud: 'aws', format: 'terraform' };
      const workDir = join(dir, 'work', `d${i}`);
      await mkdir(workDir, { recursive: true, mode: 0o700 });
      const ctx: ExecutorContext = {
        deploymentId: `d${i}`, stack, stackKey: stackKeyOf(stack), operation: 'apply', workDir, bundle: makeBundle({ 'main.tf': code(i) }),
        priorState: null, variables: {}, env: {}, parallelism: 10, options: {}, signal: new AbortController().signal, emit: () => undefined, secret: () => undefined,
      };
      const plan = await executor.plan(ctx);
      const result = await executor.apply(ctx, plan);
      if (result.outcome !== 'succeeded') throw new Error(`bench deployment ${i} (${label}): ${result.error}`);
      await executor.cleanup(ctx);
    }),
  );
  return performance.now() - t0;
}

const found = await detectSandbox();
if (!found.available) {
  console.log(JSON.stringify({ bench: 'sandbox/parallel-first-deploys', skipped: found.reason }));
} else {
  const root = await mkdtemp(join(tmpdir(), 'bench-sandbox-'));
  try {
    const bare = await round('none', root);
    const sandboxed = await round('bwrap', root);
    console.log(JSON.stringify({
      bench: 'sandbox/parallel-first-deploys', deployments: PARALLEL, awsProviderInit: Boolean(mirror),
      bwrapMs: Math.round(sandboxed), floorBareTerraformMs: Math.round(bare), ratioToFloor: +(sandboxed / bare).toFixed(2), goalRatio: 1,
    }));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
