import { ValidationError } from '../errors.js';
import type { AuditEntry, Bundle, Deployment, Lock, LogEntry, StateVersion } from '../types/domain.js';
import type {
  AcquireLockRequest,
  ListDeploymentsQuery,
  LogPage,
  Page,
  StateStore,
  StateStoreCapabilities,
  StoredPlan,
  WriteStateVersionRequest,
} from '../types/state-store.js';
import { pageOf } from './deployment-query.js';
import { checkAudit, checkAuditQuery, checkBundle, checkDeployment, checkLogEntries, checkPlan, matchesAudit } from './record-checks.js';
import {
  assertTransition,
  checkWrite,
  grantLock,
  isLive,
  logWindow,
  newStateVersion,
  renewedLock,
  requireInt,
  requireString,
  retentionFloor,
  trimmed,
  validateAcquire,
  validateWrite,
} from './store-rules.js';

const copy = <T>(value: T): T => structuredClone(value);

/**
 * A `StateStore` held in this process's memory: for tests and single-process embedding where nothing
 * must survive a restart. Every record is deep-copied on the way in and out, so a caller mutating an
 * object it passed or received never changes what is stored.
 *
 * Locks and compare-and-set are atomic within the process (each method runs without awaiting between
 * its check and its write); they mean nothing across processes (`capabilities.crossProcess` is false).
 */
export class MemoryStateStore implements StateStore {
  readonly capabilities: StateStoreCapabilities = { crossProcess: false, durable: false, encryptionAtRest: false };

  private readonly deployments = new Map<string, Deployment>();
  private readonly logs = new Map<string, LogEntry[]>();
  private readonly bundles = new Map<string, Bundle>();
  private readonly plans = new Map<string, StoredPlan>();
  /** Per stack, versions in ascending order; index i holds version i + 1. */
  private readonly versions = new Map<string, StateVersion[]>();
  private readonly locks = new Map<string, Lock>();
  /** Last fencing token handed out per stack; never goes back, also after a release. */
  private readonly tokens = new Map<string, number>();
  private readonly audit: AuditEntry[] = [];

  async init(): Promise<void> {}
  async close(): Promise<void> {}
  async ping(): Promise<void> {}

  async putDeployment(deployment: Deployment): Promise<void> {
    checkDeployment(deployment);
    this.deployments.set(deployment.id, copy(deployment));
  }

  async replaceDeployment(deployment: Deployment, expectedRevision: number): Promise<boolean> {
    checkDeployment(deployment);
    // Writing the same revision twice would let a stale copy pass the next comparison.
    if (!Number.isInteger(expectedRevision) || expectedRevision < 0) throw new ValidationError('expectedRevision must be a whole number >= 0', 'expectedRevision');
    if (deployment.revision !== expectedRevision + 1) throw new ValidationError('deployment.revision must be expectedRevision + 1', 'revision');
    const stored = this.deployments.get(deployment.id);
    if (!stored || (stored.revision ?? 0) !== expectedRevision) return false;
    assertTransition(stored, deployment);
    this.deployments.set(deployment.id, copy(deployment));
    return true;
  }

  async getDeployment(id: string): Promise<Deployment | null> {
    requireString(id, 'id');
    const d = this.deployments.get(id);
    return d ? copy(d) : null;
  }

  async listDeployments(query: ListDeploymentsQuery): Promise<Page<Deployment>> {
    const page = pageOf(this.deployments.values(), query);
    return { items: page.items.map(copy), nextCursor: page.nextCursor };
  }

  async appendLogs(deploymentId: string, entries: LogEntry[]): Promise<void> {
    checkLogEntries(deploymentId, entries);
    const list = this.logs.get(deploymentId) ?? [];
    for (const e of entries) list.push(copy(e));
    this.logs.set(deploymentId, list);
  }

  async readLogs(deploymentId: string, options?: { cursor?: number; limit?: number }): Promise<LogPage> {
    requireString(deploymentId, 'deploymentId');
    const { cursor, limit } = logWindow(options);
    const list = this.logs.get(deploymentId) ?? [];
    const entries = list.slice(cursor, cursor + limit).map(copy);
    return { entries, nextCursor: Math.min(cursor, list.length) + entries.length };
  }

