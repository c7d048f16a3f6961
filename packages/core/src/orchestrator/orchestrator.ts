import { EventEmitter } from 'eventemitter3';
import type { AuditEntry, Deployment, DeploymentStatus, Format, StackState, StateVersion } from '../types/domain.js';
import { isTerminal } from '../types/domain.js';
import type { CodeSource, GitCodeFetcher } from '../types/code-source.js';
import type { Executor } from '../types/executor.js';
import type { Sandbox, SandboxSetting } from '../types/sandbox.js';
import { sandboxOnce } from '../sandbox/detect.js';
import type { LogPage, Page, StateStore } from '../types/state-store.js';
import { InvalidStateError, NotFoundError, StoreUnavailableError, ValidationError } from '../errors.js';
import { Redactor } from '../redaction.js';
import { makeBundle, stateIdOf } from '../stack.js';
import { InlineCodeSource } from '../code-sources.js';
import { GitCodeSource } from '../git/git-code-source.js';
import { checkCodeFields } from './code-fields.js';
import { resolveCode } from './resolve-code.js';
import { readinessOf } from './readiness.js';
import { withSources } from './history-sources.js';
import {
  ApprovalInputSchema,
  DeployInputSchema,
  DestroyInputSchema,
  HistoryQuerySchema,
  ListQuerySchema,
  LogsQuerySchema,
  RollbackInputSchema,
  type ApprovalInput,
  type Caller,
  type DeployInput,
  type DestroyInput,
  type HistoryQuery,
  type ListQuery,
  type LogsQuery,
  type RollbackInput,
} from './inputs.js';
import type { OrchestratorApi, OrchestratorEvents, OrchestratorOptions, ReadinessReport, RollbackResult } from './types.js';
import { assertMayDecide } from './approval.js';
import { resolveOptions } from './resolved-options.js';
import type { ResolvedOptions, RunHost } from './host.js';
import { newDeployment } from './records.js';
import { destroyOf, driftCheckOf, rollbackOf } from './derived-deployments.js';
import { StateLocks } from './state-locks.js';
import { recoverDeployments } from './recovery.js';
import type { JobRun } from './job-run.js';
import { closeQueue, runJob, onStalledJob } from './runner.js';
import { admit, queuePosition } from './admission.js';
import { cancelDeployment, decideDeployment } from './decisions.js';
import type { JobQueue } from '../types/job-queue.js';
import { InProcessJobQueue } from '../queue/in-process-queue.js';
import { parseId, parseInput } from './validation.js';
import { splitSecretVariables } from './secret-variables.js';
import { errorMessage, nowIso } from './util.js';
import { createGroup } from './groups/create.js';
import { decideGroup } from './groups/decisions.js';
import type { DeploymentGroupInput } from './groups/inputs.js';
import { loadGroup } from './groups/members.js';
import { groupView, type DeploymentGroup } from './groups/view.js';
import { waitForDeployment, watchDeployment, type DeploymentEvent, type WaitForOptions, type WatchOptions } from './watch.js';
import { Notifier } from '../notifications/notifier.js';
import { deliverNotification } from '../notifications/delivery.js';
import { deliveryLogOf, type NotificationDelivery } from '../notifications/delivery-log.js';

/**
 * Plans, approves and applies IaC deployments through pluggable executors, keeping versioned, locked,
 * recoverable state in a pluggable store. Emits typed events (`status`, `log`, `resource`, `stateVersion`,
 * `lockContention`) so an embedding service needs no polling.
 *
 * Requests are validated, stored and enqueued on a {@link JobQueue} (the in-process one by default); no
 * tool runs in the request path. A process with `runner: true` (the default) takes the jobs: plan, apply,
 * drift, approval timeout. Several processes sharing a store and a shared queue (BullMQ) spread the work.
 *
 * @example
 * const orch = new Orchestrator({ store: new FileStateStore({ dataDir: './data' }), executors: [new TerraformExecutor()] });
 * await orch.recover();
 * const d = await orch.deploy({ blueprintId: 'web', environment: 'dev', targetCloud: 'aws', format: 'terraform', files });
 */
