import type { Deployment, DeploymentStatus, Lock, LogLevel, Resource, StateVersion } from '../types/domain.js';
import type { ApplyResult, Executor, ExecutorContext, ExecutorEvent, PlanResult, StateSnapshot } from '../types/executor.js';
import { CancelledError, ConflictError, LockLostError, NotFoundError, StateLockedError, TimeoutError } from '../errors.js';
import type { Caller } from './inputs.js';
import type { RunHost } from './host.js';
import { acquireStackLock, StackLease } from './lease.js';
import { buildExecutorContext, finalResources, removeWorkDir } from './run-context.js';
import { deferred, errorMessage, nowIso } from './util.js';
import { detectDrift, markRolledBack, saveSnapshot } from './run-endings.js';
import { updateDeployment } from './deployment-writes.js';
import { DeploymentLog } from './run-log.js';
import { MAX_TIMER_MS, RunTimeout } from './run-timeout.js';

type Decision = 'approved' | 'rejected' | 'cancelled' | 'timeout' | 'detached';

/**
 * One deployment being run by this process: pending → planning → [awaiting_approval →] applying → end.
 * `mode: 'approved'` resumes a plan approved here but made by another process (or before a restart).
 */
export class DeploymentRun {
  readonly abort = new AbortController();
  readonly done: Promise<void>;
  private lease: StackLease | null = null;
  private decision = deferred<Decision>();
  private detached = false;
  private readonly logs: DeploymentLog;
  private readonly timeout: RunTimeout;
  private pollTimer: NodeJS.Timeout | null = null;
  private readonly progress = new Map<string, Resource>();
  private readonly executor: Executor;
  private final: { status: DeploymentStatus; error: string | null } | null = null;

  constructor(
    private readonly host: RunHost,
    public record: Deployment,
    private readonly caller: Caller | null,
    private readonly mode: 'full' | 'approved',
  ) {
    this.executor = host.executorFor(record.format);
    this.logs = new DeploymentLog(host, record.id);
    this.timeout = new RunTimeout(Math.min(record.options.timeoutMs ?? Infinity, host.options.maxDeploymentTimeoutMs), (err) => {
      if (!this.abort.signal.aborted) this.abort.abort(err);
    });
    this.done = this.execute();
  }

  get id(): string {
    return this.record.id;
  }

  /** Cancel in any non-terminal status; the executor sees the abort and the run saves what was left. */
  cancel(): void {
    if (!this.abort.signal.aborted) this.abort.abort(new CancelledError());
    this.decision.resolve('cancelled');
  }

  /** Approve or reject the plan this run is waiting on. */
  async decide(decision: 'approved' | 'rejected', by: string | null, comment: string | null): Promise<void> {
    await this.save({ approval: { decision, by, at: nowIso(), comment }, ...(decision === 'approved' ? { status: 'applying' as const } : {}) });
    this.decision.resolve(decision);
  }

  /** Stops following a deployment another process took over (or that waits for approval at shutdown). */
  detach(): void {
    this.detached = true;
    this.decision.resolve('detached');
  }

  get status(): DeploymentStatus {
    return this.record.status;
  }

  private async execute(): Promise<void> {
    let releaseSlot: (() => void) | null = null;
    let ctx: ExecutorContext | null = null;
    let end: 'completed' | 'failed' | 'cancelled' = 'failed';
    this.startPolling();
    try {
      releaseSlot = await this.host.semaphore.acquire(this.abort.signal);
      if (this.record.operation === 'drift') {
        await this.save({ status: 'planning', startedAt: nowIso(), owner: this.host.options.instanceId });
        this.timeout.arm();
        const current = await this.host.store.getStateVersion(this.record.stackKey);
        ctx = await this.context(current?.version ?? 0);
        end = await this.drift(ctx);
        return;
      }
      let plan: PlanResult;
      if (this.mode === 'full') {
        await this.takeLock();
        const current = await this.host.store.getStateVersion(this.record.stackKey);
        const baseVersion = current?.version ?? 0;
        await this.save({ status: 'planning', baseVersion, startedAt: nowIso() });
        this.timeout.arm();
        ctx = await this.context(baseVersion);
        this.log('info', `Planning ${this.record.operation} of ${this.record.stackKey} from state version ${baseVersion}`);
        plan = await this.executor.plan(ctx);
        // A plan may carry attribute values (an update's before/after): secrets of the run are masked in it too.
        const s = this.host.redactor.redactValue(plan.summary);
        await this.host.store.putPlan({ deploymentId: this.id, baseVersion, summary: s, artifact: plan.artifact, createdAt: nowIso() });
        await this.save({ plan: s });
        this.log('info', `Plan: ${s.add} to add, ${s.change} to change, ${s.destroy} to destroy`);
        if (this.record.options.dryRun) {
          await this.finish('planned', null);
          end = 'completed';
          return;
        }
        if (!s.hasChanges) {
          end = await this.completeWithoutChanges(current);
          return;
        }
        if (!(await this.approved())) return void (end = 'cancelled');
      } else {
        ctx = await this.resumeApproved();
        const stored = await this.host.store.getPlan(this.id);
        if (!stored) throw new NotFoundError('The approved plan is no longer stored; deploy again');
        plan = { summary: stored.summary, artifact: stored.artifact };
        this.timeout.arm();
      }
      end = await this.apply(ctx, plan);
    } catch (e) {
      end = await this.fail(e);
    } finally {
      await this.teardown(ctx, end, releaseSlot);
    }
  }

