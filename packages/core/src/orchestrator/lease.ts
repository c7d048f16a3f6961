import type { Lock } from '../types/domain.js';
import type { AcquireLockRequest, StateStore } from '../types/state-store.js';
import { CancelledError, LockLostError, StateLockedError } from '../errors.js';
import { sleep } from './util.js';

/**
 * A stack lock held by a running deployment: renewed every third of its lease, and reported lost (once)
 * when a renewal is refused or the lease ran out before a renewal got through.
 */
export class StackLease {
  private timer: NodeJS.Timeout | null = null;
  private lost = false;

  constructor(
    private readonly store: StateStore,
    public lock: Lock,
    private readonly ttlMs: number,
    private readonly onLost: (err: LockLostError) => void,
  ) {}

  get lockId(): string {
    return this.lock.lockId;
  }

  get token(): number {
    return this.lock.token;
  }

  start(): void {
    if (this.timer) return;
    const every = Math.max(50, Math.floor(this.ttlMs / 3));
    this.timer = setInterval(() => void this.renew().catch(() => undefined), every);
    this.timer.unref();
  }

  /** Renews now; throws LockLostError when the lock is no longer ours. */
  async renew(): Promise<void> {
    if (this.lost) throw new LockLostError('The stack lock was lost');
    try {
      this.lock = await this.store.renewLock(this.lock.stackKey, this.lock.lockId, this.ttlMs);
    } catch (e) {
      if (e instanceof LockLostError || Date.now() > Date.parse(this.lock.expiresAt)) {
        const err = e instanceof LockLostError ? e : new LockLostError('The stack lock lease expired before it could be renewed');
        this.markLost(err);
        throw err;
      }
      // A transient store error: the lease still runs; the next tick tries again.
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async release(): Promise<void> {
    this.stop();
    if (!this.lost) await this.store.releaseLock(this.lock.stackKey, this.lock.lockId).catch(() => false);
  }

  private markLost(err: LockLostError): void {
    if (this.lost) return;
    this.lost = true;
    this.stop();
    this.onLost(err);
  }
}

/**
 * Acquires a stack's lock, waiting (polling with backoff) up to `waitMs` while another holder has it.
 * Calls `onContention` once per distinct holder seen. Rejects with StateLockedError naming the holder.
 */
export async function acquireStackLock(
  store: StateStore,
  request: AcquireLockRequest,
  waitMs: number,
  signal: AbortSignal,
  onContention: (holder: Lock | null) => void,
): Promise<Lock> {
  const deadline = Date.now() + waitMs;
  let delay = 100;
  let lastHolder: string | null = null;
  for (;;) {
    if (signal.aborted) throw signal.reason ?? new CancelledError();
    try {
      return await store.acquireLock(request);
    } catch (e) {
      if (!(e instanceof StateLockedError)) throw e;
      const holderId = (e.lock?.lockId as string | undefined) ?? null;
      if (holderId !== lastHolder) {
        lastHolder = holderId;
        onContention((e.lock as Lock | null) ?? null);
      }
      if (Date.now() + delay > deadline) throw e;
      await sleep(delay, signal);
      delay = Math.min(delay * 2, 2000);
    }
  }
}
