import type { Deployment, StateVersion } from '../types/domain.js';
import type { ApplyResult, ExecutorContext, PlanResult, StateSnapshot } from '../types/executor.js';
import type { JobContext, PhaseJob } from '../types/job-queue.js';
import { CancelledError, ConflictError, LockLostError, NotFoundError, TimeoutError } from '../errors.js';
import type { RunHost } from './host.js';
import { JobRun } from './job-run.js';
import { finalResources } from './run-context.js';
import { saveSnapshot } from './run-endings.js';
import { errorMessage } from './util.js';

/**
 * The apply job of an approved plan: any runner may take it. It takes over the lock the deployment kept
 * while it waited (or takes the stack's lock again if an admin freed it), then applies exactly the stored
 * plan, refusing if the stack's state moved since the plan was made (invariant 3). Never run twice: a
 * stalled apply ends `failed` (interrupted), see runner.ts.
 */
export async function runApplyJob(host: RunHost, job: PhaseJob, jobCtx: JobContext): Promise<void> {
  const d = await host.store.getDeployment(job.deploymentId);
  if (!d || d.status !== 'applying' || d.approval?.decision !== 'approved' || jobCtx.attempt > 1) return;
  const run = new JobRun(host, d, jobCtx.signal);
  await run.execute(async () => {
    if (run.abort.signal.aborted) throw run.abort.signal.reason;
    const held = await host.store.getLock(d.stackKey);
    const lock =
      held && d.lock && held.lockId === d.lock.lockId
        ? await host.store.renewLock(d.stackKey, held.lockId, host.options.lockTtlMs)
        : await host.store.acquireLock({ stackKey: d.stackKey, operation: d.operation, who: d.requestedBy ?? 'orchestrator', info: `deployment ${d.id}`, ttlMs: host.options.lockTtlMs, deploymentId: d.id });
    run.hold(lock);
    await run.save({ owner: host.options.instanceId, lock: { lockId: lock.lockId, token: lock.token } });
    const stored = await host.store.getPlan(d.id);
    if (!stored) throw new NotFoundError('The approved plan is no longer stored; deploy again');
    run.timeout.arm();
    const ctx = await run.context(d.baseVersion ?? 0);
    run.log('info', `Plan approved by ${d.approval?.by ?? 'an approver'}`);
    await applyPlan(run, ctx, { summary: stored.summary, artifact: stored.artifact });
  });
}

/** Applies exactly the saved plan, on top of exactly the version it was planned from (invariant 3). */
export async function applyPlan(run: JobRun, ctx: ExecutorContext, plan: PlanResult): Promise<void> {
  const { host } = run;
  const base = run.record.baseVersion ?? 0;
  const current = await host.store.getStateVersion(run.record.stackKey);
  if ((current?.version ?? 0) !== base) {
    throw new ConflictError(`The stack's state moved from version ${base} to ${current?.version ?? 0} since this plan was made; deploy again to plan against the current state`);
  }
  await run.lease?.renew();
  if (run.abort.signal.aborted) throw run.abort.signal.reason;
  run.log('info', `Applying the saved plan (${run.record.operation})`);
  let result: ApplyResult;
  try {
    result = await run.executor.apply(ctx, plan);
  } catch (e) {
    result = { outcome: run.abort.signal.aborted ? 'cancelled' : 'failed', state: null, error: errorMessage(e) };
  }
  await finishApply(run, result);
}

/** Saves the state an apply left as the deployment's version and ends it by the apply's outcome (invariant 1). */
export async function finishApply(run: JobRun, result: ApplyResult): Promise<void> {
  const op = run.record.operation;
  const reason = result.outcome === 'succeeded' ? (op === 'destroy' ? 'destroyed' : op === 'rollback' ? 'rollback' : 'applied') : 'partial';
  const written = result.state ? await saveState(run, result.state, reason) : null;
  const patch: Partial<Deployment> = written
    ? { stateVersion: written.version, resources: finalResources(written.resources, run.progress), outputs: written.outputs }
    : { resources: [...run.progress.values()] };
  await run.save(patch);
  if (result.outcome === 'succeeded') return run.end('completed', null);
  const abortReason = run.abort.signal.reason;
  if (result.outcome === 'cancelled' && !(abortReason instanceof LockLostError) && !(abortReason instanceof TimeoutError)) {
    return run.end('cancelled', abortReason instanceof CancelledError ? abortReason.message : 'Deployment cancelled');
  }
  const message =
    result.outcome === 'timed_out' || abortReason instanceof TimeoutError
      ? run.timeout.message
      : abortReason instanceof LockLostError
        ? `Deployment stopped: ${abortReason.message}`
        : (result.error ?? `${run.executor.name} apply failed`);
  run.log('error', message);
  run.end('failed', message);
}

/** A plan with nothing to change: the deployment completes on the stack's current version. */
export async function completeWithoutChanges(run: JobRun, current: StateVersion | null): Promise<void> {
  run.log('info', 'No changes: the infrastructure matches the code');
  await run.save({ stateVersion: current?.version ?? null, resources: current?.resources ?? [], outputs: current?.outputs ?? {} });
  run.end('completed', null);
}

/** Writes the state the tool left as version base+1 under the job's lock (invariants 1 and 2). */
function saveState(run: JobRun, snap: StateSnapshot, reason: StateVersion['reason']): Promise<StateVersion | null> {
  return saveSnapshot(run.host, run.record, snap, reason, {
    lease: () => run.lease,
    relock: (lock) => run.hold(lock),
    log: (level, message) => run.log(level, message),
  });
}