  /** Waits in `pending` for the stack's lock; the lease is renewed for the whole run. */
  private async takeLock(): Promise<void> {
    const lock = await acquireStackLock(
      this.host.store,
      { stackKey: this.record.stackKey, operation: this.record.operation, who: this.record.requestedBy ?? 'orchestrator', info: `deployment ${this.id}`, ttlMs: this.host.options.lockTtlMs, deploymentId: this.id },
      this.host.options.lockWaitMs,
      this.abort.signal,
      (holder) => {
        this.host.events.emit('lockContention', { deploymentId: this.id, stackKey: this.record.stackKey, holder: holder ? publicLock(holder) : null });
        if (holder) this.log('info', `Waiting for the stack lock held by ${holder.who} (${holder.operation})`);
      },
    );
    this.holdLease(lock);
    await this.save({ lock: { lockId: lock.lockId, token: lock.token }, owner: this.host.options.instanceId });
  }

  private holdLease(lock: Lock): void {
    this.lease = new StackLease(this.host.store, lock, this.host.options.lockTtlMs, (err) => {
      if (this.record.status === 'awaiting_approval') {
        // Nothing runs while a plan waits: take the lock again on approval, and refuse then if the stack moved.
        this.log('warn', `Stack lock lost while waiting for approval (${err.message}); it will be taken again on approval`);
        this.lease = null;
        return;
      }
      this.log('error', `Stack lock lost: ${err.message}; stopping`);
      if (!this.abort.signal.aborted) this.abort.abort(err);
      this.decision.resolve('cancelled');
    });
    this.lease.start();
  }

  /** For a plan approved in a process that did not make it: take (or adopt) the lock, rebuild the context. */
  private async resumeApproved(): Promise<ExecutorContext> {
    const held = await this.host.store.getLock(this.record.stackKey);
    if (held && this.record.lock && held.lockId === this.record.lock.lockId) this.holdLease(held);
    else await this.takeLockNoWait();
    await this.save({ owner: this.host.options.instanceId, status: 'applying' });
    return this.context(this.record.baseVersion ?? 0);
  }

  private async takeLockNoWait(): Promise<void> {
    const lock = await this.host.store.acquireLock({ stackKey: this.record.stackKey, operation: this.record.operation, who: this.record.requestedBy ?? 'orchestrator', info: `deployment ${this.id}`, ttlMs: this.host.options.lockTtlMs, deploymentId: this.id });
    this.holdLease(lock);
    await this.save({ lock: { lockId: lock.lockId, token: lock.token } });
  }

  private context(baseVersion: number): Promise<ExecutorContext> {
    return buildExecutorContext(this.host, this.executor, this.record, baseVersion, this.abort.signal, (e) => this.onExecutorEvent(e), { lease: () => this.lease, log: (l, m) => this.log(l, m) });
  }

  /** Applies per policy, or waits for a human. Returns false when the plan was rejected or cancelled. */
  private async approved(): Promise<boolean> {
    const policy = this.host.options.approvalPolicy({ environment: this.record.environment, autoApprove: this.record.options.autoApprove, caller: this.caller, operation: this.record.operation });
    if (policy === 'auto') {
      await this.save({ status: 'applying', approval: { decision: 'approved', by: this.caller?.id ?? null, at: nowIso(), comment: 'auto-approved' } });
      return true;
    }
    this.timeout.disarm();
    await this.save({ status: 'awaiting_approval' });
    this.log('info', 'Plan saved; waiting for approval');
    const t = setTimeout(() => this.decision.resolve('timeout'), Math.min(this.host.options.approvalTimeoutMs, MAX_TIMER_MS));
    t.unref();
    const decision = await this.decision.promise;
    clearTimeout(t);
    if (decision === 'approved') {
      if (!this.lease) await this.takeLockNoWait();
      this.timeout.arm();
      this.log('info', `Plan approved by ${this.record.approval?.by ?? 'an approver'}`);
      return true;
    }
    if (decision === 'detached') return false;
    if (decision === 'timeout') throw new TimeoutError(`Approval timed out after ${this.host.options.approvalTimeoutMs} ms`);
    if (decision === 'rejected') {
      const a = this.record.approval;
      await this.finish('cancelled', `Plan rejected by ${a?.by ?? 'an approver'}${a?.comment ? `: ${a.comment}` : ''}`);
      return false;
    }
    throw (this.abort.signal.reason as Error) ?? new CancelledError();
  }

