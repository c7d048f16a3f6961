/**
 * Shape checks of records handed to a store. They guard what a store relies on (ids that become keys or
 * file names, sort fields); full schema validation is the caller's (the Orchestrator validates input).
 * @module
 */
import { ValidationError } from '../errors.js';
import type { AuditEntry, Bundle, Deployment, LogEntry } from '../types/domain.js';
import type { StoredPlan } from '../types/state-store.js';
import { requireInt, requireString } from './store-rules.js';

export function checkDeployment(d: Deployment): void {
  if (!d || typeof d !== 'object') throw new ValidationError('deployment must be an object', 'deployment');
  requireString(d.id, 'id');
  requireString(d.createdAt, 'createdAt');
  requireString(d.stackKey, 'stackKey');
  requireString(d.status, 'status');
}

export function checkLogEntries(deploymentId: string, entries: LogEntry[]): void {
  requireString(deploymentId, 'deploymentId');
  if (!Array.isArray(entries)) throw new ValidationError('entries must be an array', 'entries');
  for (const e of entries) {
    if (!e || typeof e !== 'object' || typeof e.message !== 'string') throw new ValidationError('each log entry needs a message', 'entries');
  }
}

export function checkBundle(b: Bundle): void {
  if (!b || typeof b !== 'object') throw new ValidationError('bundle must be an object', 'bundle');
  requireString(b.digest, 'digest');
  if (!b.files || typeof b.files !== 'object') throw new ValidationError('bundle files must be an object', 'files');
}

export function checkPlan(p: StoredPlan): void {
  if (!p || typeof p !== 'object') throw new ValidationError('plan must be an object', 'plan');
  requireString(p.deploymentId, 'deploymentId');
  requireInt(p.baseVersion, 'baseVersion', 0);
}

export function checkAudit(a: AuditEntry): void {
  if (!a || typeof a !== 'object') throw new ValidationError('audit entry must be an object', 'audit');
  requireString(a.at, 'at');
  requireString(a.action, 'action');
}

export function checkAuditQuery(q: { stackKey?: string; deploymentId?: string; limit: number }): void {
  if (!q || typeof q !== 'object') throw new ValidationError('query must be an object', 'query');
  requireInt(q.limit, 'limit', 1, 10_000);
}

export function matchesAudit(a: AuditEntry, q: { stackKey?: string; deploymentId?: string }): boolean {
  if (q.stackKey !== undefined && a.stackKey !== q.stackKey) return false;
  if (q.deploymentId !== undefined && a.deploymentId !== q.deploymentId) return false;
  return true;
}
