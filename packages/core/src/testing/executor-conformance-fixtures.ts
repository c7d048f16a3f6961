import type { StackRef } from '@iac-orchestrator/core';
import type { Executor } from '@iac-orchestrator/core';

/** One bundle the suite deploys: IaC files keyed by relative path, plus what the deployment would pass. */
export interface ConformanceBundle {
  files: Record<string, string>;
  variables?: Record<string, unknown>;
  /** Format-specific options (`ctx.options`). */
  options?: Record<string, unknown>;
}

/** The `create` bundle: a few resources, one plain output and one sensitive output. */
export interface CreateFixture extends ConformanceBundle {
  /** A non-sensitive output the apply must return; `value` is compared when given. Omit (and say why in
   * `unsupported.output`) where the platform returns no outputs. */
  output?: { name: string; value?: unknown };
  /** A sensitive output: masked with core's `MASK` in the returned outputs and registered via `secret()`.
   * Omit (and say why in `unsupported.sensitiveOutput`) where the format has no sensitive outputs. */
  sensitiveOutput?: { name: string; value: string };
}

/** The `slow` bundle: an apply long enough to be cancelled mid-way. */
export interface SlowFixture extends ConformanceBundle {
  /** The suite cancels at the first `created` resource event, or after this many ms of apply (default 5000). */
  cancelAfterMs?: number;
}

/** What the factory gives: the executor, its cloud's env, the stack, the fixture bundles, a teardown. */
export interface ExecutorUnderTest {
  executor: Executor;
  /** `ctx.env`: the target cloud's credentials only (e.g. moto's AWS_* for CloudFormation). */
  env: Record<string, string>;
  /** The stack the lifecycle runs on; the failing and slow scenarios use its environment plus a suffix. */
  stack: StackRef;
  /** Some resources, one plain output, one sensitive output. */
  create: CreateFixture;
  /** `create` with one resource changed (an update, not a create). */
  update: ConformanceBundle;
  /** Creates at least one resource, then fails at apply time. */
  failing?: ConformanceBundle;
  /** An apply slow enough to be cancelled. */
  slow?: SlowFixture;
  /**
   * Why a fixture or a platform behaviour is missing; printed when the suite skips the checks that need it.
   * `inProgressEvents`: the endpoint reports no per-resource progress, so `created` may come without a
   * `creating` before it. `partialState`: the endpoint cannot list a stack's resources after a failed
   * apply, so the returned state cannot hold them.
   */
  unsupported?: Partial<Record<'output' | 'sensitiveOutput' | 'failing' | 'slow' | 'inProgressEvents' | 'partialState', string>>;
  /** Releases whatever the factory started (called once per factory call). */
  cleanup?: () => Promise<void>;
}

/**
 * Which part of the suite asks: `lifecycle` (create → no-op → update → destroy on one stack), `failing`,
 * `slow`, or `basics` (check, cleanup, recoverState). Most factories ignore it; one backed by a scripted
 * stand-in uses it to script the responses that scenario needs.
 */
export type ConformanceScenario = 'basics' | 'lifecycle' | 'failing' | 'slow';

/** Called once per scenario (the lifecycle's steps share one call); `cleanup` runs after it. */
export type ExecutorFactory = (scenario: ConformanceScenario) => Promise<ExecutorUnderTest>;

/** The part of a runner's per-test context the suite uses: vitest's and node:test's both have `skip`. */
export interface ConformanceTestContext {
  skip?: (note?: string) => void;
}

/** Registers one test, in the shape of vitest's or node:test's `it`. */
export type ExecutorConformanceIt = (name: string, fn: (context: ConformanceTestContext) => Promise<void>) => void;

/** Marks the running test skipped with a printed reason (vitest's `skip` throws to stop the test). */
export function skipTest(t: ConformanceTestContext | undefined, reason: string): void {
  console.warn(`[skipped] ${reason}`);
  if (t && typeof t.skip === 'function') t.skip(reason);
}
