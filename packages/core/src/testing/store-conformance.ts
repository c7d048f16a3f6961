import { lockConformance } from './store-conformance-locks.js';
import { recordConformance } from './store-conformance-records.js';
import { replaceConformance } from './store-conformance-replace.js';
import { stateVersionConformance } from './store-conformance-state.js';
import type { ConformanceIt, StoreFactory } from './store-conformance-fixtures.js';

export type { ConformanceIt, StoreFactory, StoreUnderTest } from './store-conformance-fixtures.js';

/**
 * The shared `StateStore` conformance suite: every store (ours and third-party ones) must pass it.
 *
 * Registers one test per behaviour through `it` (vitest's, node:test's or any `(name, fn)` runner);
 * assertions use `node:assert/strict`, so core carries no test-framework dependency. `factory` is
 * called once per test and must return a fresh store; the suite calls `init()` and `close()` itself,
 * then `cleanup()`. Records use unique ids, so stores that share a backend between tests also pass.
 *
 * Covered: deployments (put/get/overwrite, deep-copy isolation, every list filter, newest-first order,
 * cursor paging stable under inserts, bad input), `replaceDeployment` when the store has it (compare-and-set
 * on `revision`: stale and missing records refused, one winner among 10 concurrent writers, status
 * listings follow the new record; a store without the optional method passes these as no-ops), logs (append, cursor, limit), bundles, plans, audit;
 * state versions (numbering, compare-and-set with one winner among 10 concurrent writers, fencing by
 * lock and token, retention trimming at 15 writes with retention 10, history order and limit); locks
 * (exclusivity, one winner among concurrent acquirers, holder in `StateLockedError`, expiry and
 * takeover, renewal, wrong lockId, force release, strictly increasing fencing tokens).
 *
 * A few tests wait for short leases (150 ms to 1.5 s) to expire; the suite takes a few seconds.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest';
 * import { stateStoreConformance } from '@iac-orchestrator/core/testing';
 * describe('MyStore', () => stateStoreConformance(it, async () => ({ store: new MyStore() })));
 * ```
 */
export function stateStoreConformance(it: ConformanceIt, factory: StoreFactory): void {
  recordConformance(it, factory);
  replaceConformance(it, factory);
  stateVersionConformance(it, factory);
  lockConformance(it, factory);
}
