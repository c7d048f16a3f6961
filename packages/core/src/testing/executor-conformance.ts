import { lifecycleConformance } from './executor-conformance-lifecycle.js';
import { oneRunConformance } from './executor-conformance-one-run.js';
import { optionalConformance } from './executor-conformance-optional.js';
import { stopConformance } from './executor-conformance-stops.js';
import type { ExecutorConformanceIt, ExecutorFactory } from './executor-conformance-fixtures.js';

export type {
  ConformanceBundle,
  ConformanceScenario,
  ConformanceTestContext,
  CreateFixture,
  ExecutorConformanceIt,
  ExecutorFactory,
  ExecutorUnderTest,
  SlowFixture,
} from './executor-conformance-fixtures.js';

/**
 * The shared `Executor` conformance suite: every executor (ours and third-party ones) must pass it.
 *
 * Registers one test per behaviour through `it` (vitest's, node:test's or any `(name, fn)` runner);
 * assertions use `node:assert/strict`, so core carries no test-framework dependency. The suite builds
 * the `ExecutorContext`s itself, as the orchestrator does: a private 0700 work dir per deployment in a
 * temp dir (under `executor.workRoot` when set), an `AbortController`, and records of emitted events and
 * `secret()` values. Plans and raw states go through a JSON round trip before they are used again.
 *
 * Covered (the contract in executor-common terms):
 * - `format` / `name`; `check()` never throws and reports a version;
 * - lifecycle on `stack`: plan of `create` has add > 0, hasChanges and a JSON artifact; its apply, in a
 *   FRESH EMPTY work dir, succeeds with resources, the plain output, the sensitive output masked with
 *   `MASK` and registered via `secret()`, resource events in the spec's statuses (creating → created);
 *   a second plan of `create` from the returned raw state has no changes; `update` plans an update or
 *   replace (no re-create of what exists) and applies; `destroy` plans only deletes and applies them;
 * - `failing`: apply returns (never throws) outcome 'failed', an error and a state holding every resource
 *   it reported created; `recoverState` on that work dir returns null or a snapshot;
 * - `slow`: cancelled via the signal (a `CancelledError`) → outcome 'cancelled' with its state;
 * - `cleanup()` never throws (also for a deployment that never planned); `recoverState()` of an empty work
 *   dir returns null or a snapshot;
 * - `planAndApply()`, when present: `create` reports its plan once, before `applying()` and the first
 *   resource event, succeeds with the outputs masked as after `apply`, and a second run from its state
 *   finds nothing to change; `failing` returns outcome 'failed' with the state of what it created.
 * Checks on optional methods, and on fixtures the factory omits (`failing`, `slow`, `create.output`,
 * `create.sensitiveOutput`), are skipped with a printed reason (`unsupported` says why); so are the
 * creating-before-created order and the non-empty partial state where `unsupported` names an endpoint
 * (an emulator) that cannot give them.
 *
 * The factory is called with the scenario that asks: once for the lifecycle (its steps share one stack,
 * in order) and once per other test; its `cleanup` is called after each. Tests run against the real tool and take as long as it does.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest';
 * import { executorConformance } from '@iac-orchestrator/core/testing';
 * describe('MyExecutor', () =>
 *   executorConformance(it, async () => ({
 *     executor: new MyExecutor(),
 *     env: { AWS_REGION: 'us-east-1' },
 *     stack: { blueprintId: 'conformance', environment: 'dev', targetCloud: 'aws', format: 'terraform' },
 *     create: { files: { 'main.tf': '...' }, output: { name: 'id' }, sensitiveOutput: { name: 'token', value: 's3cret-value' } },
 *     update: { files: { 'main.tf': '...' } },
 *     failing: { files: { 'main.tf': '...' } },
 *     slow: { files: { 'main.tf': '...' } },
 *   })));
 * ```
 */
export function executorConformance(it: ExecutorConformanceIt, factory: ExecutorFactory): void {
  optionalConformance(it, factory);
  lifecycleConformance(it, factory);
  stopConformance(it, factory);
  oneRunConformance(it, factory);
}
