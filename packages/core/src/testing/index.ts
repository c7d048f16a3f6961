/**
 * Test helpers for store and executor authors: the shared conformance suites and a scripted executor.
 * @module @iac-orchestrator/core/testing
 */
export { stateStoreConformance } from './store-conformance.js';
export type { ConformanceIt, StoreFactory, StoreUnderTest } from './store-conformance.js';
export { ScriptedExecutor, scriptedFiles } from './scripted-executor.js';
export type { ScriptedCode, ScriptedResource } from './scripted-executor.js';
export { executorConformance } from './executor-conformance.js';
export type {
  ConformanceBundle,
  ConformanceScenario,
  ConformanceTestContext,
  CreateFixture,
  ExecutorConformanceIt,
  ExecutorFactory,
  ExecutorUnderTest,
  SlowFixture,
} from './executor-conformance.js';
export { jobQueueConformance } from './queue-conformance.js';
export type {
  DeadRunnerHook,
  JobQueueCapabilities,
  JobQueueFactory,
  QueueBackendUnderTest,
  QueueConformanceIt,
} from './queue-conformance.js';
