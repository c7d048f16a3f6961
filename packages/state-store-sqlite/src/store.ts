/**
 * The SQLite `StateStore`: the embedded default for one machine.
 *
 * One database file (`orchestrator.sqlite`) in the data directory, WAL mode; see database.ts for the
 * tables and why each index is there. Every read-modify-write (compare-and-set of deployments and state
 * versions, lock acquire/renew/release with lease expiry and fencing tokens, log numbering) is one
 * `BEGIN IMMEDIATE` transaction, so it holds across processes sharing the file on one machine; writers
 * queue on SQLite's file lock (`busy_timeout`) rather than on a mutex of our own. better-sqlite3 is
 * synchronous: a transaction runs without yielding to the event loop, so it is atomic within the process
 * too. It is not meant for network file systems or several machines: use the Redis store for replicas.
 *
 * Encryption at rest: with `encryptionKey` (`STATE_ENCRYPTION_KEY`) every record body is sealed with
 * AES-256-GCM (core's `Encryption`); only the columns needed to find and order records stay readable
 * (ids, stack key, blueprint, environment, status, timestamps, version numbers, revision).
 * @module
 */
import { OrchestratorError, StoreUnavailableError, ValidationError } from '@iac-orchestrator/core';
import type {
  AcquireLockRequest,
  AuditEntry,
  Bundle,
  Deployment,
  ListDeploymentsQuery,
  Lock,
  LogEntry,
  LogPage,
  Page,
  StateStore,
  StateStoreCapabilities,
  StateVersion,
  StoredPlan,
  WriteStateVersionRequest,
} from '@iac-orchestrator/core';
import { openDatabase, type Db } from './database.js';
import { DeploymentRows } from './deployments.js';
import { DEFAULTS, type SqliteStateStoreOptions } from './options.js';
import { RecordRows } from './records.js';
import * as rules from './rules.js';
import { Retention } from './retention.js';
import { Sealer } from './sealing.js';
import { StackRows } from './stacks.js';

/** The open database and the row helpers over it. */
interface Open {
  db: Db;
  retention: Retention;
  deployments: DeploymentRows;
  stacks: StackRows;
  records: RecordRows;
}

/**
 * Durable embedded `StateStore` on SQLite; safe across processes on one machine.
 *
 * @example
 * ```ts
 * const store = new SqliteStateStore({ dataDir: process.env.ORCHESTRATOR_DATA_DIR ?? './.orchestrator-data',
 *   encryptionKey: process.env.STATE_ENCRYPTION_KEY });
 * await store.init();
 * ```
 */
export class SqliteStateStore implements StateStore {
  readonly capabilities: StateStoreCapabilities;
  private readonly sealer: Sealer;
  private opened: Open | null = null;
  private readonly retentionMs: number | null;
  private lastPrune = 0;

  constructor(private readonly options: SqliteStateStoreOptions) {
    rules.requireString(options?.dataDir, 'dataDir');
    this.sealer = new Sealer(options.encryptionKey);
    this.capabilities = { crossProcess: true, durable: true, encryptionAtRest: this.sealer.enabled };
    const days = options.retentionDays;
    if (days !== undefined && (typeof days !== 'number' || !(days > 0) || !Number.isFinite(days))) {
      throw new ValidationError('retentionDays must be a positive number', 'retentionDays');
    }
    this.retentionMs = days === undefined ? null : Math.max(1, Math.round(days * 86_400_000));
  }

  /** The open database, opened (and its schema created) on first use. */
  private get open(): Open {
    if (this.opened) return this.opened;
    let db: Db;
    try {
      db = openDatabase(this.options.dataDir, this.options.busyTimeoutMs ?? DEFAULTS.busyTimeoutMs);
    } catch (e) {
      if (e instanceof OrchestratorError) throw e;
      throw new StoreUnavailableError(`SQLite store in ${this.options.dataDir} cannot be opened: ${(e as Error).message}`, undefined, { cause: e });
    }
    this.opened = { db, retention: new Retention(db), deployments: new DeploymentRows(db, this.sealer), stacks: new StackRows(db, this.sealer), records: new RecordRows(db, this.sealer) };
    return this.opened;
  }

