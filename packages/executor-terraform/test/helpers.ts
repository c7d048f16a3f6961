import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  makeBundle,
  stackKeyOf,
  type ApplyResult,
  type Bundle,
  type Deployment,
  type DeploymentStatus,
  type ExecutorContext,
  type ExecutorEvent,
  type Operation,
  type Orchestrator,
  type PlanResult,
  type StackRef,
} from '@iac-orchestrator/core';
import { findCommand } from '../../../test-support/prerequisites.js';
import { awsProviderMirror } from '../../../test-support/terraform-mirror.js';
import { TerraformExecutor, type TerraformExecutorOptions } from '../src/index.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const hasTerraform = (): boolean => findCommand('terraform') !== null;

/**
 * One provider plugin cache for every test run on this machine: the first AWS test copies the provider
 * out of the mirror once, later runs only link it. Deliberately kept between runs (it is a cache).
 */
export const SHARED_PLUGIN_CACHE = join(tmpdir(), 'iac-orchestrator-test-tf-plugin-cache');

/** The folder holding `registry.terraform.io/hashicorp/aws` with a usable provider in it (see
 * test-support/terraform-mirror.ts), else null; {@link providerMirrorReason} says why. */
export function findProviderMirror(): string | null {
  return awsProviderMirror().mirror;
}

/** Why there is no usable provider mirror (for a prerequisite's message). */
export const providerMirrorReason = (): string => awsProviderMirror().reason;

/** A CLI config that installs providers only from the local mirror (this machine has no internet). */
export async function writeCliConfig(dir: string, mirror: string | null): Promise<string> {
  const path = join(dir, 'terraformrc');
  const body = mirror
    ? `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n`
    : 'disable_checkpoint = true\n';
  await writeFile(path, body);
  return path;
}

/** A temp root with a work root and a CLI config, plus an executor over them; `dispose` removes it all. */
export async function testBed(opts: Partial<TerraformExecutorOptions> & { mirror?: string | null } = {}) {
  const root = await mkdtemp(join(tmpdir(), 'tf-exec-test-'));
  const workRoot = join(root, 'work');
  await mkdir(workRoot, { recursive: true, mode: 0o700 });
  const cliConfigFile = await writeCliConfig(root, opts.mirror ?? null);
  const executor = new TerraformExecutor({ workRoot, cliConfigFile, pluginCacheDir: SHARED_PLUGIN_CACHE, cancelGraceMs: 10_000, ...opts });
  await mkdir(SHARED_PLUGIN_CACHE, { recursive: true });
  let n = 0;
  return {
    root,
    workRoot,
    cliConfigFile,
    executor,
    /** A fresh, never-used work dir (like the orchestrator's `<workRoot>/<deploymentId>`). */
    async workDir(): Promise<string> {
      const dir = join(workRoot, `deployment-${++n}`);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      return dir;
    },
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}

/** Reads a fixture dir into a bundle, optionally replacing placeholders in its files. */
export async function loadFixture(name: string, replace: Record<string, string> = {}): Promise<Bundle> {
  const dir = join(FIXTURES, name);
  const files: Record<string, string> = {};
  for (const f of await readdir(dir)) {
    let content = await readFile(join(dir, f), 'utf8');
    for (const [k, v] of Object.entries(replace)) content = content.replaceAll(k, v);
    files[f] = content;
  }
  return makeBundle(files);
}

export interface TestContext extends ExecutorContext {
  events: ExecutorEvent[];
  secrets: string[];
  abort(reason?: unknown): void;
}

/** An ExecutorContext as the orchestrator builds it, recording events and registered secrets. */
export function makeContext(c: {
  bundle: Bundle;
  workDir: string;
  priorState?: unknown;
  operation?: Operation;
  variables?: Record<string, unknown>;
  env?: Record<string, string>;
  parallelism?: number;
  stack?: Partial<StackRef>;
  onEvent?: (e: ExecutorEvent) => void;
}): TestContext {
  const controller = new AbortController();
  const stack: StackRef = { blueprintId: 'bp', environment: 'dev', targetCloud: 'aws', format: 'terraform', ...c.stack };
  const events: ExecutorEvent[] = [];
  const secrets: string[] = [];
  return {
    deploymentId: `dep-${Math.random().toString(36).slice(2, 8)}`,
    stack,
    stackKey: stackKeyOf(stack),
    operation: c.operation ?? 'apply',
    workDir: c.workDir,
    bundle: c.bundle,
    priorState: c.priorState ?? null,
    variables: c.variables ?? {},
    env: c.env ?? {},
    parallelism: c.parallelism ?? 10,
    options: {},
    signal: controller.signal,
    emit(e) {
      events.push(e);
      c.onEvent?.(e);
    },
    secret(v) {
      secrets.push(v);
    },
    events,
    secrets,
    abort: (reason?: unknown) => controller.abort(reason),
  };
}

/** plan → apply → cleanup in one work dir, as one orchestrator deployment does. */
export async function deployOnce(
  bed: Awaited<ReturnType<typeof testBed>>,
  c: Omit<Parameters<typeof makeContext>[0], 'workDir'>,
): Promise<{ ctx: TestContext; plan: PlanResult; result: ApplyResult }> {
  const ctx = makeContext({ ...c, workDir: await bed.workDir() });
  const plan = await bed.executor.plan(ctx);
  const result = await bed.executor.apply(ctx, plan);
  await bed.executor.cleanup(ctx);
  return { ctx, plan, result };
}

/** Every text an event carries, for "this secret never shows up" assertions. */
export const eventText = (events: ExecutorEvent[]): string => JSON.stringify(events);

/** Statuses a deployment ends in. */
export const TERMINAL: DeploymentStatus[] = ['completed', 'failed', 'cancelled', 'planned', 'rolled_back'];

/** Polls until the deployment reaches one of `statuses` (default: any terminal one), else throws after `timeoutMs`. */
export async function waitForStatus(orch: Pick<Orchestrator, 'get'>, id: string, statuses = TERMINAL, timeoutMs = 60_000): Promise<Deployment> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await orch.get(id);
    if (statuses.includes(d.status)) return d;
    if (Date.now() > deadline) throw new Error(`deployment ${id} stuck in ${d.status}, wanted ${statuses.join('|')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
