import type { OrchestratorApi, OrchestratorEvents } from '@iac-orchestrator/core';

/**
 * What the adapter needs of an orchestrator: its public API and the events it listens to (core's
 * `Orchestrator` class is both; an embedding service may hand any object that is).
 */
export interface EventedOrchestrator extends OrchestratorApi {
  on(event: 'status', fn: OrchestratorEvents['status']): unknown;
  on(event: 'log', fn: OrchestratorEvents['log']): unknown;
  on(event: 'stateVersion', fn: OrchestratorEvents['stateVersion']): unknown;
  on(event: 'lockContention', fn: OrchestratorEvents['lockContention']): unknown;
  on(event: 'notification', fn: OrchestratorEvents['notification']): unknown;
  off(event: 'status', fn: OrchestratorEvents['status']): unknown;
  off(event: 'log', fn: OrchestratorEvents['log']): unknown;
  off(event: 'stateVersion', fn: OrchestratorEvents['stateVersion']): unknown;
  off(event: 'lockContention', fn: OrchestratorEvents['lockContention']): unknown;
  off(event: 'notification', fn: OrchestratorEvents['notification']): unknown;
}
