import type { StateSnapshot } from '@iac-orchestrator/core';
import type { StackDescription } from './commands/describe-stacks.js';
import type { StackParameter } from './parameters.js';
import { log, type Session } from './session.js';
import { describeStack, listResources } from './stack-api.js';
import { asRawState, snapshotOf } from './state.js';
import type { Template } from './template.js';

export interface ReadStateOptions {
  /** Stack id when known (a deleted stack is found only by id). */
  stackId?: string | null;
  template: Template | null;
  parameters?: StackParameter[];
  noEchoKeys?: string[];
  /** A description read a moment ago (a stable status seen by the watch), to spare a call. */
  stack?: StackDescription | null;
}

/**
 * Reads the stack as it stands and builds the snapshot to store. Never throws: a failure to list resources
 * (an emulator hiccup, a throttled call) still returns the description, and a failure to describe the stack
 * returns the previous raw state's resources with a warning rather than forgetting them (invariant 1).
 */
export async function readState(s: Session, o: ReadStateOptions): Promise<StateSnapshot | null> {
  const prior = asRawState(s.ctx.priorState);
  const base = {
    stackName: s.stackName,
    template: o.template,
    parameters: o.parameters ?? prior?.parameters ?? [],
    noEchoKeys: o.noEchoKeys ?? prior?.noEchoKeys ?? [],
    secrets: s.secrets,
  };
  let stack: StackDescription | null;
  try {
    stack = o.stack !== undefined && o.stack !== null ? o.stack : await describeStack(s, o.stackId ?? s.stackName);
  } catch (e) {
    log(s, 'warn', `Could not read stack ${s.stackName}: ${(e as Error).message}`);
    if (!prior) return null;
    return snapshotOf({ ...base, stack: prior.stack, resources: prior.resources });
  }
  if (!stack) return snapshotOf({ ...base, stack: null, resources: [], template: null });
  let resources = prior?.stackId === stack.StackId ? prior.resources : [];
  try {
    resources = await listResources(s, stack.StackId);
  } catch (e) {
    log(s, 'warn', `Could not list the resources of stack ${s.stackName}: ${(e as Error).message}`);
  }
  return snapshotOf({ ...base, stack, resources });
}
