/**
 * A deployment against the bare Terraform CLI (issue 15): 20 S3 buckets on the real hashicorp/aws
 * provider (from the local filesystem mirror) against moto_server, three ways, in turn each round:
 *
 * - spec:  the spec's CLI workflow: `init`, `plan`, `apply -auto-approve`, `show -json`, `output -json`;
 * - min:   the bare minimum: `init`, `plan -out`, `apply <plan>`;
 * - one:   `init`, `apply -auto-approve` (plan and apply in one process; printed against min);
 * - orch:  `POST /api/deployments` with autoApprove to the real `iac-orchestrator serve` (built dist),
 *          timed until the deployment's live stream (`GET /api/deployments/:id/logs`, text/event-stream)
 *          says it ended: once as it runs by default (one `terraform apply -auto-approve` process,
 *          `orchOne`), once with `TERRAFORM_PLAN_AND_APPLY=false` (`plan -out` + `apply` of the saved
 *          plan, `orchTwo`), each on a service of its own.
 *
 * Same CLI config and shared plugin cache for all three; a fresh dir and fresh bucket names per run.
 * Prints the medians of the counted rounds and the ratios orch/spec and orch/min beside their goals
 * (≤ 0.60 and ≤ 0.95), the service's own CPU share, and an unchanged redeploy against `terraform plan`.
 * BENCH_TF_ROUNDS (default 3) counted rounds after BENCH_TF_WARMUP (default 1) warm-up rounds. Skips with a printed reason when
 * terraform, moto_server or the provider mirror is missing.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { startMoto, type Moto } from '../test-support/moto.js';
import { findCommand } from '../test-support/prerequisites.js';
import { awsProviderMirror } from '../test-support/terraform-mirror.js';
import { TERRAFORM_DEFAULTS } from '@iac-orchestrator/executor-terraform';

/** The GOGC the service gives terraform (TERRAFORM_GOGC, else the executor's default). */
const TERRAFORM_GC = process.env.TERRAFORM_GOGC || TERRAFORM_DEFAULTS.goGc;

const root = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.env.BENCH_TF_ROUNDS ?? 3);
const WARMUP = Number(process.env.BENCH_TF_WARMUP ?? 1);
const BUCKETS = 20;
/** BENCH_TF_PARTS: `deploy` (the side-by-side of whole deployments), `redeploy` (unchanged stack vs plan alone); default both. */
const PARTS = new Set((process.env.BENCH_TF_PARTS ?? 'deploy,redeploy').split(',').map((p) => p.trim()));
const report = (fields: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'terraform/20-buckets', ...fields }));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const secs = (ms: number) => +(ms / 1000).toFixed(2);

const provider = awsProviderMirror();
const mirror = provider.mirror;
const missing = !findCommand('terraform') ? 'terraform' : !findCommand('moto_server') ? 'moto_server' : !mirror ? `the hashicorp/aws provider (${provider.reason})` : null;

const MAIN_TF = `terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}
provider "aws" {
  region                      = "us-east-1"
  s3_use_path_style           = true
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}
variable "prefix" { type = string }
resource "aws_s3_bucket" "b" {
  count  = ${BUCKETS}
  bucket = "\${var.prefix}-\${count.index}"
  tags   = { index = tostring(count.index) }
}
output "bucket_arns" { value = aws_s3_bucket.b[*].arn }
`;

interface Bed {
  dir: string;
  moto: Moto;
  env: Record<string, string>;
  n: number;
}

/** Runs terraform commands one after another in a fresh dir; milliseconds for all of them. */
async function cli(bed: Bed, commands: string[][]): Promise<number> {
  const dir = join(bed.dir, `cli-${bed.n++}`);
  await mkdir(dir);
  await writeFile(join(dir, 'main.tf'), MAIN_TF);
  await writeFile(join(dir, 'terraform.tfvars.json'), JSON.stringify({ prefix: `b${bed.n}-${Date.now().toString(36)}` }));
  const t0 = performance.now();
  for (const args of commands) {
    const r = await execa('terraform', args, { cwd: dir, env: bed.env, extendEnv: false, reject: false });
    if (r.exitCode !== 0) throw new Error(`terraform ${args.join(' ')} failed: ${r.stderr.slice(-2000)}`);
  }
  const ms = performance.now() - t0;
  await rm(dir, { recursive: true, force: true });
  return ms;
}

