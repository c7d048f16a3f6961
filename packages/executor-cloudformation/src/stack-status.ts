/**
 * CloudFormation stack statuses, sorted by what the executor does about them. Pure; unit-tested.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Stack.html
 */

/** Something runs on the stack (including cleanup after an update, and rollbacks). */
export function isInProgress(status: string): boolean {
  return status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS';
}

/** The stack rests: nothing runs, whatever the outcome was. */
export function isStable(status: string): boolean {
  return !isInProgress(status);
}

/** Statuses from which an UPDATE change set can be made. */
const UPDATABLE = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);

/** Statuses that need a human (continue-update-rollback, a manual delete): the executor refuses to guess. */
const STUCK = new Set(['CREATE_FAILED', 'ROLLBACK_FAILED', 'DELETE_FAILED', 'UPDATE_ROLLBACK_FAILED', 'UPDATE_FAILED', 'IMPORT_ROLLBACK_FAILED']);

/** What planning does with a stack found in `status` (null: no stack). */
export type PlanStart =
  | { kind: 'create' }
  | { kind: 'update' }
  /** A first create that failed and rolled back: the empty stack must be deleted before a new create. */
  | { kind: 'recreate' }
  | { kind: 'wait' }
  | { kind: 'stuck'; status: string };

export function planStartFor(status: string | null): PlanStart {
  if (status === null || status === 'DELETE_COMPLETE' || status === 'REVIEW_IN_PROGRESS') return { kind: 'create' };
  if (status === 'ROLLBACK_COMPLETE') return { kind: 'recreate' };
  if (UPDATABLE.has(status)) return { kind: 'update' };
  if (isInProgress(status)) return { kind: 'wait' };
  return { kind: 'stuck', status };
}

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

/** Whether a stable status means the operation succeeded. */
export function succeeded(op: Operation, status: string): boolean {
  if (op === 'CREATE') return status === 'CREATE_COMPLETE';
  if (op === 'UPDATE') return status === 'UPDATE_COMPLETE';
  return status === 'DELETE_COMPLETE';
}

export { STUCK as STUCK_STATUSES };
