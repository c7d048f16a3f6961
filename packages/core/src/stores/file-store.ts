/**
 * The embedded default `StateStore`: durable files under one data directory.
 *
 * On-disk layout (`dataDir`, `ORCHESTRATOR_DATA_DIR` in the service, default `./.orchestrator-data`):
 *
 * ```text
 * format.json                        {"store":"iac-orchestrator-file-store","v":1}
 * deployments/<id>.json              one deployment per file
 * logs/<deploymentId>.ndjson         append-only, one log entry per line
 * logs/<deploymentId>.idx            8-byte offset of each log line's end (rebuilt from the log when behind)
 * bundles/<digest>.json              {digest, files}
 * plans/<deploymentId>.json          the saved plan of a deployment (removed once applied or dropped)
 * stacks/<sha256(stackKey)[0:32]>/
 *   lock.json                        {stackKey, lastToken, lock}: the lease and the fencing counter
 *   versions/0000000001.json         one state version per file; past retention: raw null, retained false
 * audit.ndjson                       append-only audit trail
 * mutex/<name>.lock                  short-lived cross-process mutexes (owner pid, host, nonce):
 *                                    stack-<hash>, deployment-<hash>
 * ```
 *
 * Ids that are not plain file names (`/`, odd characters, over 120 characters) are stored as `~<sha256>`.
 * Files are created 0600 and directories 0700: raw state carries secrets even when not encrypted.
 *
 * Crash safety: whole files are replaced by temp file + fsync + rename + fsync of the directory, so a
 * `kill -9` or power loss leaves the old or the new file. Journals (`*.ndjson`) get complete lines in
 * one write followed by fdatasync; a line torn by a crash is ignored by readers and cut off by the next
 * append. Temp files (`*.tmp`) left by dead processes are swept at `init`.
 *
 * Concurrency: locks and state versions of a stack change only inside that stack's mutex
 * (`mutex/stack-<hash>.lock`, see file-store-mutex.ts), so lock exclusivity, strictly increasing fencing
 * tokens and the compare-and-set of versions hold across processes on one machine. A deployment record
 * is written inside its own mutex (`mutex/deployment-<hash>.lock`, see file-store-deployments.ts), which
 * makes `replaceDeployment` a compare-and-set across processes too. It is not meant for
 * network file systems or for several machines: use the Redis store for replicas.
 *
 * Encryption at rest: with `encryptionKey` (`STATE_ENCRYPTION_KEY`), every record is sealed with
 * AES-256-GCM ({@link Encryption}); only the fields needed to find and order records stay readable (ids,
 * stack key, blueprint, environment, status, timestamps, version numbers). Raw state, resources,
 * outputs, bundles, plans, variables and log lines are never on disk in plain text.
 *
 * Limits: listing deployments reads every deployment file, and `listAudit` reads the whole audit file;
 * both are fine for the thousands of records an embedded orchestrator keeps. A log page costs the same
 * at any depth: `logs/<deploymentId>.idx` holds each line's byte offset in fixed-width entries, so a
 * page is one positioned read of the index and one of the log (file-store-log-index.ts).
 * @module
 */
import { access, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreUnavailableError } from '../errors.js';
import { Encryption } from '../encryption.js';
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
import { compareNewestFirst, encodeCursor, matchesQuery, normaliseQuery } from './deployment-query.js';
import { listFiles, mapLimit, readJson, removeFile, sweepDeadTempFiles, writeJsonAtomic } from './file-store-atomic.js';
import { RecordCodec } from './file-store-codec.js';
import { checkReplace, DeploymentFiles } from './file-store-deployments.js';
import { Journals } from './file-store-logs.js';
import { StorePaths } from './file-store-paths.js';
import { StackFiles } from './file-store-stacks.js';
import { checkAudit, checkAuditQuery, checkBundle, checkDeployment, checkLogEntries, checkPlan } from './record-checks.js';
import { logWindow, requireInt, requireString, validateAcquire, validateWrite } from './store-rules.js';

export interface FileStateStoreOptions {
  /** Directory holding the store (created if missing). */
  dataDir: string;
  /** `STATE_ENCRYPTION_KEY`: 32 bytes base64, 64 hex characters, or a passphrase. Unset: no encryption. */
  encryptionKey?: string;
}

const FORMAT = { store: 'iac-orchestrator-file-store', v: 1 } as const;

