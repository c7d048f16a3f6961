import { CancelledError, TimeoutError, type ApplyResult, type PlanResult, type StateSnapshot } from '@iac-orchestrator/core';
import { parseArtifact, type CloudFormationArtifact } from './artifact.js';
import { runAws } from './cli.js';
import { buildDescribeChangeSetArgs, type DescribeChangeSetOutput } from './commands/describe-change-set.js';
import { buildExecuteChangeSetArgs } from './commands/execute-change-set.js';
import { buildDeleteStackArgs } from './commands/delete-stack.js';
import { discardChangeSet } from './housekeeping.js';
import { readState } from './read-state.js';
import { log, type Session } from './session.js';
import { describeStack, logLastEvents, newestEventId } from './stack-api.js';
import type { CloudFormationRawState } from './state.js';
import { succeeded, type Operation } from './stack-status.js';
import { templateOf, type Template } from './template.js';
import { reportUnseen, watchStack } from './watch.js';

/**
 * Applies exactly the saved plan: executes the change set named by the artifact (or deletes the stack for
 * a destroy), follows it, and returns the state the stack is left in, also after a failure, cancel or
 * timeout. Never throws.
 */
export async function applyPlan(s: Session, plan: PlanResult): Promise<ApplyResult> {
  let artifact: CloudFormationArtifact;
  try {
    artifact = parseArtifact(plan.artifact);
  } catch (e) {
    return { outcome: 'failed', state: await readState(s, { template: null }), error: (e as Error).message };
  }
  if (artifact.stackName !== s.stackName) s.stackName = artifact.stackName;
  if (artifact.kind === 'destroy') return destroyStack(s, artifact, plan);

  let template: Template;
  try {
    template = templateOf(s.ctx.bundle);
  } catch (e) {
    return { outcome: 'failed', state: await readState(s, { template: null }), error: (e as Error).message };
  }
  const stateOpts = { template, parameters: artifact.parameters, noEchoKeys: artifact.noEchoKeys };
  // What is approved is what is applied: a bundle that differs from the planned template is refused.
  if (template.digest !== artifact.templateDigest) {
    return fail(s, artifact.stackId, stateOpts, `The template differs from the one planned (${artifact.templateDigest}); plan again`);
  }
  if (artifact.kind === 'no-changes') {
    log(s, 'info', `No changes to apply to stack ${s.stackName}`);
    return { outcome: 'succeeded', state: await readState(s, { ...stateOpts, stackId: artifact.stackId }) };
  }

  let cs: DescribeChangeSetOutput;
  try {
    cs = await runAws<DescribeChangeSetOutput>(s.cli, buildDescribeChangeSetArgs({ changeSetName: artifact.changeSetId, global: s.global }));
  } catch (e) {
    return fail(s, artifact.stackId, stateOpts, `The planned change set ${artifact.changeSetName} cannot be read (${(e as Error).message}); plan again`);
  }
  if (cs.ExecutionStatus !== 'AVAILABLE') {
    // OBSOLETE: the stack changed since the plan. Executing anything else would apply an unapproved plan.
    return fail(s, artifact.stackId, stateOpts, `The planned change set is ${cs.ExecutionStatus ?? cs.Status}, not executable; the stack changed since the plan, plan again`);
  }
  if (s.ctx.signal.aborted) {
    await discardChangeSet(s, artifact.changeSetId, artifact.changeSetType === 'CREATE' ? cs.StackId : null, 'cancelled before it ran');
    return { outcome: outcomeOf(s.ctx.signal.reason), state: await readState(s, { ...stateOpts, stackId: cs.StackId }), error: messageOf(s.ctx.signal.reason) };
  }

  const marker = await newestEventId(s, cs.StackId).catch(() => null);
  log(s, 'info', `Executing change set ${artifact.changeSetName} on stack ${s.stackName}`);
  try {
    await runAws(s.cli, buildExecuteChangeSetArgs({ changeSetId: artifact.changeSetId, global: s.global }));
  } catch (e) {
    await logLastEvents(s, cs.StackId, s.config.lastEventsInLog);
    return fail(s, cs.StackId, stateOpts, `execute-change-set failed: ${(e as Error).message}`);
  }
  return follow(s, cs.StackId, artifact.changeSetType, marker, plan, stateOpts);
}

