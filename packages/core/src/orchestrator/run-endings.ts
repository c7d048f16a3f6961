import type { Deployment, DriftReport, Lock, LogLevel, StateVersion } from '../types/domain.js';
import type { Executor, ExecutorContext, StateSnapshot } from '../types/executor.js';
import { ConflictError, LockLostError, StoreUnavailableError } from '../errors.js';
import { spoolVersion } from './spool.js';
import type { RunHost } from './host.js';
import type { StackLease } from './lease.js';
import { versionBody } from './run-context.js';
import { errorMessage, nowIso } from './util.js';
import { updateDeployment } from './deployment-writes.js';
import { chainHead, retentionFor, sameAsHead } from './state-stream.js';

/**
 * Saves a snapshot as version base+1 under the run's lock. When the lease lapsed while the tool ran, the
 * lock is taken again and the write still succeeds only if nobody wrote since the base (invariant 2);
 * if even that fails, the snapshot is kept in the store's sealed plan slot `<id>:unsaved-state` so that
 * nothing the tool created is forgotten (invariant 1).
 */
export async function saveSnapshot(
  host: RunHost,
  d: Deployment,
  snap: StateSnapshot,
  reason: StateVersion['reason'],
  run: { lease: () => StackLease | null; relock: (lock: Lock) => void; log: (level: LogLevel, message: string) => void },
): Promise<StateVersion | null> {
  // On top of the deployment's own intermediate versions, if the tool persisted any while it applied; a
  // partial end that is exactly the last one saved is that version, not a copy of it.
  const head = await chainHead(host.store, d).catch(() => null);
  if (head?.ours && reason === 'partial' && sameAsHead(head, snap.raw)) return head.ours;
  const base = head?.version ?? d.baseVersion ?? 0;
  const body = versionBody(host, d, snap);
  const write = (lockId: string, token: number) =>
    host.store.writeStateVersion({ stackKey: d.stackKey, expectedVersion: base, lockId, token, retention: retentionFor(host, d, base), version: { ...body, reason } });
  const written = (v: StateVersion) => {
    run.log('info', `Saved state version ${v.version} (${v.reason})`);
    host.events.emit('stateVersion', { deploymentId: d.id, stackKey: v.stackKey, version: v.version, reason: v.reason });
    void host.audit({ who: d.requestedBy, action: 'state.write', stackKey: v.stackKey, deploymentId: d.id, detail: { version: v.version, reason: v.reason } });
    return v;
  };
  try {
    const lease = run.lease();
    if (!lease) throw new LockLostError('No stack lock is held');
    return written(await writeRetrying(() => write(lease.lockId, lease.token), host.options.lockTtlMs));
  } catch (e) {
    if (!(e instanceof LockLostError)) {
      if (e instanceof ConflictError) throw e;
      // The store is unreachable: keep the state on local disk; recover() writes it once the store is back.
      const file = await spoolVersion(host, { deploymentId: d.id, stackKey: d.stackKey, baseVersion: base, version: { ...body, reason } });
      run.log('error', `The state store is unreachable (${errorMessage(e)}): the state this deployment left is kept on local disk (${file}) and will be written as a new version when the store is back`);
      throw new StoreUnavailableError(`The state could not be stored (the store is unreachable); it is kept on local disk and will be written when the store is back`);
    }
    try {
      const lock = await host.store.acquireLock({ stackKey: d.stackKey, operation: 'save-state', who: 'orchestrator', info: `deployment ${d.id}`, ttlMs: host.options.lockTtlMs, deploymentId: d.id });
      run.relock(lock);
      return written(await write(lock.lockId, lock.token));
    } catch (again) {
      await host.store.putPlan({ deploymentId: `${d.id}:unsaved-state`, baseVersion: base, summary: d.plan ?? { add: 0, change: 0, destroy: 0, hasChanges: false, resources: [] }, artifact: snap, createdAt: nowIso() });
      run.log('error', `The state left by this deployment could not be saved as a new version (${errorMessage(again)}); it is kept in the store under plan "${d.id}:unsaved-state" for manual recovery`);
      return null;
    }
  }
}

export async function detectDrift(executor: Executor, ctx: ExecutorContext): Promise<DriftReport> {
  if (!executor.detectDrift) return { drifted: false, checkedAt: nowIso(), resources: [], unsupported: `The ${executor.name} executor cannot detect drift` };
  return executor.detectDrift(ctx);
}

/** A completed rollback marks the deployment it rolled back `rolled_back`. */
export async function markRolledBack(host: RunHost, d: Deployment): Promise<void> {
  if (d.operation !== 'rollback' || !d.rollbackOf) return;
  let previous: Deployment['status'] | null = null;
  const { deployment, written } = await updateDeployment(host.store, d.rollbackOf, (original) => {
    previous = original.status;
    // Only a completed deployment becomes rolled_back (invariant 8): a failed or cancelled one keeps its end.
    return original.status === 'completed' ? { ...original, status: 'rolled_back', rolledBackBy: d.id } : null;
  });
  if (written) host.events.emit('status', { deploymentId: deployment.id, status: 'rolled_back', previous, deployment: host.redactor.redactValue(deployment) });
}

/** Retries a write that failed for a reason other than a lost lock or a conflict, for up to `budgetMs`. */
async function writeRetrying<T>(write: () => Promise<T>, budgetMs: number): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await write();
    } catch (e) {
      if (e instanceof LockLostError || e instanceof ConflictError || Date.now() + delay > deadline) throw e;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