  /** Applies exactly the saved plan, on top of exactly the version it was planned from (invariant 3). */
  private async apply(ctx: ExecutorContext, plan: PlanResult): Promise<'completed' | 'failed' | 'cancelled'> {
    const base = this.record.baseVersion ?? 0;
    const current = await this.host.store.getStateVersion(this.record.stackKey);
    if ((current?.version ?? 0) !== base) {
      throw new ConflictError(`The stack's state moved from version ${base} to ${current?.version ?? 0} since this plan was made; deploy again to plan against the current state`);
    }
    await this.lease?.renew();
    if (this.record.status !== 'applying') await this.save({ status: 'applying' });
    this.log('info', `Applying the saved plan (${this.record.operation})`);
    let result: ApplyResult;
    try {
      result = await this.executor.apply(ctx, plan);
    } catch (e) {
      result = { outcome: this.abort.signal.aborted ? 'cancelled' : 'failed', state: null, error: errorMessage(e) };
    }
    const reason = result.outcome === 'succeeded' ? (this.record.operation === 'destroy' ? 'destroyed' : this.record.operation === 'rollback' ? 'rollback' : 'applied') : 'partial';
    const written = result.state ? await this.saveState(result.state, reason) : null;
    const patch: Partial<Deployment> = written
      ? { stateVersion: written.version, resources: finalResources(written.resources, this.progress), outputs: written.outputs }
      : { resources: [...this.progress.values()] };
    await this.save(patch);
    if (result.outcome === 'succeeded') {
      await this.finish('completed', null);
      return 'completed';
    }
    const abortReason = this.abort.signal.reason;
    if (result.outcome === 'cancelled' && !(abortReason instanceof LockLostError)) {
      await this.finish('cancelled', 'Deployment cancelled');
      return 'cancelled';
    }
    const message =
      result.outcome === 'timed_out' || abortReason instanceof TimeoutError
        ? this.timeout.message
        : abortReason instanceof LockLostError
          ? `Deployment stopped: ${abortReason.message}`
          : (result.error ?? `${this.executor.name} apply failed`);
    await this.finish('failed', message);
    return 'failed';
  }

  /** Writes the state the tool left as version base+1 under our lock (invariants 1 and 2). */
  private saveState(snap: StateSnapshot, reason: StateVersion['reason']): Promise<StateVersion | null> {
    return saveSnapshot(this.host, this.record, snap, reason, {
      lease: () => this.lease,
      relock: (lock) => {
        this.lease?.stop();
        this.holdLease(lock);
      },
      log: (level, message) => this.log(level, message),
    });
  }

  private async completeWithoutChanges(current: StateVersion | null): Promise<'completed'> {
    this.log('info', 'No changes: the infrastructure matches the code');
    await this.save({ stateVersion: current?.version ?? null, resources: current?.resources ?? [], outputs: current?.outputs ?? {} });
    await this.finish('completed', null);
    return 'completed';
  }

  private async drift(ctx: ExecutorContext): Promise<'completed'> {
    const report = await detectDrift(this.executor, ctx);
    await this.save({ drift: this.host.redactor.redactValue(report) });
    this.log('info', report.unsupported ?? (report.drifted ? `Drift detected in ${report.resources.length} resource(s)` : 'No drift detected'));
    await this.finish('completed', null);
    return 'completed';
  }

  private async fail(e: unknown): Promise<'failed' | 'cancelled'> {
    if (this.detached) return 'cancelled';
    const reason = this.abort.signal.reason;
    if (e instanceof CancelledError || (reason instanceof CancelledError && this.abort.signal.aborted && !(e instanceof TimeoutError))) {
      await this.finish('cancelled', 'Deployment cancelled').catch(() => undefined);
      return 'cancelled';
    }
    const message =
      e instanceof TimeoutError || reason instanceof TimeoutError
        ? e instanceof TimeoutError && e.message.startsWith('Approval')
          ? e.message
          : this.timeout.message
        : e instanceof StateLockedError && e.lock
          ? `State is already locked by ${String(e.lock.who)} (${String(e.lock.operation)}, lock ${String(e.lock.lockId)})`
          : errorMessage(e);
    this.log('error', message);
    await this.finish('failed', message);
    return 'failed';
  }

