import type { Lock } from '../types/domain.js';
import { ForbiddenError } from '../errors.js';
import type { Caller } from './inputs.js';

/**
 * Who a manual lock belongs to, and who may see its secret. The holder is the authenticated caller (the
 * `who` a request sends is kept as information only: anyone could send any name). The `lockId` releases
 * the lock, so only its holder and admins see it; everyone else sees who holds it, for what, until when.
 * Without a caller (the SDK used as a library, no auth in front) the request's `who` is the holder and
 * every view is full, as before.
 */
export function holderOf(requestedWho: string, caller?: Caller): { who: string; note: string | null } {
  if (!caller) return { who: requestedWho, note: null };
  return { who: caller.id, note: requestedWho !== caller.id ? `on behalf of ${requestedWho}` : null };
}

/** Whether `caller` may see the lockId of `lock`. */
export function seesLockId(lock: Pick<Lock, 'who' | 'deploymentId'>, caller?: Caller): boolean {
  if (!caller || caller.admin) return true;
  return lock.deploymentId === null && lock.who === caller.id;
}

/** The lock as `caller` may see it: without its token, and without its lockId unless they may see it. */
export function lockViewFor<T extends Omit<Lock, 'token'>>(lock: T, caller?: Caller): Omit<T, 'lockId'> & { lockId?: string } {
  if (seesLockId(lock, caller)) return lock;
  const { lockId: _secret, ...rest } = lock;
  return rest;
}

/** A plain unlock releases only the caller's own lock; someone else's needs `force` (an admin's call). */
export function assertMayRelease(lock: Pick<Lock, 'who'>, caller?: Caller): void {
  if (caller && lock.who !== caller.id) {
    throw new ForbiddenError(`The lock is held by ${lock.who}: only its holder can release it (an admin can force-unlock)`);
  }
}
