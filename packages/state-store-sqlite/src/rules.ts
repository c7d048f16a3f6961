/**
 * Input checks and shared rules: core's store kit, so this store rejects exactly what the memory and file
 * stores reject, plus what is particular to compare-and-set of deployment records.
 * @module
 */
import { storeKit, ValidationError, type Deployment } from '@iac-orchestrator/core';

export const {
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
  checkWrite,
  grantLock,
  renewedLock,
  isLive,
  newStateVersion,
  retentionFloor,
  normaliseQuery,
  encodeCursor,
  compareNewestFirst,
  assertTransition,
} = storeKit;

/** Most state versions one listing may ask for (the other stores' bound). */
export const MAX_VERSIONS = 10_000;

/** The arguments of `replaceDeployment`: a bumped revision, so that the next writer's compare sees the change. */
export function checkReplace(d: Deployment, expectedRevision: number): void {
  checkDeployment(d);
  requireInt(expectedRevision, 'expectedRevision', 0);
  if (d.revision !== expectedRevision + 1) {
    // Writing the same revision again would let a second writer's stale copy pass the compare.
    throw new ValidationError(`deployment.revision must be expectedRevision + 1 (${expectedRevision + 1}), got ${String(d.revision)}`, 'revision');
  }
}
