/**
 * @iac-orchestrator/core: the Orchestrator, domain types and schemas, the Executor / StateStore /
 * CodeSource contracts, the embedded file store and the in-memory store, typed errors and redaction.
 * @module @iac-orchestrator/core
 */
export * from './types/domain.js';
export type * from './types/executor.js';
export type * from './types/state-store.js';
export type * from './types/code-source.js';
export * from './types/deploy-source.js';
export * from './git/index.js';
export { checkCodeFields } from './orchestrator/code-fields.js';
export type * from './types/job-queue.js';
export type * from './types/sandbox.js';
export * from './sandbox/index.js';
export * from './errors.js';
export * from './redaction.js';
export * from './stack.js';
export * from './variable-limits.js';
export { assertNotReserved } from './reserved-files.js';
export * from './orchestrator/inputs.js';
export * from './orchestrator/groups/inputs.js';
export { DeploymentGroupSchema, GroupStatusSchema, GroupTargetViewSchema, groupStatusOf, type DeploymentGroup, type GroupStatus, type GroupTargetView } from './orchestrator/groups/view.js';
export { groupMemberId } from './orchestrator/groups/members.js';
export type * from './orchestrator/types.js';
export { Orchestrator } from './orchestrator/orchestrator.js';
export type { DeploymentEvent, WatchOptions, WaitForOptions, WatchSource } from './orchestrator/watch.js';
export { InlineCodeSource, DirectoryCodeSource } from './code-sources.js';
export { InProcessJobQueue } from './queue/in-process-queue.js';
export { MemoryStateStore } from './stores/memory-store.js';
export { FileStateStore, type FileStateStoreOptions } from './stores/file-store.js';
export { Encryption, EncryptionError, type SealedEnvelope } from './encryption.js';
export * as storeKit from './store-kit.js';
export * from './notifications/index.js';
export { canonicalJson } from './canonical-json.js';