export class Orchestrator extends EventEmitter<OrchestratorEvents> implements OrchestratorApi {
  /** Where deployments, state versions, locks, logs and the audit trail are kept. */
  readonly store: StateStore;
  /** Masks credentials and secret values in logs, errors and events (shared by every run of this process). */
  readonly redactor: Redactor;
  private readonly executors = new Map<Format, Executor>();
  private readonly codeSource: CodeSource;
  private readonly gitSource: GitCodeFetcher | null;
  private readonly runs = new Map<string, JobRun>();
  private readonly host: RunHost;
  /** Where phase jobs wait for a runner. */
  readonly queue: JobQueue;
  /** Whether this process takes jobs (see {@link OrchestratorOptions.runner}). */
  readonly runner: boolean;
  private readonly locks: StateLocks;
  private closed = false;
  private recoveryTimer: NodeJS.Timeout | null = null;
  /** The constructor's options with every default filled in. */
  readonly options: ResolvedOptions;
  private readonly sandboxSetting: SandboxSetting | undefined;
  private readonly sandboxResolved: () => Promise<Sandbox>;
  private readonly notifier: Notifier;

  /** Registers the executors and, unless `runner: false`, starts taking jobs from the queue. Call {@link recover} next. */
  constructor(options: OrchestratorOptions) {
    super();
    this.store = options.store;
    this.codeSource = options.codeSource ?? new InlineCodeSource();
    this.redactor = options.redactor ?? new Redactor();
    const credentials = options.credentials ?? {};
    this.sandboxSetting = options.sandbox;
    this.sandboxResolved = sandboxOnce(options.sandbox, (s) => {
      if (s.kind === 'none') this.host.logger('warn', `Tool processes run WITHOUT a sandbox: ${s.describe().detail}`);
    });
    this.redactor.addEnv(credentials);
    this.gitSource = options.gitSource === null ? null : (options.gitSource ?? new GitCodeSource());
    for (const secret of this.gitSource?.secretValues?.() ?? []) this.redactor.add(secret);
    this.options = resolveOptions(options, credentials);
    if (!Number.isInteger(this.options.stateRetention) || this.options.stateRetention < 1) throw new ValidationError('stateRetention must be a positive integer', 'stateRetention');
    for (const e of options.executors ?? []) this.registerExecutor(e);
    const logger = options.logger ?? (() => undefined);
    this.queue = options.queue ?? new InProcessJobQueue();
    this.host = {
      store: this.store,
      options: this.options,
      redactor: this.redactor,
      queue: this.queue,
      runs: this.runs,
      events: this,
      logger: (level, message, fields) => logger(level, this.redactor.redact(message), fields && this.redactor.redactValue(fields)),
      executorFor: (f) => this.executorFor(f),
      sandbox: () => this.sandbox(),
      audit: (entry) => this.audit_(entry),
      deliverNotification: (job) => deliverNotification(this.host, this.notifier, job),
      checkNotify: (notify) => this.notifier.checkRequested(notify),
    };
    this.notifier = new Notifier(this.host, options.notifications);
    // Every status change is emitted in the process where it happens (runner, or API for a decision).
    this.on('status', (e) => void this.notifier.onStatus(e.deployment, e.previous).catch((err) => this.host.logger('error', 'notifications of a status change failed', { deploymentId: e.deploymentId, error: errorMessage(err) })));
    this.locks = new StateLocks(this.host, (id) => this.get(id));
    this.runner = options.runner !== false;
    if (this.runner) {
      this.queue
        .process((job, ctx) => runJob(this.host, job, ctx), { concurrency: this.options.concurrency, onStalled: (stalled) => onStalledJob(this.host, stalled) })
        .catch((e) => this.host.logger('error', 'the runner could not start taking jobs', { error: errorMessage(e) }));
    }
    // Detected now, so that no deployment waits for it (and a `bwrap` that cannot work shows in readiness).
    void this.sandbox().catch(() => undefined);
  }

  /** Registers (or replaces) the executor of a format. Third-party executors plug in the same way. */
  registerExecutor(executor: Executor): void {
    this.executors.set(executor.format, executor);
  }

