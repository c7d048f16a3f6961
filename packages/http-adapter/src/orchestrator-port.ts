import type { OrchestratorApi, OrchestratorEvents } from '@iac-orchestrator/core';

/**
 * What the adapter needs of an orchestrator: its public API and its typed events (the `Orchestrator`
 * class of core is both; an embedding service may hand any object that is).
 */
export interface EventedOrchestrator extends OrchestratorApi {
  on<E extends keyof OrchestratorEvents>(event: E, fn: OrchestratorEvents[E]): unknown;
  off<E extends keyof OrchestratorEvents>(event: E, fn: OrchestratorEvents[E]): unknown;
}
