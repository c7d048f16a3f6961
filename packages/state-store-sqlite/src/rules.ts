/**
 * Input checks and shared rules: core's store kit, so this store rejects exactly what the memory and file
 * stores reject, plus what is particular to compare-and-set of deployment records.
 * @module
 */
import { storeKit, type Deployment } from '@iac-orchestrator/core';

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

/** The arguments of `replaceDeployment`: a valid record with a bumped revision (core's rule). */
export function checkReplace(d: Deployment, expectedRevision: number): void {
  checkDeployment(d);
  storeKit.checkReplaceRevision(d, expectedRevision);
}
