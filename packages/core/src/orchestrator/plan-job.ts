import type { Lock } from '../types/domain.js';
import type { JobContext, PhaseJob } from '../types/job-queue.js';
import { StateLockedError } from '../errors.js';
import type { RunHost } from './host.js';
import { JobRun, publicLock } from './job-run.js';
import { approvalTimeoutJob, firstJob, lockWaitJob, olderPendingExists } from './admission.js';
import { applyPlan, completeWithoutChanges } from './apply-job.js';
import { planMayStart } from './groups/members.js';
import { appliesInOneRun, mayApplyInOneRun, planAndApplyInOneRun } from './one-run.js';
import { nowIso } from './util.js';

/** How often a deployment waiting on a manual lock looks again (an unlock through the API admits it at once). */
const LOCK_RECHECK_MS = 5000;

/**
 * The plan job of a deployment (apply, destroy, rollback, dry run): waits for nothing. If the stack is
 * held (by an earlier deployment, or a manual lock) it ends at once and the deployment stays `pending`
 * until its turn comes. Otherwise it takes the stack's lock, plans, stores the plan, and then ends the
 * deployment (dry run, no changes), applies at once (approved in advance by the policy), or parks it in
 * `awaiting_approval`: the lock stays with the deployment, no job or slot is held.
 */
export async function runPlanJob(host: RunHost, job: PhaseJob, jobCtx: JobContext): Promise<void> {
  const d = await host.store.getDeployment(job.deploymentId);
  // A retried plan (its first runner died mid-plan) finds its deployment `planning`; anything else has moved on.
  if (!d || !(d.status === 'pending' || (d.status === 'planning' && jobCtx.attempt > 1))) return;
  // A run that plans and applies in one tool process may have changed things: it is never run again.
  if (d.status === 'planning' && (await appliesInOneRun(host, d.id))) return;
  if (job.group === null) return void (await host.queue.enqueue(firstJob(d), { rerunIfActive: true })); // a lock-wait wake-up
  if (d.status === 'pending' && !d.cancelRequestedAt && (await olderPendingExists(host, d))) return;
  if (d.status === 'pending' && !(await planMayStart(host, d))) return; // a canary group's later target: started when the first completes
  const run = new JobRun(host, d, jobCtx.signal);
  await run.execute(async () => {
    if (run.abort.signal.aborted) throw run.abort.signal.reason;
    const lock = await takeTurn(run);
    if (!lock) return void (run.parked = true);
    run.hold(lock);
    const current = await host.store.getStateVersion(d.stackKey);
    const baseVersion = current?.version ?? 0;
    await run.save({ status: 'planning', baseVersion, startedAt: run.record.startedAt ?? nowIso(), owner: host.options.instanceId, lock: { lockId: lock.lockId, token: lock.token } });
    run.timeout.arm();
    const ctx = await run.context(baseVersion);
    run.log('info', `Planning ${d.operation} of ${d.stackKey} from state version ${baseVersion}`);
    if (mayApplyInOneRun(run)) return planAndApplyInOneRun(run, ctx, baseVersion, current);
    const plan = await run.executor.plan(ctx);
    // A plan may carry attribute values (an update's before/after): secrets of the run are masked in it too.
    const s = host.redactor.redactValue(plan.summary);
    await host.store.putPlan({ deploymentId: d.id, baseVersion, summary: s, artifact: plan.artifact, createdAt: nowIso() });
    await run.save({ plan: s });
    run.log('info', `Plan: ${s.add} to add, ${s.change} to change, ${s.destroy} to destroy`);
    if (d.options.dryRun) return run.end('planned', null);
    if (!s.hasChanges) return completeWithoutChanges(run, current);
    if (run.record.approval?.decision === 'approved') {
      await run.save({ status: 'applying' });
      return applyPlan(run, ctx, plan);
    }
    await awaitApproval(run);
  });
}

/**
 * Takes the stack's lock for the deployment, or returns null when it must wait: behind another deployment
 * of the stack (it is admitted again when that one ends), or behind a manual lock (looked at again every
 * few seconds, up to `lockWaitMs` after the deployment was asked for; then it fails naming the holder).
 */
async function takeTurn(run: JobRun): Promise<Lock | null> {
  const { host, record: d } = run;
  // A retried plan takes over the lock its dead runner left, while that is still there.
  if (d.lock) {
    const held = await host.store.getLock(d.stackKey);
    if (held?.lockId === d.lock.lockId) return host.store.renewLock(d.stackKey, held.lockId, host.options.lockTtlMs);
  }
  try {
    return await host.store.acquireLock({ stackKey: d.stackKey, operation: d.operation, who: d.requestedBy ?? 'orchestrator', info: `deployment ${d.id}`, ttlMs: host.options.lockTtlMs, deploymentId: d.id });
  } catch (e) {
    if (!(e instanceof StateLockedError)) throw e;
    const holder = (e.lock as Lock | null | undefined) ?? null;
    host.events.emit('lockContention', { deploymentId: d.id, stackKey: d.stackKey, holder: holder ? publicLock(holder) : null });
    if (holder?.deploymentId) {
      run.log('info', `Waiting for deployment ${holder.deploymentId} of this stack to end`);
      return null;
    }
    const waited = Date.now() - Date.parse(d.createdAt);
    if (waited >= host.options.lockWaitMs) throw e;
    if (holder) run.log('info', `Waiting for the stack lock held by ${holder.who} (${holder.operation})`);
    await host.queue.enqueue(lockWaitJob(d), { delayMs: Math.max(1, Math.min(LOCK_RECHECK_MS, host.options.lockWaitMs - waited)) });
    return null;
  }
}

/** Parks the deployment: the lock's lease is stretched past the approval timeout (see docs/adr), nothing runs. */
async function awaitApproval(run: JobRun): Promise<void> {
  const { host } = run;
  run.timeout.disarm();
  const lease = run.lease!;
  lease.stop();
  const lock = await host.store.renewLock(run.record.stackKey, lease.lockId, host.options.approvalTimeoutMs + host.options.lockTtlMs);
  await run.save({ status: 'awaiting_approval', lock: { lockId: lock.lockId, token: lock.token } });
  // A cancel asked while the plan ran, that the job's signal did not reach in time.
  if (run.abort.signal.aborted) throw run.abort.signal.reason;
  await host.queue.enqueue(approvalTimeoutJob(run.record), { delayMs: host.options.approvalTimeoutMs });
  run.parked = true;
  run.log('info', 'Plan saved; waiting for approval');
}