/** A stack the minimum workflow has applied, and `terraform plan` alone on it (so: no changes), timed. */
async function appliedStack(bed: Bed, prefix: string): Promise<(extraEnv?: Record<string, string>) => Promise<number>> {
  const dir = join(bed.dir, `plan-alone-${prefix}`);
  await mkdir(dir);
  await writeFile(join(dir, 'main.tf'), MAIN_TF);
  await writeFile(join(dir, 'terraform.tfvars.json'), JSON.stringify({ prefix }));
  for (const args of MIN) await execa('terraform', args, { cwd: dir, env: bed.env, extendEnv: false });
  return async (extraEnv = {}) => {
    const t0 = performance.now();
    await execa('terraform', ['plan', '-input=false', '-no-color'], { cwd: dir, env: { ...bed.env, ...extraEnv }, extendEnv: false });
    return performance.now() - t0;
  };
}

const SPEC = [['init', '-input=false', '-no-color'], ['plan', '-input=false', '-no-color'], ['apply', '-auto-approve', '-input=false', '-no-color'], ['show', '-json', '-no-color'], ['output', '-json', '-no-color']];
/** Plan and apply in one process, as an auto-approved run could (issue 15: measured against MIN). */
const ONE = [['init', '-input=false', '-no-color'], ['apply', '-auto-approve', '-input=false', '-no-color']];
const MIN = [['init', '-input=false', '-no-color'], ['plan', '-input=false', '-no-color', '-out=tfplan'], ['apply', '-input=false', '-no-color', 'tfplan']];

/** The service's own CPU seconds so far (utime + stime of its process, children excluded). */
async function ownCpuMs(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /, '').split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks at USER_HZ = 100
}

async function startService(bed: Bed, name: string, extra: Record<string, string> = {}): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const child = execa('node', ['packages/http-adapter/dist/cli.js', 'serve'], {
    cwd: root,
    env: { ...bed.env, PORT: '0', LOG_LEVEL: 'info', ORCHESTRATOR_DATA_DIR: join(bed.dir, `data-${name}`), TERRAFORM_WORK_DIR: join(bed.dir, `orch-work-${name}`), ...extra },
    extendEnv: false,
    reject: false,
    buffer: false,
    stdout: 'pipe',
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stderr?.on('data', (c: Buffer) => void (out += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) resolve(m[1]!);
    });
    void child.then((r) => reject(new Error(`serve exited (${r.exitCode}): ${out}`)));
  });
  return { url, pid: child.pid!, stop: async () => void (child.kill('SIGTERM'), await child) };
}

/**
 * One deployment through the REST API with autoApprove: milliseconds from POST to completed, followed
 * on its live stream (one request, as a client following a deployment does; polling GET every 50 ms
 * cost the service as much CPU as the deployment itself).
 */
async function deploy(url: string, prefix: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${url}/api/deployments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ blueprintId: `bench-${prefix}`, environment: 'dev', targetCloud: 'aws', format: 'terraform', options: { autoApprove: true, variables: { prefix } }, files: { 'main.tf': MAIN_TF } }),
  });
  const { deploymentId } = (await res.json()) as { deploymentId: string };
  if (!deploymentId) throw new Error(`POST /api/deployments answered ${res.status}`);
  const live = await fetch(`${url}/api/deployments/${deploymentId}/logs`, { headers: { accept: 'text/event-stream' } });
  const reader = live.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (value) text += decoder.decode(value, { stream: true });
    const end = /event: end\ndata: (.*)\n/.exec(text);
    if (end) {
      const ms = performance.now() - t0;
      await reader.cancel();
      const { status, error } = JSON.parse(end[1]!) as { status: string; error?: unknown };
      if (status !== 'completed') throw new Error(`deployment ${status}: ${JSON.stringify(error)}`);
      return ms;
    }
    if (done) throw new Error(`the live stream of ${deploymentId} ended without an end event`);
    if (text.length > 1_000_000) text = text.slice(-100_000);
  }
}

