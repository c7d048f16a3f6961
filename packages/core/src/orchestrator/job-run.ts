import type { Deployment, DeploymentStatus, Lock, LogLevel, Resource } from '../types/domain.js';
import { isTerminal } from '../types/domain.js';
import type { Executor, ExecutorContext, ExecutorEvent } from '../types/executor.js';
import type { JobAbortReason } from '../types/job-queue.js';
import { CancelledError, LockLostError, StateLockedError, TimeoutError } from '../errors.js';
import type { RunHost } from './host.js';
import { StackLease } from './lease.js';
import { buildExecutorContext, removeWorkDir } from './run-context.js';
import { errorMessage, nowIso } from './util.js';
import { updateDeployment } from './deployment-writes.js';
import { DeploymentLog } from './run-log.js';
import { RunTimeout } from './run-timeout.js';
import { markRolledBack } from './run-endings.js';
import { admitNext } from './admission.js';
import { groupMemberEnded } from './groups/progress.js';

export type RunEnd = 'completed' | 'failed' | 'cancelled';

/** Thrown inside a job when its deployment was ended by someone else (recovery, a cancel of a waiting plan):
 * the job lets go without writing anything more. */
export class DeploymentEndedElsewhere extends Error {}

/**
 * One job of one deployment being run by this process (a plan job, an apply job, a drift check): the
 * record it keeps writing by compare-and-set, its log, its stack lease, its time budget and the abort
 * that the job's signal (a cancel from any process, the runner shutting down), the time budget or a lost
 * lease trigger. How the job ends is recorded in {@link JobRun.end} and written in {@link JobRun.teardown}.
 */
export class JobRun {
  readonly abort = new AbortController();
  readonly executor: Executor;
  readonly timeout: RunTimeout;
  readonly progress = new Map<string, Resource>();
  lease: StackLease | null = null;
  ctx: ExecutorContext | null = null;
  /** Set when the deployment waits (for approval, or for its turn): the lock and the plan stay. */
  parked = false;
  private ended = false;
  private final: { status: DeploymentStatus; error: string | null } | null = null;
  private previousStatus: DeploymentStatus | null = null;
  private readonly logs: DeploymentLog;

  constructor(
    readonly host: RunHost,
    public record: Deployment,
    jobSignal: AbortSignal,
  ) {
    this.executor = host.executorFor(record.format);
    this.logs = new DeploymentLog(host, record.id);
    this.timeout = new RunTimeout(Math.min(record.options.timeoutMs ?? Infinity, host.options.maxDeploymentTimeoutMs), (err) => this.stop(err));
    const onJobAbort = () => {
      const reason = jobSignal.reason as JobAbortReason | undefined;
      this.stop(new CancelledError(reason === 'shutdown' ? 'Deployment cancelled: the runner shut down' : 'Deployment cancelled'));
    };
    if (jobSignal.aborted) onJobAbort();
    else jobSignal.addEventListener('abort', onJobAbort, { once: true });
    if (record.cancelRequestedAt) this.stop(new CancelledError('Deployment cancelled'));
  }

  get id(): string {
    return this.record.id;
  }

  /** Aborts the executor (once) with `reason`. */
  stop(reason: Error): void {
    if (!this.abort.signal.aborted) this.abort.abort(reason);
  }

  /** Runs the job's body; a throw fails (or cancels) the deployment; the end is written in teardown. */
  async execute(body: () => Promise<void>): Promise<void> {
    this.host.runs.set(this.id, this);
    try {
      await body();
    } catch (e) {
      await this.fail(e);
    } finally {
      await this.teardown();
    }
  }

  /** Holds `lock` as this job's lease, renewed every third of the TTL; a lost lease stops the executor. */
  hold(lock: Lock): void {
    this.lease?.stop();
    this.lease = new StackLease(this.host.store, lock, this.host.options.lockTtlMs, (err) => {
      this.log('error', `Stack lock lost: ${err.message}; stopping`);
      this.stop(err);
    });
    this.lease.start();
  }

  context(baseVersion: number): Promise<ExecutorContext> {
    return buildExecutorContext(this.host, this.executor, this.record, baseVersion, this.abort.signal, (e) => this.onExecutorEvent(e), {
      lease: () => this.lease,
      log: (l, m) => this.log(l, m),
    }).then((ctx) => (this.ctx = ctx));
  }

  /** Records how the deployment ends; written (with the lock freed) in teardown. */
  end(status: DeploymentStatus, error: string | null): void {
    // An executor's error may be a summary it cut to a length, possibly inside a secret.
    this.final = { status, error: error === null ? null : this.host.redactor.redactTruncated(error) };
  }