  /** Starts a deployment: validates, resolves and stores its code, then enqueues its plan job. */
  async deploy(input: DeployInput, caller?: Caller): Promise<Deployment> {
    this.assertOpen();
    checkCodeFields(input);
    const req = parseInput(DeployInputSchema, input, 'deployment request');
    this.executorFor(req.format).validateOptions?.(req.options.executor);
    this.notifier.checkRequested(req.options.notify);
    // At request time: a Git source is fetched here (asynchronously, bounded by the fetcher's timeout).
    const code = await this.resolveCode(req, caller);
    const bundle = makeBundle(code.files);
    const { options, secrets } = splitSecretVariables(req.options);
    // The secrets join the run's own masking scope when it loads them, never this process-wide registry.
    const d = newDeployment({ stack: req, operation: 'apply', options, bundleDigest: bundle.digest, generationJobId: req.generationJobId ?? null, source: code.source, requestedBy: caller?.id ?? null });
    await this.store.putBundle(bundle);
    const git = code.source?.git;
    return admit(this.host, d, caller, { action: 'deployment.create', ...(git ? { detail: { source: { git }, notes: code.notes } } : {}) }, secrets);
  }

  /** The events of one deployment (status, resource, log, state version) with a sequence number, first its
   * current record, so nothing between `deploy()` and the first event is missed. Ends after a terminal status. */
  watch(id: string, options?: WatchOptions): AsyncGenerator<DeploymentEvent, void, undefined> {
    return watchDeployment(this, id, options);
  }

  /** Resolves with the record once the deployment reaches one of `statuses`; rejects if it ends otherwise,
   * after `timeoutMs`, or when `signal` aborts. */
  waitFor(id: string, statuses: DeploymentStatus | readonly DeploymentStatus[], options?: WaitForOptions): Promise<Deployment> {
    return waitForDeployment(this, id, statuses, options);
  }

  /** The stored record; a `pending` one also says its place in its stack's line (`queuePosition`, 0 = next). */
  async get(id: string): Promise<Deployment> {
    const d = await this.store.getDeployment(parseId(id));
    if (!d) throw new NotFoundError(`Deployment ${id} not found`);
    return d.status === 'pending' ? { ...d, queuePosition: await queuePosition(this.host, d) } : d;
  }

  /** A page of deployments (up to `limit`, default 20) filtered by blueprint, environment or status; `cursor` pages on.
   * @throws {@link ValidationError} when the query is malformed. */
  async list(query: ListQuery = {}): Promise<Page<Deployment>> {
    const q = parseInput(ListQuerySchema, query, 'query');
    return this.store.listDeployments(q);
  }

  /** A page of the deployment's log lines (already masked) from line `cursor` on, up to `limit` (default 1000).
   * @throws {@link NotFoundError} when there is no such deployment. */
  async logs(id: string, query: LogsQuery = {}): Promise<LogPage> {
    const q = parseInput(LogsQuerySchema, query, 'query');
    const d = await this.get(id);
    return this.store.readLogs(d.id, q);
  }

  /** Cancels in any non-terminal status, here or in whichever process runs it (through the queue). */
  async cancel(id: string, caller?: Caller): Promise<Deployment> {
    const d = await this.get(id);
    if (isTerminal(d.status)) throw new InvalidStateError(`Deployment is already ${d.status}`);
    await this.audit_({ who: caller?.id ?? null, action: 'deployment.cancel', stackKey: d.stackKey, deploymentId: d.id, detail: { status: d.status } });
    return cancelDeployment(this.host, d.id);
  }

  /** Approves a plan awaiting approval: its apply job is enqueued. Returns the record after the change (`applying`). */
  async approve(id: string, input: ApprovalInput = {}, caller?: Caller): Promise<Deployment> {
    return this.decide(id, 'approved', input, caller);
  }

  /** Rejects a plan awaiting approval: it ends `cancelled`. Returns the record after the change. */
  async reject(id: string, input: ApprovalInput = {}, caller?: Caller): Promise<Deployment> {
    return this.decide(id, 'rejected', input, caller);
  }

  private async decide(id: string, decision: 'approved' | 'rejected', input: ApprovalInput, caller?: Caller): Promise<Deployment> {
    const { comment } = parseInput(ApprovalInputSchema, input);
    return decideDeployment(this.host, await this.get(id), decision, comment ?? null, caller);
  }

