import type { AuditEntry, Bundle, Deployment, DeploymentStatus, Lock, LogEntry, PlanSummary, StateVersion } from './domain.js';

/** Where stores differ. Every store passes the same conformance suite; these say what else holds. */
export interface StateStoreCapabilities {
  /** Locks and compare-and-set hold across processes (file store: one machine; Redis: many). */
  crossProcess: boolean;
  /** Survives a restart of the process. */
  durable: boolean;
  /** Raw state, bundles and plans are encrypted at rest. */
  encryptionAtRest: boolean;
}

export interface ListDeploymentsQuery {
  blueprintId?: string;
  environment?: string;
  status?: DeploymentStatus | DeploymentStatus[];
  stackKey?: string;
  /** 1..100 */
  limit: number;
  /** Opaque, from a previous page's `nextCursor`. */
  cursor?: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface LogPage {
  entries: LogEntry[];
  /** Pass back to read what was appended after these entries. */
  nextCursor: number;
}

export interface AcquireLockRequest {
  stackKey: string;
  operation: string;
  who: string;
  info?: string;
  ttlMs: number;
  deploymentId?: string | null;
}

/** A saved plan, stored so that any process can apply exactly what was approved. */
export interface StoredPlan {
  deploymentId: string;
  /** State version the plan was made from. */
  baseVersion: number;
  summary: PlanSummary;
  artifact: unknown;
  createdAt: string;
}

export interface WriteStateVersionRequest {
  stackKey: string;
  /** The current version number this write builds on (0 for a stack with no state yet). */
  expectedVersion: number;
  /** The writer's lock: it must still be held, by this lockId, with this fencing token. */
  lockId: string;
  token: number;
  /** Versions to keep with raw state (`STATE_BACKUP_RETENTION`); older ones lose `raw` and become metadata. */
  retention: number;
  version: Omit<StateVersion, 'version' | 'retained' | 'createdAt'>;
}

/**
 * Durable storage of deployments, logs, bundles, plans, state versions, locks and audit entries.
 *
 * Required semantics (checked by `stateStoreConformance` from `@iac-orchestrator/core/testing`):
 * - `writeStateVersion` is atomic compare-and-set: exactly one of concurrent writers on the same
 *   `expectedVersion` wins; the others get a `ConflictError`; a writer whose lock is gone or whose
 *   fencing token is stale gets a `LockLostError`.
 * - `acquireLock` is exclusive while the holder's lease runs; an expired lease can be taken over; every
 *   acquire gets a strictly greater `token`; a held lock gives a `StateLockedError` naming the holder.
 * - logs are append-only and read by cursor; nothing written is reordered.
 */
export interface StateStore {
  readonly capabilities: StateStoreCapabilities;
  /** Prepare (create dirs, connect). Idempotent. */
  init?(): Promise<void>;
  close?(): Promise<void>;
  /** Throws when the backing storage cannot be reached. */
  ping?(): Promise<void>;

  putDeployment(deployment: Deployment): Promise<void>;
  getDeployment(id: string): Promise<Deployment | null>;
  /**
   * Compare-and-set of a deployment record, so that processes sharing the store never overwrite each
   * other's changes (a cancel from one replica, the run's own progress in another): writes `deployment`
   * only if the stored record's `revision` (0 when absent from an old record) equals `expectedRevision`,
   * atomically; returns false and writes nothing when it moved or the record does not exist. Callers pass
   * `deployment.revision === expectedRevision + 1`. Optional for stores written before it; without it the
   * orchestrator falls back to read-then-put, which is only safe within one process.
   */
  replaceDeployment?(deployment: Deployment, expectedRevision: number): Promise<boolean>;
  /** Newest first (by `createdAt`, then id). */
  listDeployments(query: ListDeploymentsQuery): Promise<Page<Deployment>>;

  appendLogs(deploymentId: string, entries: LogEntry[]): Promise<void>;
  readLogs(deploymentId: string, options?: { cursor?: number; limit?: number }): Promise<LogPage>;

  putBundle(bundle: Bundle): Promise<void>;
  getBundle(digest: string): Promise<Bundle | null>;

  putPlan(plan: StoredPlan): Promise<void>;
  getPlan(deploymentId: string): Promise<StoredPlan | null>;
  deletePlan(deploymentId: string): Promise<void>;

  /** The given version, or the current (highest) one when `version` is omitted. */
  getStateVersion(stackKey: string, version?: number): Promise<StateVersion | null>;
  /** Newest first; `raw` is left out (null) to keep listings light. */
  listStateVersions(stackKey: string, options: { limit: number }): Promise<StateVersion[]>;
  writeStateVersion(request: WriteStateVersionRequest): Promise<StateVersion>;

  acquireLock(request: AcquireLockRequest): Promise<Lock>;
  /** Extends the lease of a lock still held under `lockId`; `LockLostError` otherwise. */
  renewLock(stackKey: string, lockId: string, ttlMs: number): Promise<Lock>;
  /** Releases only if still held under `lockId`; false when it was not. */
  releaseLock(stackKey: string, lockId: string): Promise<boolean>;
  /** Removes whatever lock is held; returns it. */
  forceReleaseLock(stackKey: string): Promise<Lock | null>;
  /** The live lock, or null (an expired lease counts as none). */
  getLock(stackKey: string): Promise<Lock | null>;

  appendAudit(entry: AuditEntry): Promise<void>;
  /** Newest first. */
  listAudit(query: { stackKey?: string; deploymentId?: string; limit: number }): Promise<AuditEntry[]>;
}