  async fail(e: unknown): Promise<void> {
    if (e instanceof DeploymentEndedElsewhere) {
      this.ended = true;
      return;
    }
    const reason = this.abort.signal.reason;
    if (e instanceof CancelledError || (reason instanceof CancelledError && this.abort.signal.aborted && !(e instanceof TimeoutError))) {
      this.end('cancelled', (reason as Error | undefined)?.message ?? 'Deployment cancelled');
      return;
    }
    const message =
      e instanceof TimeoutError || reason instanceof TimeoutError
        ? e instanceof TimeoutError && e.message.startsWith('Approval')
          ? e.message
          : this.timeout.message
        : e instanceof StateLockedError && e.lock
          ? `State is already locked by ${String(e.lock.who)} (${String(e.lock.operation)}, lock ${String(e.lock.lockId)})`
          : reason instanceof LockLostError && this.abort.signal.aborted
            ? `Deployment stopped: ${reason.message}`
            : errorMessage(e);
    this.log('error', message);
    this.end('failed', message);
  }

  /**
   * Cleans up; then, unless the deployment waits (parked), writes its end while the lock is still held
   * and frees the lock: a process that finds a non-terminal deployment whose lock is gone can trust that
   * its runner is dead (recovery). The next deployment of the stack is admitted after that.
   */
  private async teardown(): Promise<void> {
    this.timeout.disarm();
    const end: RunEnd = this.final?.status === 'completed' || this.final?.status === 'planned' ? 'completed' : this.final?.status === 'cancelled' ? 'cancelled' : 'failed';
    if (this.parked) {
      this.lease?.stop();
    } else if (!this.ended) {
      if (this.ctx) await this.executor.cleanup?.(this.ctx, end).catch(() => undefined);
      if (this.ctx && !this.host.options.keepWorkDirs) await removeWorkDir(this.ctx.workDir);
      // The saved plan can hold secrets (a tfplan carries variable values): it goes with the deployment.
      await this.host.store.deletePlan(this.id).catch(() => undefined);
      if (this.final) {
        await this.save({ ...this.final, lock: null, completedAt: nowIso() }, { emit: false }).catch((e) =>
          this.host.logger('error', 'could not record the end of a deployment', { deploymentId: this.id, error: errorMessage(e) }),
        );
      }
      await this.lease?.release();
      // Emitted once the lock is free: a listener that reads the state on `completed` sees it unlocked.
      if (this.final && this.record.status === this.final.status) this.emitStatus(this.previousStatus);
      if (this.final?.status === 'completed') await markRolledBack(this.host, this.record).catch(() => undefined);
      if (this.final) await admitNext(this.host, this.record.stackKey).catch((e) => this.host.logger('warn', 'could not admit the next deployment', { stackKey: this.record.stackKey, error: errorMessage(e) }));
      if (this.final) await groupMemberEnded(this.host, this.record).catch((e) => this.host.logger('warn', 'could not move its deployment group on', { deploymentId: this.id, error: errorMessage(e) }));
    } else {
      // Ended elsewhere (cancelled while this job was starting, or recovered): the lock this job took is
      // still its own to free, and the stack's line moves on.
      if (this.ctx && !this.host.options.keepWorkDirs) await removeWorkDir(this.ctx.workDir);
      if (this.lease) {
        await this.lease.release();
        await admitNext(this.host, this.record.stackKey).catch(() => null);
      }
    }
    await this.logs.drained();
    this.host.runs.delete(this.id);
  }

  /** Persists a change on top of the stored record (compare-and-set), so what another process wrote
   * meanwhile (a cancel request) stays. A record someone else ended is not written: the job lets go. */
  async save(patch: Partial<Deployment>, opts: { emit?: boolean } = {}): Promise<void> {
    const previous = this.record.status;
    const { deployment, written } = await updateDeployment(this.host.store, this.id, (current) => (isTerminal(current.status) ? null : { ...current, ...patch }));
    this.record = deployment;
    if (!written) {
      this.stop(new CancelledError('Deployment ended elsewhere'));
      throw new DeploymentEndedElsewhere(`Deployment ${this.id} is already ${deployment.status}`);
    }
    if (deployment.cancelRequestedAt) this.stop(new CancelledError('Deployment cancelled'));
    if (deployment.status !== previous) {
      this.previousStatus = previous;
      if (opts.emit !== false) this.emitStatus(previous);
    }
  }

  private emitStatus(previous: DeploymentStatus | null): void {
    this.host.events.emit('status', { deploymentId: this.id, status: this.record.status, previous, deployment: this.host.redactor.redactValue(this.record) });
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
}

export function publicLock<T extends { token: number }>(lock: T): Omit<T, 'token'> {
  const { token: _token, ...rest } = lock;
  return rest;
}
