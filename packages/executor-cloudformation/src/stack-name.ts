import { createHash } from 'node:crypto';
import { ValidationError, type StackRef } from '@iac-orchestrator/core';
import { CHANGE_SET_PREFIX } from './defaults.js';

/** CloudFormation's rule for stack and change set names. */
export const CFN_NAME = /^[A-Za-z][-A-Za-z0-9]*$/;
export const CFN_NAME_MAX = 128;

/**
 * The stack name of a blueprint in an environment: `<prefix><blueprint>-<environment>`, sanitised to
 * CloudFormation's rule (letters, digits, hyphens, a letter first, 128 at most). When sanitising loses
 * information ("a.b" and "a_b" would both become "a-b") or the name must be cut, an 8-character hash of
 * the stack key is appended so two stacks can never share a CloudFormation stack.
 *
 * A deployment group's target (`stack.target` set) is its own orchestrator stack (its own lock and state
 * lineage), so it gets its own CloudFormation stack: `<prefix><blueprint>-<environment>-<target>-<hash>`,
 * the hash always there (two groups may name a target alike in different regions, and a target must never
 * take the plain deployment's stack). A plain deployment's name is unchanged (no migration of existing stacks).
 */
export function stackNameFor(stack: Pick<StackRef, 'blueprintId' | 'environment' | 'target'>, stackKey: string, prefix: string): string {
  const target = stack.target ? `-${stack.target}` : '';
  const wanted = `${prefix}${stack.blueprintId}-${stack.environment}${target}`;
  let name = wanted.replace(/[^A-Za-z0-9-]+/g, '-').replace(/-{2,}/g, '-').replace(/-+$/, '');
  if (!/^[A-Za-z]/.test(name)) name = `s-${name.replace(/^-+/, '')}`;
  const lossy = name !== wanted;
  const hash = createHash('sha256').update(stackKey).digest('hex').slice(0, 8);
  if (target || lossy || name.length > CFN_NAME_MAX) name = `${name.slice(0, CFN_NAME_MAX - 9).replace(/-+$/, '')}-${hash}`;
  return name;
}

/** Checks a stack name given explicitly (`options.executor.stackName`). */
export function assertStackName(name: string, field = 'options.executor.stackName'): string {
  if (name.length > CFN_NAME_MAX || !CFN_NAME.test(name)) {
    throw new ValidationError(`${field} must start with a letter and hold only letters, digits and hyphens (at most ${CFN_NAME_MAX})`, field);
  }
  return name;
}

/** The change set of one deployment: deterministic, so apply, cleanup and recovery in any process find it. */
export function changeSetNameFor(deploymentId: string): string {
  const name = `${CHANGE_SET_PREFIX}${deploymentId}`.replace(/[^A-Za-z0-9-]+/g, '-');
  return name.length <= CFN_NAME_MAX ? name : `${CHANGE_SET_PREFIX}${createHash('sha256').update(deploymentId).digest('hex')}`;
}