type DeploymentHeader = Pick<Deployment, 'id' | 'stackKey' | 'blueprintId' | 'environment' | 'status' | 'createdAt'>;

/**
 * Durable embedded `StateStore` on the local file system; safe across processes on one machine.
 *
 * @example
 * ```ts
 * const store = new FileStateStore({ dataDir: process.env.ORCHESTRATOR_DATA_DIR ?? './.orchestrator-data',
 *   encryptionKey: process.env.STATE_ENCRYPTION_KEY });
 * await store.init();
 * ```
 */
export class FileStateStore implements StateStore {
  readonly capabilities: StateStoreCapabilities;
  private readonly paths: StorePaths;
  private readonly codec: RecordCodec;
  private readonly stacks: StackFiles;
  private readonly deployments: DeploymentFiles;
  private readonly journals: Journals;
  private initialised: Promise<void> | null = null;

  constructor(options: FileStateStoreOptions) {
    requireString(options?.dataDir, 'dataDir');
    const encryption = options.encryptionKey ? Encryption.fromKey(options.encryptionKey) : null;
    this.capabilities = { crossProcess: true, durable: true, encryptionAtRest: encryption !== null };
    this.paths = new StorePaths(options.dataDir);
    this.codec = new RecordCodec(encryption);
    this.stacks = new StackFiles(this.paths, this.codec);
    this.deployments = new DeploymentFiles(this.paths, this.codec);
    this.journals = new Journals(this.paths, this.codec);
  }

  /** Creates the directories and sweeps temp files of dead writers. Idempotent; other methods call it. */
  init(): Promise<void> {
    this.initialised ??= this.prepare().catch((e) => {
      this.initialised = null;
      throw new StoreUnavailableError(`File store at ${this.paths.root} cannot be prepared: ${(e as Error).message}`, undefined, { cause: e });
    });
    return this.initialised;
  }

  private async prepare(): Promise<void> {
    for (const dir of this.paths.dirs) await mkdir(dir, { recursive: true, mode: 0o700 });
    const format = await readJson<{ store?: unknown; v?: unknown }>(this.paths.formatFile);
    if (format === null) await writeJsonAtomic(this.paths.formatFile, FORMAT);
    else if (format.store !== FORMAT.store || format.v !== FORMAT.v) {
      // Another program's directory, or a layout this version does not know: touch nothing.
      throw new Error(`format.json says ${JSON.stringify(format)}, expected ${JSON.stringify(FORMAT)}`);
    }
    const dirs = [...this.paths.dirs];
    for (const stack of await readdir(this.paths.stacksDir)) dirs.push(join(this.paths.stacksDir, stack), join(this.paths.stacksDir, stack, 'versions'));
    for (const dir of dirs) await sweepDeadTempFiles(dir);
  }

  async close(): Promise<void> {}

  async ping(): Promise<void> {
    await this.init();
    try {
      await access(this.paths.root);
    } catch (e) {
      throw new StoreUnavailableError(`File store at ${this.paths.root} is not reachable`, undefined, { cause: e });
    }
  }

  async putDeployment(deployment: Deployment): Promise<void> {
    checkDeployment(deployment);
    await this.init();
    await this.deployments.put(deployment);
  }

  /** Compare-and-set on the stored `revision`, atomic across processes on this machine (per-deployment mutex). */
  async replaceDeployment(deployment: Deployment, expectedRevision: number): Promise<boolean> {
    checkDeployment(deployment);
    checkReplace(deployment, expectedRevision);
    await this.init();
    return this.deployments.replace(deployment, expectedRevision);
  }

  async getDeployment(id: string): Promise<Deployment | null> {
    requireString(id, 'id');
    await this.init();
    return this.deployments.get(id);
  }

  async listDeployments(query: ListDeploymentsQuery): Promise<Page<Deployment>> {
    const q = normaliseQuery(query);
    await this.init();
    const names = (await listFiles(this.paths.deploymentsDir)).filter((n) => n.endsWith('.json'));
    const stored = await mapLimit(names, 32, (n) => readJson<unknown>(join(this.paths.deploymentsDir, n)));
    const matching = stored
      .filter((s) => s !== null)
      .filter((s) => matchesQuery(this.codec.header<Deployment>(s), q))
      .sort((a, b) => compareNewestFirst(this.codec.header<DeploymentHeader>(a), this.codec.header<DeploymentHeader>(b)));
    const items = matching.slice(0, q.limit).map((s) => this.codec.decode<Deployment>(s));
    const last = items[items.length - 1];
    return { items, nextCursor: matching.length > q.limit && last ? encodeCursor(last) : null };
  }

