/**
 * Building blocks for StateStore authors: the same input checks, listing order, cursors, lock rules and
 * retention rules the built-in stores use, so a new store behaves like them (and passes the conformance
 * suite) without copying them.
 * @module
 */
export { compareNewestFirst, decodeCursor, encodeCursor, matchesQuery, normaliseQuery, pageOf, type NormalisedQuery, type SortKey } from './stores/deployment-query.js';
export { checkAudit, checkAuditQuery, checkBundle, checkDeployment, checkLogEntries, checkPlan, matchesAudit } from './stores/record-checks.js';
export {
  DEFAULT_LOG_PAGE,
  MAX_LOG_PAGE,
  assertTransition,
  checkReplaceRevision,
  checkWrite,
  grantLock,
  isLive,
  logWindow,
  newStateVersion,
  renewedLock,
  requireInt,
  requireString,
  retentionFloor,
  trimmed,
  validateAcquire,
  validateWrite,
} from './stores/store-rules.js';