  async putBundle(bundle: Bundle): Promise<void> {
    checkBundle(bundle);
    this.bundles.set(bundle.digest, copy(bundle));
  }

  async getBundle(digest: string): Promise<Bundle | null> {
    requireString(digest, 'digest');
    const b = this.bundles.get(digest);
    return b ? copy(b) : null;
  }

  async putPlan(plan: StoredPlan): Promise<void> {
    checkPlan(plan);
    this.plans.set(plan.deploymentId, copy(plan));
  }

  async getPlan(deploymentId: string): Promise<StoredPlan | null> {
    requireString(deploymentId, 'deploymentId');
    const p = this.plans.get(deploymentId);
    return p ? copy(p) : null;
  }

  async deletePlan(deploymentId: string): Promise<void> {
    requireString(deploymentId, 'deploymentId');
    this.plans.delete(deploymentId);
  }

  async getStateVersion(stackKey: string, version?: number): Promise<StateVersion | null> {
    requireString(stackKey, 'stackKey');
    const list = this.versions.get(stackKey) ?? [];
    if (version === undefined) return list.length ? copy(list[list.length - 1]) : null;
    requireInt(version, 'version', 1);
    const v = list[version - 1];
    return v ? copy(v) : null;
  }

  async listStateVersions(stackKey: string, options: { limit: number }): Promise<StateVersion[]> {
    requireString(stackKey, 'stackKey');
    const limit = requireInt(options?.limit, 'limit', 1, 10_000);
    const list = this.versions.get(stackKey) ?? [];
    return list
      .slice(-limit)
      .reverse()
      .map((v) => copy({ ...v, raw: null }));
  }

  async writeStateVersion(request: WriteStateVersionRequest): Promise<StateVersion> {
    validateWrite(request);
    const list = this.versions.get(request.stackKey) ?? [];
    checkWrite(request, this.locks.get(request.stackKey), list.length);
    const written = newStateVersion(copy(request));
    list.push(written);
    const floor = retentionFloor(written.version, request.retention);
    for (let i = floor - 1; i >= 0 && list[i].retained; i--) list[i] = trimmed(list[i]);
    this.versions.set(request.stackKey, list);
    return copy(written);
  }

  async acquireLock(request: AcquireLockRequest): Promise<Lock> {
    validateAcquire(request);
    const lock = grantLock(request, this.locks.get(request.stackKey), this.tokens.get(request.stackKey) ?? 0);
    this.tokens.set(request.stackKey, lock.token);
    this.locks.set(request.stackKey, lock);
    return copy(lock);
  }

  async renewLock(stackKey: string, lockId: string, ttlMs: number): Promise<Lock> {
    const lock = renewedLock(this.locks.get(stackKey), stackKey, lockId, ttlMs);
    this.locks.set(stackKey, lock);
    return copy(lock);
  }

  async releaseLock(stackKey: string, lockId: string): Promise<boolean> {
    requireString(stackKey, 'stackKey');
    requireString(lockId, 'lockId');
    const lock = this.locks.get(stackKey);
    if (!lock || lock.lockId !== lockId) return false;
    this.locks.delete(stackKey);
    return isLive(lock);
  }

  async forceReleaseLock(stackKey: string): Promise<Lock | null> {
    requireString(stackKey, 'stackKey');
    const lock = this.locks.get(stackKey);
    this.locks.delete(stackKey);
    return isLive(lock) ? copy(lock) : null;
  }

  async getLock(stackKey: string): Promise<Lock | null> {
    requireString(stackKey, 'stackKey');
    const lock = this.locks.get(stackKey);
    return isLive(lock) ? copy(lock) : null;
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    checkAudit(entry);
    this.audit.push(copy(entry));
  }

  async listAudit(query: { stackKey?: string; deploymentId?: string; limit: number }): Promise<AuditEntry[]> {
    checkAuditQuery(query);
    const out: AuditEntry[] = [];
    for (let i = this.audit.length - 1; i >= 0 && out.length < query.limit; i--) {
      if (matchesAudit(this.audit[i], query)) out.push(copy(this.audit[i]));
    }
    return out;
  }
}
