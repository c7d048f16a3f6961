import type { Deployment, StackState, StateVersion } from '../types/domain.js';
import { ConflictError, InvalidStateError, NotFoundError, VersionNotRetainedError } from '../errors.js';
import { stateIdOf } from '../stack.js';
import type { RunHost } from './host.js';
import { LockInputSchema, UnlockInputSchema, type Caller, type LockInput, type UnlockInput } from './inputs.js';
import { publicLock } from './job-run.js';
import { admitNext } from './admission.js';
import { assertMayRelease, holderOf, lockViewFor } from './manual-locks.js';
import type { PublicLock } from './types.js';
import { parseInput } from './validation.js';

/** A manual lock's lease when the caller names none. */
const MANUAL_LOCK_TTL_MS = 3600_000;

/** The state endpoints: the stack's current state, manual locks, and the retained versions behind rollback. */
export class StateLocks {
  constructor(
    private readonly host: RunHost,
    private readonly get: (id: string) => Promise<Deployment>,
  ) {}

  async getState(id: string, caller?: Caller): Promise<StackState> {
    const d = await this.get(id);
    const [current, lock] = await Promise.all([this.host.store.getStateVersion(d.stackKey), this.host.store.getLock(d.stackKey)]);
    await this.host.audit({ who: caller?.id ?? null, action: 'state.read', stackKey: d.stackKey, deploymentId: d.id, detail: { version: current?.version ?? 0 } });
    return {
      stateId: stateIdOf(d.stackKey),
      stackKey: d.stackKey,
      version: current?.version ?? 0,
      resources: current?.resources ?? [],
      outputs: current?.outputs ?? {},
      lastModified: current?.createdAt ?? null,
      locked: lock !== null,
      lock: lock ? lockViewFor(publicLock(lock), caller) : null,
    };
  }

  /** A manual lock on the deployment's stack: deployments of the stack wait (or fail) while it is held. */
  async lock(id: string, input: LockInput, caller?: Caller): Promise<PublicLock> {
    const req = parseInput(LockInputSchema, input, 'lock request');
    const d = await this.get(id);
    try {
      const holder = holderOf(req.who, caller);
      const info = [req.info, holder.note].filter(Boolean).join(' ');
      const lock = await this.host.store.acquireLock({ stackKey: d.stackKey, operation: req.operation, who: holder.who, info, ttlMs: req.ttlMs ?? MANUAL_LOCK_TTL_MS, deploymentId: null });
      await this.host.audit({ who: holder.who, action: 'lock.acquire', stackKey: d.stackKey, deploymentId: d.id, detail: { lockId: lock.lockId, operation: req.operation, who: req.who } });
      return publicLock(lock);
    } catch (e) {
      this.host.events.emit('lockContention', { deploymentId: null, stackKey: d.stackKey, holder: null });
      throw e;
    }
  }

  /** Releases with the lockId the lock was given under; `force` removes whatever is held. */
  async unlock(id: string, input: UnlockInput, caller?: Caller): Promise<{ unlocked: boolean; lock: PublicLock | null }> {
    const req = parseInput(UnlockInputSchema, input, 'unlock request');
    const d = await this.get(id);
    const held = await this.host.store.getLock(d.stackKey);
    if (req.force) {
      const removed = await this.host.store.forceReleaseLock(d.stackKey);
      await this.host.audit({ who: caller?.id ?? null, action: 'lock.force-release', stackKey: d.stackKey, deploymentId: d.id, detail: { lockId: removed?.lockId ?? null, holder: removed?.who ?? null } });
      if (removed && !removed.deploymentId) await admitNext(this.host, d.stackKey);
      return { unlocked: removed !== null, lock: removed ? publicLock(removed) : null };
    }
    if (!held) throw new ConflictError('State is not locked');
    if (held.deploymentId) {
      throw new InvalidStateError(`The lock belongs to running deployment ${held.deploymentId}: cancel it, or force-unlock`);
    }
    assertMayRelease(held, caller);
    if (held.lockId !== req.lockId) throw new ConflictError('Lock ID does not match the lock held on this state', { lock: lockViewFor(publicLock(held), caller) });
    const unlocked = await this.host.store.releaseLock(d.stackKey, held.lockId);
    await this.host.audit({ who: caller?.id ?? null, action: 'lock.release', stackKey: d.stackKey, deploymentId: d.id, detail: { lockId: held.lockId } });
    // Deployments waiting behind the manual lock need not wait for their next look.
    if (unlocked) await admitNext(this.host, d.stackKey);
    return { unlocked, lock: publicLock(held) };
  }

  /** The version a rollback may restore: it must exist and still keep its raw state and code. */
  async retainedVersion(d: Deployment, version: number): Promise<StateVersion> {
    const v = await this.host.store.getStateVersion(d.stackKey, version);
    if (!v) throw new NotFoundError(`State version ${version} not found for this stack`);
    const bundle = v.retained ? await this.host.store.getBundle(v.bundleDigest) : null;
    if (!v.retained || !bundle) {
      throw new VersionNotRetainedError(
        `State version ${version} is no longer retained: only the last ${this.host.options.stateRetention} versions keep their state and code`,
      );
    }
    return v;
  }
}
