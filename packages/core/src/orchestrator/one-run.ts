import type { PlanSummary, StateVersion } from '../types/domain.js';
import type { ExecutorContext, PlanAndApplyProgress, PlanAndApplyResult } from '../types/executor.js';
import { ExecutorError } from '../errors.js';
import type { JobRun } from './job-run.js';
import { completeWithoutChanges, finishApply } from './apply-job.js';
import { markOneRun } from './one-run-marker.js';
import { sameAsLastApply } from './last-apply.js';
import { errorMessage } from './util.js';

export { appliesInOneRun } from './one-run-marker.js';

const CHANGES: readonly string[] = ['apply', 'destroy', 'rollback'];

/**
 * Whether the deployment may be planned and applied in one run of its executor: its executor can, it
 * changes the stack (not a dry run), and the policy approved it in advance, so no person reviews a saved
 * plan. Wherever a person approves, the plan that was shown is saved and applied (invariant 3).
 */
export function mayApplyInOneRun(run: JobRun): boolean {
  const d = run.record;
  return typeof run.executor.planAndApply === 'function' && !d.options.dryRun && CHANGES.includes(d.operation) && d.approval?.decision === 'approved';
}

/**
 * Plans and applies in one run of the executor (one tool process where it can): the plan is stored and
 * shown as the tool reports it, the deployment moves to `applying` when the first change begins, the
 * state streams into versions as in a two-step apply, and whatever the tool left is saved at its end.
 */
export async function planAndApplyInOneRun(run: JobRun, ctx: ExecutorContext, baseVersion: number, current: StateVersion | null): Promise<void> {
  const { host } = run;
  const id = run.record.id;
  await markOneRun(host, id, baseVersion);
  // Only this path's executors choose by it (plan first when nothing is likely to change).
  if (run.record.operation === 'apply' && current) ctx.sameAsLastApply = await sameAsLastApply(host, run.record, baseVersion, ctx.variables);
  await run.lease?.renew();
  if (run.abort.signal.aborted) throw run.abort.signal.reason;

  let plan: PlanSummary | null = null;
  let applying = false;
  // Record writes, in order, beside the tool (which does not wait for them); their first failure is kept.
  let writes: Promise<void> = Promise.resolve();
  let writeError: unknown = null;
  let queued = 0;
  const then = (step: () => Promise<void>) => {
    queued++;
    writes = writes
      .then(step)
      .catch((e: unknown) => void (writeError ??= e))
      .finally(() => void queued--);
  };
  // While the plan or the `applying` status is being written, the tool's events wait behind it: a follower
  // sees the plan, then `applying`, then the first change, in the order the tool reported them.
  const emit: ExecutorContext['emit'] = (e) => (queued > 0 ? then(async () => ctx.emit(e)) : ctx.emit(e));
  const recordPlan = (summary: PlanSummary) => {
    if (plan) return;
    // A plan may carry attribute values: secrets of the run are masked in it too.
    const s = (plan = host.redactor.redactValue(summary));
    then(async () => {
      await markOneRun(host, id, baseVersion, s);
      await run.save({ plan: s });
      run.log('info', `Plan: ${s.add} to add, ${s.change} to change, ${s.destroy} to destroy`);
    });
  };
  const progress: PlanAndApplyProgress = {
    planned: recordPlan,
    applying: () => {
      if (applying) return;
      applying = true;
      then(() => run.save({ status: 'applying' }));
    },
  };

  run.log('info', `Planning and applying in one ${run.executor.name} run (approved in advance)`);
  let result: PlanAndApplyResult;
  try {
    result = await run.executor.planAndApply!({ ...ctx, emit }, progress);
  } catch (e) {
    result = { outcome: run.abort.signal.aborted ? 'cancelled' : 'failed', state: null, error: errorMessage(e), plan: null, changesBegan: false };
  }
  if (result.plan) recordPlan(result.plan);
  await writes;
  if (writeError && !result.state) throw writeError;

  if (result.outcome === 'succeeded' && plan && !(plan as PlanSummary).hasChanges) return completeWithoutChanges(run, current);
  if (result.outcome !== 'succeeded' && !result.changesBegan) {
    // Stopped before its first change: nothing to save, it ends as a failed (or cancelled) plan does.
    throw run.abort.signal.aborted ? run.abort.signal.reason : new ExecutorError(result.error ?? `${run.executor.name} failed before changing anything`);
  }
  await finishApply(run, result);
}
