/**
 * @iac-orchestrator/state-store-redis: a `StateStore` on Redis for running the orchestrator as several
 * replicas that share deployments, logs, locks and state.
 * @packageDocumentation
 */
export { RedisStateStore } from './store.js';
export type { RedisStateStoreOptions } from './options.js';
