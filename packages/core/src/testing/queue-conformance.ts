import { cancelConformance } from './queue-conformance-cancel.js';
import { durabilityConformance } from './queue-conformance-durability.js';
import type { JobQueueFactory, QueueConformanceIt } from './queue-conformance-fixtures.js';
import { orderConformance } from './queue-conformance-order.js';
import { payloadConformance } from './queue-conformance-payload.js';

export type {
  DeadRunnerHook,
  JobQueueCapabilities,
  JobQueueFactory,
  QueueBackendUnderTest,
  QueueConformanceIt,
} from './queue-conformance-fixtures.js';

/**
 * The shared `JobQueue` conformance suite: every queue engine must pass it.
 *
 * Registers one test per behaviour through `it` (vitest's, node:test's or any `(name, fn)` runner);
 * assertions use `node:assert/strict`. `factory` is called once per test and returns a fresh backend:
 * `open()` gives a new queue instance on it (several per test: another process's view), `capabilities`
 * says whether jobs survive a restart (`durable`) and whether instances share them (`shared`), and
 * `deadRunner` (when the engine can lose a runner without losing the queue) kills a runner mid-job.
 * Checks that do not apply to an engine print why and assert that the engine indeed behaves as declared.
 *
 * Covered: every job runs once, in enqueue order per group, one per group at a time; concurrency across
 * groups and its limit; a job waiting for its group holds no slot; delayed jobs (not early, join their group
 * when due); dedupe by id; position; a rejecting handler is not retried; cancel of waiting, delayed and
 * running jobs (running ones from another instance, pushed at once); close with a grace period; health;
 * restart of the queue's process with jobs waiting; several instances sharing a backend; a runner killed
 * mid-job reported once through `onStalled` and never re-run unless the callback answers `'retry'`; a
 * job's JSON payload handed to the runner as enqueued.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest';
 * import { jobQueueConformance } from '@iac-orchestrator/core/testing';
 * describe('MyQueue', () => jobQueueConformance(it, async () => ({
 *   open: async () => new MyQueue(...), capabilities: { durable: true, shared: true },
 * })));
 * ```
 */
export function jobQueueConformance(it: QueueConformanceIt, factory: JobQueueFactory): void {
  orderConformance(it, factory);
  cancelConformance(it, factory);
  durabilityConformance(it, factory);
  payloadConformance(it, factory);
}