if (missing) {
  console.log(JSON.stringify({ bench: 'terraform/20-buckets', skipped: `${missing} is not available here` }));
} else {
  await execa('node', ['scripts/prepare.mjs', 'start'], { cwd: root, stdio: 'inherit' });
  const dir = await mkdtemp(join(tmpdir(), 'bench-tf-'));
  const moto = await startMoto();
  try {
    await writeFile(join(dir, 'terraformrc'), `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n`);
    await mkdir(join(dir, 'plugin-cache'));
    const env = { PATH: process.env.PATH ?? '', HOME: dir, TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: join(dir, 'terraformrc'), TF_PLUGIN_CACHE_DIR: join(dir, 'plugin-cache'), ...moto.env };
    const bed: Bed = { dir, moto, env, n: 0 };
    const one = await startService(bed, 'one');
    const two = await startService(bed, 'two', { TERRAFORM_PLAN_AND_APPLY: 'false' });
    const times: Record<'spec' | 'min' | 'one' | 'orchOne' | 'orchTwo', number[]> = { spec: [], min: [], one: [], orchOne: [], orchTwo: [] };
    const cpu = { orchOne: 0, orchTwo: 0 };
    /** One deployment on a service: its wall milliseconds, and the service's own CPU added to `cpu`. */
    const timed = async (svc: typeof one, key: keyof typeof cpu, prefix: string, counted: boolean) => {
      const cpu0 = await ownCpuMs(svc.pid);
      const ms = await deploy(svc.url, prefix);
      if (counted) cpu[key] += (await ownCpuMs(svc.pid)) - cpu0;
      return ms;
    };
    for (let round = 1 - WARMUP; PARTS.has('deploy') && round <= ROUNDS; round++) {
      const counted = round >= 1;
      const r = {
        spec: await cli(bed, SPEC),
        min: await cli(bed, MIN),
        one: await cli(bed, ONE),
        orchTwo: await timed(two, 'orchTwo', `t${round}-${Date.now().toString(36)}`, counted),
        orchOne: await timed(one, 'orchOne', `o${round}-${Date.now().toString(36)}`, counted),
      };
      report({ round: counted ? round : 'warm-up', seconds: Object.fromEntries(Object.entries(r).map(([k, v]) => [k, secs(v)])) });
      if (counted) for (const [k, v] of Object.entries(r)) times[k as keyof typeof times].push(v);
    }
    // An unchanged stack deployed again (no changes) on each service, against `terraform plan` alone on
    // an applied stack: at Go's default GC (the bare CLI as a user runs it), and at the GOGC the service
    // gives terraform (so the figure shows what is the orchestrator's and what is the GC setting's).
    // In turn each round, medians of the rounds.
    const again: Record<'orchOne' | 'orchTwo' | 'planAlone' | 'planAloneSameGc', number[]> = { orchOne: [], orchTwo: [], planAlone: [], planAloneSameGc: [] };
    if (PARTS.has('redeploy')) {
      const stamp = Date.now().toString(36);
      for (const [key, svc] of [['orchOne', one], ['orchTwo', two]] as const) await deploy(svc.url, `same-${key.toLowerCase()}-${stamp}`);
      const plan = await appliedStack(bed, `same-cli-${stamp}`);
      for (let round = 1 - WARMUP; round <= ROUNDS; round++) {
        const r = {
          orchOne: await deploy(one.url, `same-orchone-${stamp}`),
          planAlone: await plan(),
          orchTwo: await deploy(two.url, `same-orchtwo-${stamp}`),
          planAloneSameGc: await plan({ GOGC: String(TERRAFORM_GC) }),
        };
        report({ redeployRound: round >= 1 ? round : 'warm-up', seconds: Object.fromEntries(Object.entries(r).map(([k, v]) => [k, secs(v)])) });
        if (round >= 1) for (const [k, v] of Object.entries(r)) again[k as keyof typeof again].push(v);
      }
    }
    await one.stop();
    await two.stop();

    if (PARTS.has('deploy')) {
      const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])) as Record<keyof typeof times, number>;
      report({ rounds: ROUNDS, medianSeconds: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, secs(v)])) });
      report({ ratio: 'one-process apply / min (CLI only)', value: +(m.one / m.min).toFixed(2) });
      for (const key of ['orchOne', 'orchTwo'] as const) {
        const path = key === 'orchOne' ? 'one process' : 'saved plan, two processes';
        report({ path, ratio: 'orch/spec', value: +(m[key] / m.spec).toFixed(2), goal: 0.6 });
        report({ path, ratio: 'orch/min', value: +(m[key] / m.min).toFixed(2), goal: 0.95 });
        report({ path, ratio: 'service own CPU / deployment wall', value: +(cpu[key] / times[key].reduce((a, b) => a + b, 0)).toFixed(3), goal: 0.05 });
      }
    }
    if (PARTS.has('redeploy')) {
      const m = Object.fromEntries(Object.entries(again).map(([k, v]) => [k, median(v)])) as Record<keyof typeof again, number>;
      report({ redeployRounds: ROUNDS, medianSeconds: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, secs(v)])) });
      for (const key of ['orchOne', 'orchTwo'] as const) {
        const path = key === 'orchOne' ? 'one process' : 'saved plan, two processes';
        report({ path, ratio: 'unchanged redeploy / terraform plan alone', value: +(m[key] / m.planAlone).toFixed(2), goal: 0.9 });
        report({ path, ratio: `unchanged redeploy / terraform plan alone at GOGC=${TERRAFORM_GC}`, value: +(m[key] / m.planAloneSameGc).toFixed(2) });
      }
    }
  } finally {
    await moto.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
