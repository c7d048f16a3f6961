import { ExecutorError } from '@iac-orchestrator/core';
import { abortReason, isStackMissing, runAws } from './cli.js';
import { buildDeleteChangeSetArgs } from './commands/delete-change-set.js';
import { buildDeleteStackArgs } from './commands/delete-stack.js';
import type { StackDescription } from './commands/describe-stacks.js';
import { buildListChangeSetsArgs, type ListChangeSetsOutput } from './commands/list-change-sets.js';
import { log, type Session } from './session.js';
import { describeStack, listResources, logLastEvents, sleep } from './stack-api.js';
import { isStable } from './stack-status.js';

/**
 * Deletes a change set (by ARN, or by name with its stack) and, for a CREATE change set, the empty stack
 * CloudFormation made for it (REVIEW_IN_PROGRESS, no resources, no other change set). Never throws.
 */
export async function discardChangeSet(s: Session, changeSet: string, reviewStackId: string | null, why: string, stackName?: string): Promise<void> {
  try {
    await runAws(s.cli, buildDeleteChangeSetArgs({ changeSetName: changeSet, stackName, global: s.global }));
    log(s, 'info', `Deleted change set ${s.changeSetName} (${why})`);
  } catch (e) {
    if (!isStackMissing(e) && (e as { awsCode?: string }).awsCode !== 'ChangeSetNotFound') {
      log(s, 'warn', `Could not delete change set ${s.changeSetName}: ${(e as Error).message}`);
    }
  }
  if (reviewStackId) await deleteEmptyReviewStack(s, reviewStackId);
}

/** A stack that only ever held a change set is removed with it, so a rejected first plan leaves nothing. */
export async function deleteEmptyReviewStack(s: Session, stackId: string): Promise<void> {
  try {
    const stack = await describeStack(s, stackId);
    if (stack?.StackStatus !== 'REVIEW_IN_PROGRESS') return;
    const sets = await runAws<ListChangeSetsOutput>(s.cli, buildListChangeSetsArgs({ stackName: stackId, global: s.global }));
    // Filtered here too: some endpoints (moto) list every change set of the region, whatever the stack.
    if ((sets.Summaries ?? []).some((c) => c.StackId === stackId || c.StackName === stack.StackName)) return;
    if ((await listResources(s, stackId)).length > 0) return;
    await runAws(s.cli, buildDeleteStackArgs({ stackName: stackId, global: s.global }));
    log(s, 'info', `Deleted the empty stack ${s.stackName} that only held the unexecuted change set`);
  } catch (e) {
    log(s, 'warn', `Could not remove the empty stack ${s.stackName}: ${(e as Error).message}`);
  }
}

/** Polls until the stack rests; an abort throws the typed reason. Returns the stack (null once deleted). */
export async function waitUntilStable(s: Session, stackId: string): Promise<StackDescription | null> {
  for (;;) {
    const stack = await describeStack(s, stackId);
    if (!stack || isStable(stack.StackStatus)) return stack;
    if (s.ctx.signal.aborted) throw abortReason(s.ctx.signal);
    await sleep(s.config.pollIntervalMs, s.ctx.signal);
  }
}

/**
 * A first create that failed leaves the stack in ROLLBACK_COMPLETE: it holds no resource and can only be
 * deleted. It is deleted (with a log line saying so) so that the plan can create it again.
 */
export async function removeRolledBackStack(s: Session, stack: StackDescription): Promise<void> {
  log(s, 'warn', `Stack ${s.stackName} is ROLLBACK_COMPLETE after a failed first create; deleting it so it can be created again`);
  await logLastEvents(s, stack.StackId, 5);
  await runAws(s.cli, buildDeleteStackArgs({ stackName: stack.StackId, roleArn: s.options.roleArn, global: s.global }));
  const after = await waitUntilStable(s, stack.StackId);
  if (after && after.StackStatus !== 'DELETE_COMPLETE') {
    throw new ExecutorError(`Could not delete the rolled-back stack ${s.stackName}: it is ${after.StackStatus}`);
  }
  log(s, 'info', `Deleted the rolled-back stack ${s.stackName}; creating it again`);
}
