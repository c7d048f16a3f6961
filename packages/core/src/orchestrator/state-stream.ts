import type { Deployment, LogLevel, StateVersion } from '../types/domain.js';
import type { StateSnapshot } from '../types/executor.js';
import type { StateStore } from '../types/state-store.js';
import { ConflictError, LockLostError } from '../errors.js';
import type { RunHost } from './host.js';
import type { StackLease } from './lease.js';
import { versionBody } from './run-context.js';
import { errorMessage } from './util.js';

/** What the intermediate writes need from the run that owns the deployment. */
export interface RunStateHandle {
  lease(): StackLease | null;
  log(level: LogLevel, message: string): void;
}

/**
 * The version a deployment's next state write builds on: the version it planned from, or the last one it
 * wrote itself (intermediate snapshots during its apply). Versions chain: each write of the deployment is
 * a compare-and-set on its own previous one, so a writer that is not this deployment still conflicts.
 */
export async function chainHead(store: StateStore, d: Deployment): Promise<{ version: number; raw: unknown; ours: StateVersion | null }> {
  const base = d.baseVersion ?? 0;
  const current = await store.getStateVersion(d.stackKey);
  if (current && current.deploymentId === d.id && current.version > base) return { version: current.version, raw: current.raw, ours: current };
  return { version: base, raw: null, ours: null };
}

/** Whether a snapshot is exactly the deployment's last saved version (nothing new to write). */
export function sameAsHead(head: { raw: unknown; ours: StateVersion | null }, raw: unknown): boolean {
  return head.ours !== null && JSON.stringify(head.raw) === JSON.stringify(raw);
}

/** Retention for a write of this deployment on top of `head`: its own earlier (intermediate) versions
 * do not push older ones out of retention while it runs (they count from the next deployment on). */
export function retentionFor(host: RunHost, d: Deployment, head: number): number {
  return host.options.stateRetention + Math.max(0, head - (d.baseVersion ?? 0));
}

/**
 * `ctx.persistState` for one run: each snapshot the tool persists while it applies becomes a `partial`
 * state version at once, by compare-and-set on the deployment's chain and fenced by the run's lock
 * token. A lost lock or a conflict rejects (the tool must stop writing); an unreachable store is logged
 * and does not reject: the apply goes on and its final state is saved (or spooled) when it ends.
 */
export function intermediateStateWriter(host: RunHost, d: Deployment, run: RunStateHandle): (snap: StateSnapshot) => Promise<void> {
  return async (snap) => {
    const lease = run.lease();
    if (!lease) throw new LockLostError('No stack lock is held');
    try {
      const head = await chainHead(host.store, d);
      if (sameAsHead(head, snap.raw)) return;
      const v = await host.store.writeStateVersion({
        stackKey: d.stackKey,
        expectedVersion: head.version,
        lockId: lease.lockId,
        token: lease.token,
        retention: retentionFor(host, d, head.version),
        version: { ...versionBody(host, d, snap), reason: 'partial' },
      });
      run.log('info', `Saved intermediate state version ${v.version} (${snap.resources.length} resource(s) so far)`);
      host.events.emit('stateVersion', { deploymentId: d.id, stackKey: v.stackKey, version: v.version, reason: v.reason });
    } catch (e) {
      if (e instanceof LockLostError || e instanceof ConflictError) {
        run.log('error', `Intermediate state refused: ${errorMessage(e)}`);
        throw e;
      }
      run.log('warn', `Intermediate state not saved yet (${errorMessage(e)}); the final state will be`);
    }
  };
}
