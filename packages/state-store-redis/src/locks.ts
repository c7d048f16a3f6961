/**
 * Stack locks: a lease (`SET NX PX`) holding the lock record, a fencing token from `INCR` on every
 * acquire, renew and release as compare-and-set / compare-and-delete on the lock id.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { LockLostError, StateLockedError, type AcquireLockRequest, type Lock } from '@iac-orchestrator/core';
import type { Handles } from './connection.js';
import type { Keys } from './keys.js';
import { requireInt, requireString, validateAcquire } from './rules.js';
import { ACQUIRE_LOCK, RELEASE_LOCK, RENEW_LOCK } from './scripts.js';

const parseLock = (json: string): Lock => {
  const lock = JSON.parse(json) as Lock;
  return { ...lock, info: lock.info ?? '', deploymentId: lock.deploymentId ?? null };
};

export async function acquireLock(h: Handles, keys: Keys, request: AcquireLockRequest): Promise<Lock> {
  validateAcquire(request);
  const now = Date.now();
  const draft: Lock = {
    lockId: randomUUID(),
    stackKey: request.stackKey,
    operation: request.operation,
    who: request.who,
    info: request.info ?? '',
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + request.ttlMs).toISOString(),
    token: 0,
    deploymentId: request.deploymentId ?? null,
  };
  const [acquired, json] = (await h.redis.eval(ACQUIRE_LOCK, {
    keys: [keys.lock(request.stackKey), keys.fence(request.stackKey)],
    arguments: [JSON.stringify(draft), String(request.ttlMs)],
  })) as [number, string];
  if (acquired !== 1) throw new StateLockedError(parseLock(json));
  return parseLock(json);
}

export async function renewLock(h: Handles, keys: Keys, stackKey: string, lockId: string, ttlMs: number): Promise<Lock> {
  requireString(stackKey, 'stackKey');
  requireString(lockId, 'lockId');
  requireInt(ttlMs, 'ttlMs', 1);
  const json = (await h.redis.eval(RENEW_LOCK, {
    keys: [keys.lock(stackKey)],
    arguments: [lockId, String(ttlMs), new Date(Date.now() + ttlMs).toISOString()],
  })) as string | null;
  if (json === null) throw new LockLostError(`Lock ${lockId} on stack ${stackKey} is no longer held`, { stackKey, lockId });
  return parseLock(json);
}

export async function releaseLock(h: Handles, keys: Keys, stackKey: string, lockId: string): Promise<boolean> {
  requireString(stackKey, 'stackKey');
  requireString(lockId, 'lockId');
  const released = await h.redis.eval(RELEASE_LOCK, { keys: [keys.lock(stackKey)], arguments: [lockId] });
  return released === 1;
}

export async function forceReleaseLock(h: Handles, keys: Keys, stackKey: string): Promise<Lock | null> {
  requireString(stackKey, 'stackKey');
  const json = await h.redis.getDel(keys.lock(stackKey));
  return json === null ? null : parseLock(json);
}

/** The live lock or null: an expired lease is gone from Redis by its TTL. */
export async function getLock(h: Handles, keys: Keys, stackKey: string): Promise<Lock | null> {
  requireString(stackKey, 'stackKey');
  const json = await h.redis.get(keys.lock(stackKey));
  return json === null ? null : parseLock(json);
}
