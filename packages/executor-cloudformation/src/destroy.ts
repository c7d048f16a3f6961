import type { PlanResult } from '@iac-orchestrator/core';
import type { CloudFormationArtifact } from './artifact.js';
import { summaryOfDestroy } from './plan-summary.js';
import { log, type Session } from './session.js';
import { describeStack, listResources } from './stack-api.js';
import { asRawState } from './state.js';

/** Plans a destroy: every resource of the stack as `delete` (an empty stack still counts as a change). */
export async function planDestroy(s: Session): Promise<PlanResult> {
  const prior = asRawState(s.ctx.priorState);
  const stack = (await describeStack(s, s.stackName, s.ctx.signal)) ?? (prior?.stackId ? await describeStack(s, prior.stackId, s.ctx.signal) : null);
  if (!stack || stack.StackStatus === 'DELETE_COMPLETE') {
    log(s, 'info', `Stack ${s.stackName} does not exist; nothing to destroy`);
    const artifact: CloudFormationArtifact = { kind: 'destroy', formatVersion: 1, stackName: s.stackName, stackId: null };
    return { summary: { add: 0, change: 0, destroy: 0, hasChanges: false, resources: [] }, artifact };
  }
  const summary = summaryOfDestroy(await listResources(s, stack.StackId, s.ctx.signal));
  summary.hasChanges = true;
  log(s, 'info', `Plan: destroy stack ${s.stackName} and its ${summary.destroy} resource(s)`);
  for (const r of summary.resources) log(s, 'info', `  delete ${r.id} (${r.type ?? 'unknown type'})`, r.id);
  const artifact: CloudFormationArtifact = { kind: 'destroy', formatVersion: 1, stackName: s.stackName, stackId: stack.StackId };
  return { summary, artifact };
}