  async appendLogs(deploymentId: string, entries: LogEntry[]): Promise<void> {
    checkLogEntries(deploymentId, entries);
    await this.init();
    await this.journals.appendLogs(deploymentId, entries);
  }

  async readLogs(deploymentId: string, options?: { cursor?: number; limit?: number }): Promise<LogPage> {
    requireString(deploymentId, 'deploymentId');
    const { cursor, limit } = logWindow(options);
    await this.init();
    return this.journals.readLogs(deploymentId, cursor, limit);
  }

  async putBundle(bundle: Bundle): Promise<void> {
    checkBundle(bundle);
    await this.init();
    // Content-addressed: a bundle already stored under its digest is the same bundle.
    if ((await readJson(this.paths.bundle(bundle.digest))) !== null) return;
    await writeJsonAtomic(this.paths.bundle(bundle.digest), this.codec.encode(bundle, { digest: bundle.digest }));
  }

  async getBundle(digest: string): Promise<Bundle | null> {
    requireString(digest, 'digest');
    await this.init();
    const stored = await readJson<unknown>(this.paths.bundle(digest));
    return stored === null ? null : this.codec.decode<Bundle>(stored);
  }

  async putPlan(plan: StoredPlan): Promise<void> {
    checkPlan(plan);
    await this.init();
    await writeJsonAtomic(this.paths.plan(plan.deploymentId), this.codec.encode(plan, { deploymentId: plan.deploymentId }));
  }

  async getPlan(deploymentId: string): Promise<StoredPlan | null> {
    requireString(deploymentId, 'deploymentId');
    await this.init();
    const stored = await readJson<unknown>(this.paths.plan(deploymentId));
    return stored === null ? null : this.codec.decode<StoredPlan>(stored);
  }

  async deletePlan(deploymentId: string): Promise<void> {
    requireString(deploymentId, 'deploymentId');
    await this.init();
    await removeFile(this.paths.plan(deploymentId));
  }

  async getStateVersion(stackKey: string, version?: number): Promise<StateVersion | null> {
    requireString(stackKey, 'stackKey');
    if (version !== undefined) requireInt(version, 'version', 1);
    await this.init();
    return this.stacks.getVersion(stackKey, version);
  }

  async listStateVersions(stackKey: string, options: { limit: number }): Promise<StateVersion[]> {
    requireString(stackKey, 'stackKey');
    const limit = requireInt(options?.limit, 'limit', 1, 10_000);
    await this.init();
    return this.stacks.listVersions(stackKey, limit);
  }

  async writeStateVersion(request: WriteStateVersionRequest): Promise<StateVersion> {
    validateWrite(request);
    await this.init();
    return this.stacks.write(structuredClone(request));
  }

  async acquireLock(request: AcquireLockRequest): Promise<Lock> {
    validateAcquire(request);
    await this.init();
    return this.stacks.acquire(request);
  }

  async renewLock(stackKey: string, lockId: string, ttlMs: number): Promise<Lock> {
    requireString(stackKey, 'stackKey');
    requireString(lockId, 'lockId');
    requireInt(ttlMs, 'ttlMs', 1);
    await this.init();
    return this.stacks.renew(stackKey, lockId, ttlMs);
  }

  async releaseLock(stackKey: string, lockId: string): Promise<boolean> {
    requireString(stackKey, 'stackKey');
    requireString(lockId, 'lockId');
    await this.init();
    return this.stacks.release(stackKey, lockId);
  }

  async forceReleaseLock(stackKey: string): Promise<Lock | null> {
    requireString(stackKey, 'stackKey');
    await this.init();
    return this.stacks.forceRelease(stackKey);
  }

  async getLock(stackKey: string): Promise<Lock | null> {
    requireString(stackKey, 'stackKey');
    await this.init();
    return this.stacks.getLock(stackKey);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    checkAudit(entry);
    await this.init();
    await this.journals.appendAudit(entry);
  }

  async listAudit(query: { stackKey?: string; deploymentId?: string; limit: number }): Promise<AuditEntry[]> {
    checkAuditQuery(query);
    await this.init();
    return this.journals.listAudit(query);
  }
}