  /**
   * Deploys one blueprint to several targets (regions), each its own stack with its own state and lock:
   * all at once (`order: 'parallel'`), or the first target and then the rest once it completed
   * (`'canary'`; if it fails or is cancelled, the rest never run and end `cancelled`). Where a plan needs
   * approval, every target plans first and one {@link Orchestrator.approveGroup} covers all plans. Returns the group.
   * @throws {@link ValidationError} for a malformed request (no targets, duplicate names, more than
   * `MAX_GROUP_TARGETS` (20), a bad order): nothing is stored then.
   */
  async deployGroup(input: DeploymentGroupInput, caller?: Caller): Promise<DeploymentGroup> {
    this.assertOpen();
    const creation = {
      host: this.host,
      validateExecutorOptions: (format: string, options: Record<string, unknown>) => this.executorFor(format).validateOptions?.(options),
      resolveCode: (req: Parameters<typeof resolveCode>[0], by?: Caller) => this.resolveCode(req, by),
    };
    const { groupId, members } = await createGroup(creation, input, caller);
    return groupView(groupId, members);
  }

  /** A deployment group: its status (derived from its targets' deployments) and each target's summary.
   * @throws {@link NotFoundError} when there is no such group. */
  async getGroup(id: string): Promise<DeploymentGroup> {
    return groupView(id, await loadGroup(this.host, id));
  }

  /** Approves every plan of a group awaiting approval, in one decision (audited as `deployment-group.approve`).
   * @throws {@link InvalidStateError} unless every target has planned and waits. */
  async approveGroup(id: string, input: ApprovalInput = {}, caller?: Caller): Promise<DeploymentGroup> {
    return this.decideGroup(id, 'approved', input, caller);
  }

  /** Rejects a group awaiting approval: every target still open ends `cancelled`, nothing is applied. */
  async rejectGroup(id: string, input: ApprovalInput = {}, caller?: Caller): Promise<DeploymentGroup> {
    return this.decideGroup(id, 'rejected', input, caller);
  }

  private async decideGroup(id: string, decision: 'approved' | 'rejected', input: ApprovalInput, caller?: Caller): Promise<DeploymentGroup> {
    const { comment } = parseInput(ApprovalInputSchema, input);
    const [first] = await loadGroup(this.host, id);
    assertMayDecide(caller, first!.environment, this.options.protectedEnvironments);
    return groupView(id, await decideGroup(this.host, id, decision, caller?.id ?? null, comment ?? null, caller?.via));
  }

  /** Re-applies the code of a retained state version as a new deployment. */
  async rollback(id: string, input: RollbackInput, caller?: Caller): Promise<RollbackResult> {
    this.assertOpen();
    const req = parseInput(RollbackInputSchema, input, 'rollback request');
    const d = await this.get(id);
    const v = await this.locks.retainedVersion(d, req.targetVersion);
    const r = await rollbackOf(this.host, d, v, req, caller);
    const started = await admit(this.host, r.record, caller, r.audit, r.secrets);
    return { deploymentId: d.id, rollbackDeploymentId: started.id, status: started.status };
  }

  /** Plans the removal of everything in the stack's current state, then applies it per the approval policy. */
  async destroy(id: string, input: DestroyInput = {}, caller?: Caller): Promise<Deployment> {
    this.assertOpen();
    const req = parseInput(DestroyInputSchema, input, 'destroy request');
    const d = await this.get(id);
    const r = await destroyOf(this.host, d, req, caller);
    return admit(this.host, r.record, caller, r.audit, r.secrets);
  }

  /** Starts a drift check of the deployment's stack against its current state version. */
  async detectDrift(id: string, caller?: Caller): Promise<Deployment> {
    this.assertOpen();
    const d = await this.get(id);
    const r = await driftCheckOf(this.host, d, caller);
    return admit(this.host, r.record, caller, r.audit, r.secrets);
  }

  /** The current state of the deployment's stack: version, resources, outputs and lock (its `lockId` only to
   * its holder or an admin). */
  getState(id: string, caller?: Caller): Promise<StackState> {
    return this.locks.getState(id, caller);
  }

  /** Takes a manual lock on the deployment's stack for a lease (`ttlMs`): no run of that stack starts until
   * {@link unlockState} or the lease ends. Returns the lock, whose `lockId` releases it. */
  lockState(id: string, input: Parameters<StateLocks['lock']>[1], caller?: Caller) {
    return this.locks.lock(id, input, caller);
  }

  /** Releases a manual lock of the deployment's stack, given its `lockId` (or forced by an admin). */
  unlockState(id: string, input: Parameters<StateLocks['unlock']>[1], caller?: Caller) {
    return this.locks.unlock(id, input, caller);
  }

