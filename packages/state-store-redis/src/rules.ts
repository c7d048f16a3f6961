/**
 * Input checks every store applies. They mirror core's internal store rules (not exported from
 * `@iac-orchestrator/core`), so that this store rejects exactly what the memory and file stores reject.
 * @module
 */
import { ValidationError, type AuditEntry, type Bundle, type Deployment, type LogEntry } from '@iac-orchestrator/core';
import type { AcquireLockRequest, StoredPlan, WriteStateVersionRequest } from '@iac-orchestrator/core';

export const DEFAULT_LOG_PAGE = 1000;
export const MAX_LOG_PAGE = 10_000;
export const MAX_LIST = 10_000;

export function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new ValidationError(`${field} must be a non-empty string`, field);
  return value;
}

export function requireInt(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(`${field} must be an integer between ${min} and ${max}`, field);
  }
  return value;
}

export function logWindow(options?: { cursor?: number; limit?: number }): { cursor: number; limit: number } {
  const cursor = options?.cursor === undefined ? 0 : requireInt(options.cursor, 'cursor', 0);
  const limit = options?.limit === undefined ? DEFAULT_LOG_PAGE : requireInt(options.limit, 'limit', 1, MAX_LOG_PAGE);
  return { cursor, limit };
}

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
  requireInt(q.limit, 'limit', 1, MAX_LIST);
}

export function validateAcquire(request: AcquireLockRequest): void {
  requireString(request?.stackKey, 'stackKey');
  requireString(request.operation, 'operation');
  requireString(request.who, 'who');
  requireInt(request.ttlMs, 'ttlMs', 1);
}

export function validateWrite(request: WriteStateVersionRequest): void {
  requireString(request?.stackKey, 'stackKey');
  requireInt(request.expectedVersion, 'expectedVersion', 0);
  requireString(request.lockId, 'lockId');
  requireInt(request.token, 'token', 0);
  requireInt(request.retention, 'retention', 1);
  if (!request.version || typeof request.version !== 'object') throw new ValidationError('version must be an object', 'version');
  if (request.version.stackKey !== request.stackKey) {
    throw new ValidationError('version.stackKey must equal stackKey', 'version.stackKey');
  }
  requireString(request.version.deploymentId, 'version.deploymentId');
}

/** The arguments of `replaceDeployment`: a bumped revision, so that the next writer's compare sees the change. */
export function checkReplace(d: Deployment, expectedRevision: number): void {
  checkDeployment(d);
  requireInt(expectedRevision, 'expectedRevision', 0);
  if (d.revision !== expectedRevision + 1) {
    // Writing the same revision again would let a second writer's stale copy pass the compare.
    throw new ValidationError(`deployment.revision must be expectedRevision + 1 (${expectedRevision + 1}), got ${String(d.revision)}`, 'revision');
  }
}