/** Destroy: delete-stack by id, then follow the deletion like any other operation. */
async function destroyStack(s: Session, artifact: Extract<CloudFormationArtifact, { kind: 'destroy' }>, plan: PlanResult): Promise<ApplyResult> {
  const stack = await describeStack(s, artifact.stackId ?? s.stackName).catch(() => undefined);
  if (stack === null || stack?.StackStatus === 'DELETE_COMPLETE') {
    log(s, 'info', `Stack ${s.stackName} does not exist; nothing to destroy`);
    return { outcome: 'succeeded', state: await readState(s, { template: null, stackId: artifact.stackId }) };
  }
  const stackId = stack?.StackId ?? artifact.stackId ?? s.stackName;
  if (s.ctx.signal.aborted) return { outcome: outcomeOf(s.ctx.signal.reason), state: await readState(s, { template: null, stackId }), error: messageOf(s.ctx.signal.reason) };
  const marker = await newestEventId(s, stackId).catch(() => null);
  log(s, 'info', `Deleting stack ${s.stackName} (delete-stack)`);
  try {
    await runAws(s.cli, buildDeleteStackArgs({ stackName: stackId, roleArn: s.options.roleArn, global: s.global }));
  } catch (e) {
    return fail(s, stackId, { template: null }, `delete-stack failed: ${(e as Error).message}`);
  }
  return follow(s, stackId, 'DELETE', marker, plan, { template: null });
}

type StateOpts = Parameters<typeof readState>[1];

async function follow(s: Session, stackId: string, op: Operation, marker: string | null, plan: PlanResult, stateOpts: StateOpts): Promise<ApplyResult> {
  const watched = await watchStack(s, stackId, marker);
  const ok = watched.status !== null && succeeded(op, watched.status);
  const state = await readState(s, { ...stateOpts, stackId, stack: watched.stillRunning ? null : watched.stack, ...(op === 'DELETE' ? { template: null } : {}) });
  if (ok) {
    const resources = op === 'DELETE' ? [] : ((state?.raw as CloudFormationRawState | undefined)?.resources ?? []);
    reportUnseen(s, watched.reported, resources, plan.summary);
    if (watched.interruption) log(s, 'warn', `The cancel came too late: stack ${s.stackName} completed (${watched.status})`);
    log(s, 'info', `Stack ${s.stackName}: ${watched.status}`);
    return { outcome: 'succeeded', state };
  }
  const events = await logLastEvents(s, stackId, s.config.lastEventsInLog);
  const firstFailure = events.find((e) => e.ResourceStatus?.endsWith('_FAILED') && e.ResourceStatusReason);
  const where = `stack ${s.stackName} is ${watched.status ?? 'unknown'}`;
  if (watched.interruption) {
    return { outcome: outcomeOf(watched.interruption), state, error: `${watched.interruption.message}; ${where}${watched.stillRunning ? ' (still running)' : ''}` };
  }
  const reason = firstFailure ? `: ${firstFailure.LogicalResourceId} ${firstFailure.ResourceStatus}: ${firstFailure.ResourceStatusReason}` : '';
  return { outcome: 'failed', state, error: `CloudFormation ${op.toLowerCase()} failed, ${where}${reason}` };
}

async function fail(s: Session, stackId: string | null, stateOpts: StateOpts, error: string): Promise<ApplyResult> {
  log(s, 'error', error);
  const state: StateSnapshot | null = await readState(s, { ...stateOpts, stackId });
  return { outcome: 'failed', state, error };
}

function outcomeOf(reason: unknown): ApplyResult['outcome'] {
  return reason instanceof TimeoutError ? 'timed_out' : 'cancelled';
}

function messageOf(reason: unknown): string {
  return reason instanceof Error ? reason.message : new CancelledError().message;
}