  /** The stack's state versions, up to `limit` (default 10); versions past retention carry metadata only.
   * The read is audited. */
  async stateHistory(id: string, query: HistoryQuery = {}, caller?: Caller): Promise<StateVersion[]> {
    const q = parseInput(HistoryQuerySchema, query, 'query');
    const d = await this.get(id);
    await this.audit_({ who: caller?.id ?? null, action: 'state.history', stackKey: d.stackKey, deploymentId: d.id, detail: {} });
    return withSources(this.store, await this.store.listStateVersions(d.stackKey, { limit: q.limit }));
  }

  /** The audit trail (who did what, when), for one deployment or stack; `limit` 1 to 1000, default 100. */
  async audit(query: { deploymentId?: string; stackKey?: string; limit?: number }): Promise<AuditEntry[]> {
    return this.store.listAudit({ ...query, limit: Math.min(Math.max(query.limit ?? 100, 1), 1000) });
  }

  /** The deployment's notification delivery log (from its audit trail): each queued event and every
   * attempt, oldest first. */
  async notificationLog(id: string): Promise<NotificationDelivery[]> {
    const d = await this.get(id);
    return deliveryLogOf(await this.store.listAudit({ deploymentId: d.id, limit: 1000 }));
  }

  /** Settles deployments whose process died: a running one is marked `failed` ("interrupted") after saving the
   * state its tool left and freeing its lock (`recovered`); a `pending` one whose job was lost is enqueued
   * again (`requeued`). Call it at start-up (and see {@link startRecoveryLoop}). */
  async recover(): Promise<{ recovered: string[]; requeued: string[] }> {
    return recoverDeployments(this.host, new Set(this.runs.keys()));
  }

  /** Runs `recover()` every `intervalMs` (for several replicas sharing a store). */
  startRecoveryLoop(intervalMs = this.options.lockTtlMs): void {
    if (this.recoveryTimer) return;
    this.recoveryTimer = setInterval(() => void this.recover().catch((e) => this.host.logger('warn', 'recovery failed', { error: errorMessage(e) })), intervalMs);
    this.recoveryTimer.unref();
  }

  /** The sandbox of this orchestrator's tool processes, resolved once; `none` is logged as a warning. */
  sandbox(): Promise<Sandbox> {
    return this.sandboxResolved();
  }

  /** Whether this process can do its work: the store and queue answer, the executors' tools are installed
   * (only on a runner) and the sandbox works. `ok` is true only if every part is. */
  async readiness(): Promise<ReadinessReport> {
    return readinessOf({ sandbox: this.sandbox(), sandboxSetting: this.sandboxSetting, store: this.store, queue: this.queue, executors: this.runner ? [...this.executors.values()] : [], redactor: this.redactor });
  }

  /** Jobs running in this process, with their deployment's status. */
  activeRuns(): Array<{ id: string; status: Deployment['status'] }> {
    return [...this.runs.values()].map((r) => ({ id: r.id, status: r.record.status }));
  }

  /** Stops taking jobs; running ones may finish within `graceMs`, then they are cancelled (they still
   * save what their tool left and free their locks). Closes the queue, then the store. */
  async close(graceMs = 30_000): Promise<void> {
    this.closed = true;
    if (this.recoveryTimer) clearInterval(this.recoveryTimer);
    await closeQueue(this.host, graceMs);
    await this.store.close?.();
  }

  /** A request's code: inline, from the generator, or fetched from Git (bounded by the fetcher's timeout). */
  private resolveCode(req: Parameters<typeof resolveCode>[0], caller?: Caller) {
    return resolveCode(req, { codeSource: this.codeSource, git: this.gitSource, sandbox: () => this.sandbox(), ...(caller?.id ? { callerId: caller.id } : {}), log: this.host.logger });
  }

  private executorFor(format: Format): Executor {
    const e = this.executors.get(format);
    if (!e) throw new ValidationError(`No executor is registered for format "${format}" (available: ${[...this.executors.keys()].join(', ') || 'none'})`, 'format');
    return e;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('The orchestrator is shutting down');
  }

  private async audit_(entry: Omit<AuditEntry, 'at'>): Promise<void> {
    await this.store.appendAudit({ at: nowIso(), ...entry, detail: this.redactor.redactValue(entry.detail) });
  }

  /** The state id of a stack (stable across versions). */
  static stateIdOf(stackKey: string): string {
    return stateIdOf(stackKey);
  }
}