  /**
   * Runs one store operation. SQLite's own failures (the file busy past `busy_timeout`, a full or
   * unreadable disk) become `StoreUnavailableError`; the store's typed errors pass through unchanged.
   */
  private run<T>(fn: (open: Open) => T): Promise<T> {
    try {
      return Promise.resolve(fn(this.open));
    } catch (e) {
      if (e instanceof OrchestratorError) return Promise.reject(e);
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('SQLITE_')) {
        return Promise.reject(new StoreUnavailableError(`SQLite store in ${this.options.dataDir} failed: ${code}`, undefined, { cause: e }));
      }
      return Promise.reject(e);
    }
  }

  /** Opens the database and creates its tables. Idempotent; other methods open it on first use too. */
  async init(): Promise<void> {
    return this.run(() => undefined);
  }

  async close(): Promise<void> {
    this.opened?.db.close();
    this.opened = null;
  }

  async ping(): Promise<void> {
    return this.run(({ db }) => {
      db.prepare('SELECT 1').get();
    });
  }

  async putDeployment(deployment: Deployment): Promise<void> {
    rules.checkDeployment(deployment);
    return this.run((o) => {
      o.deployments.put(deployment);
      this.schedulePrune();
    });
  }

  /** Compare-and-set on the stored `revision`, atomic across processes (one write transaction). */
  async replaceDeployment(deployment: Deployment, expectedRevision: number): Promise<boolean> {
    rules.checkReplace(deployment, expectedRevision);
    // Invariant 8 inside the transaction: a finished deployment never leaves its terminal status.
    return this.run((o) => {
      const written = o.deployments.replace(deployment, expectedRevision, rules.assertTransition);
      this.schedulePrune();
      return written;
    });
  }

  async getDeployment(id: string): Promise<Deployment | null> {
    rules.requireString(id, 'id');
    return this.run((o) => o.deployments.get(id));
  }

  /** Newest first; each page is an index range read (see deployments.ts). */
  async listDeployments(query: ListDeploymentsQuery): Promise<Page<Deployment>> {
    return this.run((o) => o.deployments.list(query));
  }

  async appendLogs(deploymentId: string, entries: LogEntry[]): Promise<void> {
    rules.checkLogEntries(deploymentId, entries);
    return this.run((o) => o.records.appendLogs(deploymentId, entries));
  }

  async readLogs(deploymentId: string, options?: { cursor?: number; limit?: number }): Promise<LogPage> {
    rules.requireString(deploymentId, 'deploymentId');
    const { cursor, limit } = rules.logWindow(options);
    return this.run((o) => o.records.readLogs(deploymentId, cursor, limit));
  }

  async putBundle(bundle: Bundle): Promise<void> {
    rules.checkBundle(bundle);
    return this.run((o) => o.records.putBundle(bundle));
  }

  async getBundle(digest: string): Promise<Bundle | null> {
    rules.requireString(digest, 'digest');
    return this.run((o) => o.records.getBundle(digest));
  }

  async putPlan(plan: StoredPlan): Promise<void> {
    rules.checkPlan(plan);
    return this.run((o) => o.records.putPlan(plan));
  }

  async getPlan(deploymentId: string): Promise<StoredPlan | null> {
    rules.requireString(deploymentId, 'deploymentId');
    return this.run((o) => o.records.getPlan(deploymentId));
  }

  async deletePlan(deploymentId: string): Promise<void> {
    rules.requireString(deploymentId, 'deploymentId');
    return this.run((o) => o.records.deletePlan(deploymentId));
  }

  async getStateVersion(stackKey: string, version?: number): Promise<StateVersion | null> {
    rules.requireString(stackKey, 'stackKey');
    if (version !== undefined) rules.requireInt(version, 'version', 1);
    return this.run((o) => o.stacks.getVersion(stackKey, version));
  }

  async listStateVersions(stackKey: string, options: { limit: number }): Promise<StateVersion[]> {
    rules.requireString(stackKey, 'stackKey');
    const limit = rules.requireInt(options?.limit, 'limit', 1, rules.MAX_VERSIONS);
    return this.run((o) => o.stacks.listVersions(stackKey, limit));
  }

  async writeStateVersion(request: WriteStateVersionRequest): Promise<StateVersion> {
    rules.validateWrite(request);
    const copy = structuredClone(request);
    return this.run((o) => o.stacks.write(copy));
  }

  async acquireLock(request: AcquireLockRequest): Promise<Lock> {
    rules.validateAcquire(request);
    return this.run((o) => o.stacks.acquire(request));
  }

  async renewLock(stackKey: string, lockId: string, ttlMs: number): Promise<Lock> {
    rules.requireString(stackKey, 'stackKey');
    rules.requireString(lockId, 'lockId');
    rules.requireInt(ttlMs, 'ttlMs', 1);
    return this.run((o) => o.stacks.renew(stackKey, lockId, ttlMs));
  }

  async releaseLock(stackKey: string, lockId: string): Promise<boolean> {
    rules.requireString(stackKey, 'stackKey');
    rules.requireString(lockId, 'lockId');
    return this.run((o) => o.stacks.release(stackKey, lockId));
  }

  async forceReleaseLock(stackKey: string): Promise<Lock | null> {
    rules.requireString(stackKey, 'stackKey');
    return this.run((o) => o.stacks.forceRelease(stackKey));
  }

  async getLock(stackKey: string): Promise<Lock | null> {
    rules.requireString(stackKey, 'stackKey');
    return this.run((o) => o.stacks.getLock(stackKey));
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    rules.checkAudit(entry);
    return this.run((o) => {
      o.records.appendAudit(entry);
      this.schedulePrune();
    });
  }

  async listAudit(query: { stackKey?: string; deploymentId?: string; limit: number }): Promise<AuditEntry[]> {
    rules.checkAuditQuery(query);
    return this.run((o) => o.records.listAudit(query));
  }

  /**
   * Removes what fell out of `retentionDays` (terminal deployments with their logs and plans, audit
   * entries), one bounded batch per table. Writes run it at most once a minute; a caller may run it too.
   */
  async pruneExpired(now = Date.now()): Promise<{ deployments: number; auditEntries: number }> {
    if (this.retentionMs === null) return { deployments: 0, auditEntries: 0 };
    const cutoff = new Date(now - this.retentionMs).toISOString();
    return this.run((o) => o.retention.prune(cutoff));
  }

  /**
   * Prunes off the write path: the write that triggered it has committed, so a failing prune (the file
   * busy, a full disk) must not make it look failed; the pass runs after it and a failure is reported to
   * `onPruneError`, then retried by a later write.
   */
  private schedulePrune(): void {
    if (this.retentionMs === null || Date.now() - this.lastPrune < DEFAULTS.pruneEveryMs) return;
    this.lastPrune = Date.now();
    setImmediate(() => {
      if (!this.opened) return;
      this.pruneExpired().catch((e: unknown) => {
        const report = this.options.onPruneError ?? ((err: Error) => process.emitWarning(`SQLite store: pruning expired records failed: ${err.message}`));
        report(e instanceof Error ? e : new Error(String(e)));
      });
    });
  }

  /** The open database, for the file-store import (one transaction over every table). @internal */
  rows(): Open {
    return this.open;
  }
}


