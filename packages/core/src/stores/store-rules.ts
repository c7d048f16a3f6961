/**
 * Rules every store shares, kept in one place so that the memory store, the file store and any other
 * backend agree on validation, lock liveness and state-version retention.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, InvalidStateError, LockLostError, StateLockedError, ValidationError } from '../errors.js';
import { isTerminal, type Deployment, type Lock, type StateVersion } from '../types/domain.js';
import type { AcquireLockRequest, WriteStateVersionRequest } from '../types/state-store.js';

/** Default and maximum page size of `readLogs` when the caller gives no limit. */
export const DEFAULT_LOG_PAGE = 1000;
export const MAX_LOG_PAGE = 10_000;

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

/** Cursor and limit of a log read, validated, with the default page size. */
export function logWindow(options?: { cursor?: number; limit?: number }): { cursor: number; limit: number } {
  const cursor = options?.cursor === undefined ? 0 : requireInt(options.cursor, 'cursor', 0);
  const limit = options?.limit === undefined ? DEFAULT_LOG_PAGE : requireInt(options.limit, 'limit', 1, MAX_LOG_PAGE);
  return { cursor, limit };
}

/** A lock whose lease has run out counts as no lock at all. */
export function isLive(lock: Lock | null | undefined, now = Date.now()): lock is Lock {
  return !!lock && Date.parse(lock.expiresAt) > now;
}

export function validateAcquire(request: AcquireLockRequest): void {
  requireString(request?.stackKey, 'stackKey');
  requireString(request.operation, 'operation');
  requireString(request.who, 'who');
  requireInt(request.ttlMs, 'ttlMs', 1);
}

/**
 * A new lock record for `request`, given the stack's live lock (if any) and its last fencing token.
 * Throws `StateLockedError` naming the holder when a live lock is in the way.
 */
export function grantLock(request: AcquireLockRequest, current: Lock | null | undefined, lastToken: number, now = Date.now()): Lock {
  if (isLive(current, now)) throw new StateLockedError(current);
  return {
    lockId: randomUUID(),
    stackKey: request.stackKey,
    operation: request.operation,
    who: request.who,
    info: request.info ?? '',
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + request.ttlMs).toISOString(),
    token: lastToken + 1,
    deploymentId: request.deploymentId ?? null,
  };
}

/** The renewed lock, or `LockLostError` when `lockId` no longer holds a live lease. */
export function renewedLock(current: Lock | null | undefined, stackKey: string, lockId: string, ttlMs: number, now = Date.now()): Lock {
  requireString(stackKey, 'stackKey');
  requireString(lockId, 'lockId');
  requireInt(ttlMs, 'ttlMs', 1);
  if (!isLive(current, now) || current.lockId !== lockId) {
    throw new LockLostError(`Lock ${lockId} on stack ${stackKey} is no longer held`, { stackKey, lockId });
  }
  return { ...current, expiresAt: new Date(now + ttlMs).toISOString() };
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

/**
 * Checks the fencing and compare-and-set conditions of a state write: the writer's lock must be live
 * and still the one it acquired (same lockId and token), and the stack must still be at `expectedVersion`.
 * Lock loss is reported first: a fenced-out writer must stop, whatever the version.
 */
export function checkWrite(request: WriteStateVersionRequest, lock: Lock | null | undefined, currentVersion: number, now = Date.now()): void {
  if (!isLive(lock, now) || lock.lockId !== request.lockId || lock.token !== request.token) {
    throw new LockLostError(`Lock ${request.lockId} on stack ${request.stackKey} is no longer held (lease expired, released or taken over)`, {
      stackKey: request.stackKey,
      lockId: request.lockId,
    });
  }
  if (currentVersion !== request.expectedVersion) {
    throw new ConflictError(`State of stack ${request.stackKey} moved: expected version ${request.expectedVersion}, current is ${currentVersion}`, {
      stackKey: request.stackKey,
      expectedVersion: request.expectedVersion,
      currentVersion,
    });
  }
}

/** The record of the version a write creates. */
export function newStateVersion(request: WriteStateVersionRequest, now = Date.now()): StateVersion {
  return {
    ...request.version,
    stackKey: request.stackKey,
    raw: request.version.raw ?? null,
    version: request.expectedVersion + 1,
    retained: true,
    createdAt: new Date(now).toISOString(),
  };
}

/** Versions numbered at or below this lose their raw state once `newest` is written. */
export function retentionFloor(newest: number, retention: number): number {
  return newest - retention;
}

/** The metadata-only form of a version past retention. */
export function trimmed(version: StateVersion): StateVersion {
  return { ...version, raw: null, retained: false };
}

/**
 * Invariant 8, checked inside every store's compare-and-set of a deployment (`replaceDeployment`): a
 * finished deployment stays finished. No write moves a record out of `completed | failed | cancelled |
 * planned | rolled_back`, except `completed → rolled_back` when a rollback of it completes. A write that
 * keeps a terminal status (a late field update) is allowed. Throws `InvalidStateError` otherwise; callers
 * that race a finishing deployment see the error instead of bringing it back to life.
 */
export function assertTransition(previous: Pick<Deployment, 'id' | 'status'>, next: Pick<Deployment, 'status'>): void {
  if (!isTerminal(previous.status) || previous.status === next.status) return;
  if (previous.status === 'completed' && next.status === 'rolled_back') return;
  throw new InvalidStateError(`Deployment ${previous.id} is already ${previous.status}: it cannot become ${next.status}`, {
    deploymentId: previous.id,
    status: previous.status,
    refused: next.status,
  });
}

/** Checks the arguments of a deployment compare-and-set: a bumped revision, so the next writer's compare
 * sees the change. */
export function checkReplaceRevision(deployment: Deployment, expectedRevision: number): void {
  requireInt(expectedRevision, 'expectedRevision', 0);
  if (deployment.revision !== expectedRevision + 1) {
    // Writing the same revision again would let a second writer's stale copy pass the compare.
    throw new ValidationError(`deployment.revision must be expectedRevision + 1 (${expectedRevision + 1}), got ${String(deployment.revision)}`, 'revision');
  }
}
