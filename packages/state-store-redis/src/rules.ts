/**
 * Input checks: core's store kit (the rules the memory and file stores apply, so this store rejects exactly
 * what they reject), plus what is particular to this store.
 * @module
 */
import { storeKit, ValidationError, type Deployment } from '@iac-orchestrator/core';

export const {
  DEFAULT_LOG_PAGE,
  MAX_LOG_PAGE,
  requireString,
  requireInt,
  logWindow,
  checkDeployment,
  checkLogEntries,
  checkBundle,
  checkPlan,
  checkAudit,
  checkAuditQuery,
  validateAcquire,
  validateWrite,
  assertTransition,
} = storeKit;

/** Most items one listing may ask for. */
export const MAX_LIST = 10_000;

/** The arguments of `replaceDeployment`: a bumped revision, so that the next writer's compare sees the change. */
export function checkReplace(d: Deployment, expectedRevision: number): void {
  checkDeployment(d);
  requireInt(expectedRevision, 'expectedRevision', 0);
  if (d.revision !== expectedRevision + 1) {
    // Writing the same revision again would let a second writer's stale copy pass the compare.
    throw new ValidationError(`deployment.revision must be expectedRevision + 1 (${expectedRevision + 1}), got ${String(d.revision)}`, 'revision');
  }
}
