import { TimeoutError, type ApplyResult, type Executor, type ExecutorContext, type PlanAndApplyProgress, type PlanAndApplyResult, type PlanResult, type PlanSummary } from '@iac-orchestrator/core';
import { buildAutoApplyArgs } from './commands/auto-apply.js';
import { summariseStreamedPlan } from './plan-summary.js';
import { abortError, stderrSummary, type TerraformSession } from './session.js';
import { normaliseState, type TfState } from './state.js';
import { StreamInterpreter } from './stream.js';
import { writeVariables } from './workdir.js';

/** How an apply that was stopped by `ctx.signal` ends: timed out, or cancelled. */
export function stoppedOutcome(ctx: ExecutorContext): Pick<ApplyResult, 'outcome' | 'error'> {
  const timedOut = ctx.signal.reason instanceof TimeoutError;
  return { outcome: timedOut ? 'timed_out' : 'cancelled', error: timedOut ? 'Terraform apply timed out and was stopped' : 'Terraform apply was cancelled' };
}

/**
 * Plans and applies in one `terraform apply -json -auto-approve` process, in a session not yet opened.
 * The plan is read from the stream (`planned_change`, `change_summary`, the plan's `outputs`) and
 * reported before the first change begins; every state Terraform persists while it changes things goes
 * to `ctx.persistState`, except the final one, which is returned. Never throws.
 *
 * `marks` are the sensitivity marks to mask states with: `{}` where the CLI records the provider schema's
 * sensitivity in the state itself (Terraform ≥ 1.11); the caller uses the two-step path otherwise.
 */
export async function planAndApplyIn(s: TerraformSession, ctx: ExecutorContext, progress: PlanAndApplyProgress, marks: Record<string, unknown>): Promise<PlanAndApplyResult> {
  let plan: PlanSummary | null = null;
  const reportPlan = (): void => {
    if (plan || !stream.planComplete) return;
    plan = summariseStreamedPlan(stream.planned, stream.outputActions);
    progress.planned(plan);
  };
  const stream = new StreamInterpreter(
    (e) => ctx.emit(e),
    () => {
      reportPlan();
      progress.applying();
    },
  );
  const changed = (): boolean => stream.changing;
  try {
    // Intermediate states become versions at once, except the one Terraform writes when every planned
    // change is done: that is this run's result, saved by the orchestrator as its own version.
    const allDone = () =>
      plan === null ||
      (plan as PlanSummary).resources.filter((r) => r.action !== 'no-op' && r.action !== 'read').every((r) => ['created', 'updated', 'deleted', 'failed'].includes(stream.statuses.get(r.id) ?? ''));
    const persist = ctx.persistState;
    await s.open(persist ? async (raw: TfState) => (allDone() ? undefined : persist(normaliseState({ raw, sensitive: marks, statuses: stream.statuses, secret: (v) => ctx.secret(v) }))) : undefined);
    await s.prepare();
    const varFile = await writeVariables(s.layout, ctx.variables);
    if (ctx.signal.aborted) throw abortError(ctx.signal);
    ctx.emit({ type: 'log', level: 'info', message: `Planning and applying (${ctx.operation}) in one terraform run`, resource: null });
    const args = buildAutoApplyArgs({ destroy: ctx.operation === 'destroy', parallelism: ctx.parallelism, ...(varFile ? { varFiles: [varFile] } : {}) });
    const r = await s.exec(args, { onLine: stream.line, verifiesProviders: true });
    // A plan with nothing to change (or only outputs) reaches its end without a first change.
    reportPlan();
    const state = changed() || r.exitCode === 0 ? await s.readState(stream.statuses, marks) : null;
    const ended = { state, plan, changesBegan: changed() };
    if (r.interrupted) return { ...stoppedOutcome(ctx), ...ended };
    if (r.exitCode !== 0) return { outcome: 'failed', ...ended, error: `Terraform apply failed: ${stream.errorSummary() ?? stderrSummary(r.stderr)}` };
    return { outcome: 'succeeded', ...ended };
  } catch (e) {
    const state = changed() ? await s.readState(stream.statuses, marks) : null;
    const ended = { state, plan, changesBegan: changed() };
    if (ctx.signal.aborted) return { ...stoppedOutcome(ctx), ...ended };
    return { outcome: 'failed', ...ended, error: e instanceof Error ? e.message : String(e) };
  }
}

/** The same contract in two processes (`plan -out`, then `apply` of that plan): for a CLI whose states
 * lack the schema's sensitivity, where only the saved plan can tell what to mask. */
export async function planThenApply(executor: Pick<Executor, 'plan' | 'apply'>, ctx: ExecutorContext, progress: PlanAndApplyProgress): Promise<PlanAndApplyResult> {
  let plan: PlanResult;
  try {
    plan = await executor.plan(ctx);
  } catch (e) {
    return { ...(ctx.signal.aborted ? stoppedOutcome(ctx) : { outcome: 'failed' as const }), state: null, plan: null, changesBegan: false, error: e instanceof Error ? e.message : String(e) };
  }
  progress.planned(plan.summary);
  if (!plan.summary.hasChanges) return { outcome: 'succeeded', state: null, plan: plan.summary, changesBegan: false };
  progress.applying();
  return { ...(await executor.apply(ctx, plan)), plan: plan.summary, changesBegan: true };
}
