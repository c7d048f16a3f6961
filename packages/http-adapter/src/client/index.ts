/**
 * The typed client of the orchestrator's REST API and the pure helpers its users share (live progress
 * from the log stream, plan diffs). Browser-safe: no Node modules.
 * @packageDocumentation
 */
export { OrchestratorClient, ApiError, type ApiClientOptions } from './api-client.js';
export { readEventStream, type LiveEvent } from './event-stream.js';
export { RunProgress, resourceStatusOf, formatElapsed, type ResourceProgress } from './run-progress.js';
export { planDiff, planTotals, displayOutputs, MASKED, type PlanDiff, type PlanDiffLine, type DiffSign, type AttributeChange } from './plan-diff.js';
export type * from '../api-contract.js';