  /** Records how the run ends; published in teardown, after cleanup and just before the lock is released. */
  private async finish(status: DeploymentStatus, error: string | null): Promise<void> {
    this.final = { status, error: error === null ? null : this.host.redactor.redact(error) };
  }

  private async teardown(ctx: ExecutorContext | null, end: 'completed' | 'failed' | 'cancelled', releaseSlot: (() => void) | null): Promise<void> {
    this.timeout.disarm();
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (!this.detached) {
      if (ctx) await this.executor.cleanup?.(ctx, end).catch(() => undefined);
      if (ctx && !this.host.options.keepWorkDirs) await removeWorkDir(ctx.workDir);
      // The saved plan can hold secrets (a tfplan carries variable values): it goes with the deployment.
      await this.host.store.deletePlan(this.id).catch(() => undefined);
      // The end is recorded while the lock is still held, then the lock goes: a process that finds this
      // deployment non-terminal with its lock gone can trust that its owner is dead (recovery).
      if (this.final) {
        await this.save({ ...this.final, lock: null, completedAt: nowIso() }).catch((e) => this.host.logger('error', 'could not record the end of a deployment', { deploymentId: this.id, error: errorMessage(e) }));
      } else if (this.record.lock) await this.save({ lock: null }).catch(() => undefined);
      await this.lease?.release();
      if (this.final?.status === 'completed') await markRolledBack(this.host, this.record).catch(() => undefined);
    } else {
      this.lease?.stop();
      if (ctx && !this.host.options.keepWorkDirs) await removeWorkDir(ctx.workDir);
    }
    releaseSlot?.();
    await this.logs.drained();
    this.host.runEnded(this.id);
  }

  /** Sees a cancel asked in another process, or an approval/cancel that another process acted on. */
  private startPolling(): void {
    this.pollTimer = setInterval(() => {
      void this.host.store.getDeployment(this.id).then((d) => {
        if (!d) return;
        if (d.cancelRequestedAt && !this.abort.signal.aborted) {
          this.record.cancelRequestedAt = d.cancelRequestedAt;
          this.cancel();
        } else if (this.record.status === 'awaiting_approval' && d.status !== 'awaiting_approval') {
          this.record = d; // approved, rejected or cancelled by another process, which now runs it
          this.detach();
        }
      }, () => undefined);
    }, this.host.options.cancelPollMs);
    this.pollTimer.unref();
  }

  private onExecutorEvent(e: ExecutorEvent): void {
    if (e.type === 'log') return this.log(e.level, e.message, e.resource ?? null);
    const prev = this.progress.get(e.id);
    this.progress.set(e.id, { id: e.id, type: e.resourceType ?? prev?.type ?? '', name: e.name ?? prev?.name ?? e.id, status: e.status, attributes: {}, dependencies: [] });
    this.host.events.emit('resource', { deploymentId: this.id, id: e.id, resourceType: e.resourceType, name: e.name, status: e.status });
    if (e.message) this.log(e.status === 'failed' ? 'error' : 'info', e.message, e.id);
  }

  log(level: LogLevel, message: string, resource: string | null = null): void {
    this.logs.write(level, message, resource);
  }

  /** Persists a change on top of the stored record (compare-and-set), so what another process wrote
   * meanwhile (a cancel request) stays. A record another process has taken over (approved it there) is
   * not written: this run lets go of it instead. */
  private async save(patch: Partial<Deployment>): Promise<void> {
    const previous = this.record.status;
    const me = this.host.options.instanceId;
    const { deployment, written } = await updateDeployment(this.host.store, this.id, (current) =>
      current.owner && current.owner !== me && this.record.owner === me ? null : { ...current, ...patch },
    );
    if (!written) {
      this.record = deployment;
      this.detach();
      return;
    }
    this.record = deployment;
    if (this.record.status !== previous) {
      this.host.events.emit('status', { deploymentId: this.id, status: this.record.status, previous, deployment: this.host.redactor.redactValue(this.record) });
    }
  }
}

export function publicLock<T extends { token: number }>(lock: T): Omit<T, 'token'> {
  const { token: _token, ...rest } = lock;
  return rest;
}
