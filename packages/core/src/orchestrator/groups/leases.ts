import type { Deployment } from '../../types/domain.js';
import type { RunHost } from '../host.js';
import { errorMessage } from '../util.js';

/**
 * The lease of a canary group's later target between the group's approval and its apply. Its plan parked
 * it with the lease of any plan awaiting approval (`approvalTimeoutMs + lockTtlMs` from the plan), but once
 * the group is approved it waits on the first target's run instead, however late the approval came: so
 * its lock is stretched at the approval to cover the first target's longest run (`maxDeploymentTimeoutMs`)
 * plus that same margin, and stretched again when the first target completed and its apply is enqueued.
 * Fenced: only the lock the target holds (by its lockId) is renewed, never one another writer took since.
 * @module
 */

/** The lease a later target's lock gets when the group is approved (see the module). */
export const approvedFollowerLeaseMs = (host: Pick<RunHost, 'options'>): number => host.options.maxDeploymentTimeoutMs + host.options.approvalTimeoutMs + host.options.lockTtlMs;

/** The lease a later target's lock gets when its apply is enqueued: that of any approved plan. */
export const startingFollowerLeaseMs = (host: Pick<RunHost, 'options'>): number => host.options.approvalTimeoutMs + host.options.lockTtlMs;

/** Renews the target's own lock for `ttlMs`; a lock lost meanwhile is left alone (the apply then takes the stack again or fails). */
export async function keepFollowerLock(host: RunHost, d: Deployment, ttlMs: number): Promise<void> {
  if (!d.lock) return;
  try {
    await host.store.renewLock(d.stackKey, d.lock.lockId, ttlMs);
  } catch (e) {
    host.logger('warn', 'could not keep the lock of a deployment group target waiting for its first target', { deploymentId: d.id, error: errorMessage(e) });
  }
}
