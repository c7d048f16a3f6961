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
import { ValidationError } from '@iac-orchestrator/core';
import { RedisConnection, describeUrl, type Handles } from './connection.js';
import { listDeployments } from './deployment-query.js';
import * as deployments from './deployments.js';
import { Keys } from './keys.js';
import * as locks from './locks.js';
import { DEFAULTS, type RedisStateStoreOptions } from './options.js';
import * as records from './records.js';
import { Sealer } from './sealing.js';
import * as states from './state-versions.js';

/**
 * A {@link StateStore} on Redis, for running the orchestrator as several replicas.
 *
 * - Records (deployments, bundles, plans, audit entries, raw state) go through keyv with `@keyv/redis`.
 * - Locks and state versions use atomic Redis commands and Lua scripts: `SET NX PX` leases, a fencing
 *   token from `INCR`, compare-and-set renew / compare-and-delete release, and one script per state
 *   write that checks lock, fence and expected version before writing and trimming to retention.
 * - Logs are append-only lists read by index; listings read sorted-set indexes (one per filter value, and
 *   the active set recovery reads), not every key.
 * - Keys carry hash tags (see keys.ts): every script and multi-key command stays in one slot, as Redis
 *   Cluster requires.
 * - With `retentionDays`, terminal deployments (and their logs and plans) and audit entries expire; see
 *   {@link RedisStateStore.pruneExpired}.
 * - With `encryptionKey`, every record, log line and state version is sealed with AES-256-GCM (as the
 *   file store does); only ids, stack keys and filter values stay readable, in key names and indexes.
 * - When Redis cannot be reached, every method fails fast with `StoreUnavailableError`.
 *
 * @example
 * ```ts
 * const store = new RedisStateStore({ url: process.env.REDIS_URL!, encryptionKey: process.env.STATE_ENCRYPTION_KEY });
 * await store.init();
 * const orchestrator = new Orchestrator({ store, executors: [...] });
 * ```
 */
export class RedisStateStore implements StateStore {
  readonly capabilities: StateStoreCapabilities;
  private readonly connection: RedisConnection;
  private readonly keys: Keys;
  private readonly sealer: Sealer;
  private readonly writer: deployments.DeploymentWriter;
  private readonly retentionMs: number | null;
  private lastPrune = 0;

  constructor(options: RedisStateStoreOptions) {
    if (!options || typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
      throw new ValidationError('url must be a redis:// or rediss:// URL', 'url');
    }
    describeUrl(options.url);
    const prefix = options.prefix ?? DEFAULTS.prefix;
    // A brace in the prefix would become the keys' hash tag and put unrelated keys in one slot (or split a script's).
    if (typeof prefix !== 'string' || /[{}]/.test(prefix)) throw new ValidationError('prefix must be a string without { or }', 'prefix');
    const days = options.retentionDays;
    if (days !== undefined && (typeof days !== 'number' || !(days > 0) || !Number.isFinite(days))) {
      throw new ValidationError('retentionDays must be a positive number', 'retentionDays');
    }
    this.retentionMs = days === undefined ? null : Math.max(1, Math.round(days * 86_400_000));
    this.keys = new Keys(prefix);
    this.sealer = new Sealer(options.encryptionKey);
    this.writer = { keys: this.keys, sealer: this.sealer, retentionMs: this.retentionMs };
    this.connection = new RedisConnection({
      url: options.url,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      commandTimeoutMs: options.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs,
      recordNamespace: this.keys.recordNamespace,
    });
    this.capabilities = { crossProcess: true, durable: true, encryptionAtRest: this.sealer.enabled };
  }

