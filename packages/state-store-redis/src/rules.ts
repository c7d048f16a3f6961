/**
 * Input checks: core's store kit (the rules the memory and file stores apply, so this store rejects exactly
 * what they reject), plus what is particular to this store.
 * @module
 */
import { storeKit, type Deployment } from '@iac-orchestrator/core';

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

/** The arguments of `replaceDeployment`: a valid record with a bumped revision (core's rule). */
export function checkReplace(d: Deployment, expectedRevision: number): void {
  checkDeployment(d);
  storeKit.checkReplaceRevision(d, expectedRevision);
}
