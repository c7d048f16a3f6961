import { isTerminal } from '../types/domain.js';
import type { JobContext, PhaseJob, StalledJob } from '../types/job-queue.js';
import type { RunHost } from './host.js';
import { JobRun } from './job-run.js';
import { endedWhileWaiting } from './admission.js';
import { runPlanJob } from './plan-job.js';
import { runApplyJob } from './apply-job.js';
import { detectDrift } from './run-endings.js';
import { recoverOne } from './recovery.js';
import { appliesInOneRun } from './one-run-marker.js';
import { updateDeployment } from './deployment-writes.js';
import { errorMessage, nowIso } from './util.js';
import { runScopedHost } from '../masking/run-scope.js';

/**
 * The runner: what a process that takes jobs does with each one. Everything a job needs is in the store,
 * so any runner can take any job; a job holds the stack's lease only while it works.
 */
export function runJob(serviceHost: RunHost, job: PhaseJob, ctx: JobContext): Promise<void> {
  if (job.phase === 'notify') return serviceHost.deliverNotification?.(job) ?? Promise.resolve();
  // Each job masks with its own scope on top of the service's credentials (dropped with the job).
  const host = runScopedHost(serviceHost);
  switch (job.phase) {
    case 'plan':
      return runPlanJob(host, job, ctx);
    case 'apply':
      return runApplyJob(host, job, ctx);
    case 'drift':
      return runDriftJob(host, job, ctx);
    case 'approval-timeout':
      return endApprovalWait(host, job);
  }
}

/** A drift check: reads the current state version and asks the executor; writes no state, takes no lock. */
async function runDriftJob(host: RunHost, job: PhaseJob, jobCtx: JobContext): Promise<void> {
  const d = await host.store.getDeployment(job.deploymentId);
  if (!d || d.status !== 'pending' || jobCtx.attempt > 1) return;
  const run = new JobRun(host, d, jobCtx.signal);
  await run.execute(async () => {
    if (run.abort.signal.aborted) throw run.abort.signal.reason;
    await run.save({ status: 'planning', startedAt: nowIso(), owner: host.options.instanceId });
    run.timeout.arm();
    const current = await host.store.getStateVersion(d.stackKey);
    const ctx = await run.context(current?.version ?? 0);
    const report = await detectDrift(run.executor, ctx);
    await run.save({ drift: host.redactor.redactValue(report) });
    run.log('info', report.unsupported ?? (report.drifted ? `Drift detected in ${report.resources.length} resource(s)` : 'No drift detected'));
    run.end('completed', null);
  });
}

/** The delayed job scheduled when a plan starts waiting: a plan nobody decided on in time fails. */
async function endApprovalWait(host: RunHost, job: PhaseJob): Promise<void> {
  const at = nowIso();
  const error = `Approval timed out after ${host.options.approvalTimeoutMs} ms`;
  let before = null as Awaited<ReturnType<RunHost['store']['getDeployment']>>;
  const { deployment, written } = await updateDeployment(host.store, job.deploymentId, (current) => {
    before = current;
    // A canary group's later plan, approved with its group, waits for the first target, not for a human.
    return current.status === 'awaiting_approval' && current.approval?.decision !== 'approved' ? { ...current, status: 'failed', error, lock: null, completedAt: at } : null;
  });
  if (!written || !before) return;
  await host.store.appendLogs(deployment.id, [{ timestamp: at, level: 'error', message: error, resource: null }]);
  await endedWhileWaiting(host, before, deployment, job.id);
}

/**
 * A job whose runner disappeared (reported once by the engine). A plan that had not started applying is
 * run again once, in place; anything else (an apply, a plan that reached `applying`, a second stall) is
 * never run again: the deployment ends `failed` ("interrupted") with whatever state reached the store,
 * its lock is freed and the next deployment of the stack proceeds.
 */
export async function onStalledJob(host: RunHost, { job, attempt }: StalledJob): Promise<'retry' | void> {
  // A delivery whose runner died: posted again (receivers dedupe by delivery id), twice at most.
  if (job.phase === 'notify') return attempt < 3 ? 'retry' : undefined;
  const d = await host.store.getDeployment(job.deploymentId);
  if (!d || isTerminal(d.status)) return;
  if (job.phase === 'approval-timeout') return 'retry';
  // A plan job that plans and applies in one tool run may have changed things: never run again.
  if (job.phase === 'plan' && attempt < 2 && (d.status === 'pending' || d.status === 'planning') && !(await appliesInOneRun(host, d.id))) {
    host.logger('warn', 'a plan job stalled (its runner stopped); running it again once', { deploymentId: d.id });
    return 'retry';
  }
  if (d.status === 'pending' || d.status === 'awaiting_approval') return; // nothing of it was running
  await recoverOne(host, d).catch((e) => host.logger('error', 'could not end an interrupted deployment', { deploymentId: d.id, error: errorMessage(e) }));
}

/**
 * Closes the job queue: running jobs may finish within `graceMs`, then they are cancelled and get 30 s to
 * save what their tool left. Bounded either way: a queue whose backend is gone must not keep the process
 * from stopping.
 */
export async function closeQueue(host: RunHost, graceMs: number): Promise<void> {
  const closed = host.queue.close({ graceMs }).then(
    () => true,
    (e) => void host.logger('warn', 'the job queue did not close cleanly', { error: errorMessage(e) }),
  );
  const late = new Promise<false>((r) => setTimeout(() => r(false), Math.min(graceMs + 30_000, 2 ** 31 - 1)).unref());
  if ((await Promise.race([closed, late])) === false) host.logger('warn', 'the job queue did not close in time; stopping anyway', { graceMs });
}