  /** Connects (fails with `StoreUnavailableError` when Redis cannot be reached in `connectTimeoutMs`). */
  async init(): Promise<void> {
    await this.connection.ready();
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  /** Readiness: a round trip to Redis. */
  async ping(): Promise<void> {
    await this.run((h) => h.redis.ping());
  }

  putDeployment(deployment: Deployment): Promise<void> {
    return this.run(async (h) => {
      await deployments.putDeployment(h, this.writer, deployment);
      await this.pruneNow(h);
    });
  }
  /**
   * Compare-and-set on the stored `revision` (0 when an old record has none), atomic across replicas:
   * record and index entries are written by one Lua script, and only if the record is unchanged since
   * its revision was read. False when the record moved or does not exist.
   */
  replaceDeployment(deployment: Deployment, expectedRevision: number): Promise<boolean> {
    return this.run(async (h) => {
      const written = await deployments.replaceDeployment(h, this.writer, deployment, expectedRevision);
      await this.pruneNow(h);
      return written;
    });
  }
  getDeployment(id: string): Promise<Deployment | null> {
    return this.run((h) => deployments.getDeployment(h, this.writer, requireId(id)));
  }
  listDeployments(query: ListDeploymentsQuery): Promise<Page<Deployment>> {
    return this.run((h) => listDeployments(h, this.writer, query));
  }

  appendLogs(deploymentId: string, entries: LogEntry[]): Promise<void> {
    return this.run((h) => records.appendLogs(h, this.keys, this.sealer, deploymentId, entries));
  }
  readLogs(deploymentId: string, options?: { cursor?: number; limit?: number }): Promise<LogPage> {
    return this.run((h) => records.readLogs(h, this.keys, this.sealer, deploymentId, options));
  }

  putBundle(bundle: Bundle): Promise<void> {
    return this.run((h) => records.putBundle(h, this.keys, this.sealer, bundle));
  }
  getBundle(digest: string): Promise<Bundle | null> {
    return this.run((h) => records.getBundle(h, this.keys, this.sealer, digest));
  }

  putPlan(plan: StoredPlan): Promise<void> {
    return this.run((h) => records.putPlan(h, this.keys, this.sealer, plan));
  }
  getPlan(deploymentId: string): Promise<StoredPlan | null> {
    return this.run((h) => records.getPlan(h, this.keys, this.sealer, deploymentId));
  }
  deletePlan(deploymentId: string): Promise<void> {
    return this.run((h) => records.deletePlan(h, this.keys, deploymentId));
  }

  getStateVersion(stackKey: string, version?: number): Promise<StateVersion | null> {
    return this.run((h) => states.getStateVersion(h, this.keys, this.sealer, stackKey, version));
  }
  listStateVersions(stackKey: string, options: { limit: number }): Promise<StateVersion[]> {
    return this.run((h) => states.listStateVersions(h, this.keys, this.sealer, stackKey, options));
  }
  writeStateVersion(request: WriteStateVersionRequest): Promise<StateVersion> {
    return this.run((h) => states.writeStateVersion(h, this.keys, this.sealer, request));
  }

  acquireLock(request: AcquireLockRequest): Promise<Lock> {
    return this.run((h) => locks.acquireLock(h, this.keys, request));
  }
  renewLock(stackKey: string, lockId: string, ttlMs: number): Promise<Lock> {
    return this.run((h) => locks.renewLock(h, this.keys, stackKey, lockId, ttlMs));
  }
  releaseLock(stackKey: string, lockId: string): Promise<boolean> {
    return this.run((h) => locks.releaseLock(h, this.keys, stackKey, lockId));
  }
  forceReleaseLock(stackKey: string): Promise<Lock | null> {
    return this.run((h) => locks.forceReleaseLock(h, this.keys, stackKey));
  }
  getLock(stackKey: string): Promise<Lock | null> {
    return this.run((h) => locks.getLock(h, this.keys, stackKey));
  }

  appendAudit(entry: AuditEntry): Promise<void> {
    return this.run((h) => records.appendAudit(h, this.keys, this.sealer, entry, this.retentionMs, DEFAULTS.pruneBatch));
  }
  listAudit(query: { stackKey?: string; deploymentId?: string; limit: number }): Promise<AuditEntry[]> {
    return this.run((h) => records.listAudit(h, this.keys, this.sealer, query));
  }

  /**
   * Removes terminal deployments whose retention ran out, up to `max` (their logs and plans expire by TTL).
   * Writes call it at most once a minute; a caller may run it too (a cron, a test). Returns how many went.
   */
  pruneExpired(max: number = DEFAULTS.pruneBatch, now = Date.now()): Promise<number> {
    return this.run((h) => (this.retentionMs === null ? Promise.resolve(0) : deployments.pruneExpired(h, this.writer, max, now)));
  }

  private async pruneNow(h: Handles): Promise<void> {
    if (this.retentionMs === null || Date.now() - this.lastPrune < DEFAULTS.pruneEveryMs) return;
    this.lastPrune = Date.now();
    await deployments.pruneExpired(h, this.writer, DEFAULTS.pruneBatch);
  }

  /** Every operation: connected handles, and connection trouble reported as `StoreUnavailableError`. */
  private run<T>(op: (h: Handles) => Promise<T>): Promise<T> {
    return this.connection.run(op);
  }
}

function requireId(id: string): string {
  if (typeof id !== 'string' || id.length === 0) throw new ValidationError('id must be a non-empty string', 'id');
  return id;
}
