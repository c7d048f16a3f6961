/**
 * The per-stack part of the file store: the lock record with its fencing counter, and the state
 * versions. Every change happens inside the stack's cross-process mutex, which is what makes lock
 * exclusivity, strictly increasing tokens and the compare-and-set of versions hold across processes.
 * @module
 */
import { mkdir } from 'node:fs/promises';
import type { Lock, StateVersion } from '../types/domain.js';
import type { AcquireLockRequest, WriteStateVersionRequest } from '../types/state-store.js';
import { stackHash } from '../stack.js';
import { listFiles, readJson, writeJsonAtomic } from './file-store-atomic.js';
import type { RecordCodec } from './file-store-codec.js';
import { KeyedQueue, withFileMutex } from './file-store-mutex.js';
import { versionOfFileName, type StorePaths } from './file-store-paths.js';
import { checkWrite, grantLock, isLive, newStateVersion, renewedLock, retentionFloor, trimmed } from './store-rules.js';

/** `stacks/<hash>/lock.json`: the live lock (or null) and the last token handed out, in one atomic file. */
interface LockFile {
  stackKey: string;
  lastToken: number;
  lock: Lock | null;
}

export class StackFiles {
  private readonly queue = new KeyedQueue();
  private readonly prepared = new Set<string>();

  constructor(
    private readonly paths: StorePaths,
    private readonly codec: RecordCodec,
  ) {}

  /** Runs `fn` as the only writer of the stack, in this process and across processes. */
  private async exclusive<T>(stackKey: string, fn: () => Promise<T>): Promise<T> {
    const h = stackHash(stackKey);
    return this.queue.run(h, async () => {
      if (!this.prepared.has(h)) {
        await mkdir(this.paths.versionsDir(stackKey), { recursive: true, mode: 0o700 });
        this.prepared.add(h);
      }
      return withFileMutex(this.paths.mutex(`stack-${h}`), fn);
    });
  }

  private async readLockFile(stackKey: string): Promise<LockFile> {
    return (await readJson<LockFile>(this.paths.lockFile(stackKey))) ?? { stackKey, lastToken: 0, lock: null };
  }

  private writeLockFile(stackKey: string, file: LockFile): Promise<void> {
    return writeJsonAtomic(this.paths.lockFile(stackKey), file);
  }

  async getLock(stackKey: string): Promise<Lock | null> {
    const { lock } = await this.readLockFile(stackKey);
    return isLive(lock) ? lock : null;
  }

  acquire(request: AcquireLockRequest): Promise<Lock> {
    return this.exclusive(request.stackKey, async () => {
      const file = await this.readLockFile(request.stackKey);
      const lock = grantLock(request, file.lock, file.lastToken);
      await this.writeLockFile(request.stackKey, { stackKey: request.stackKey, lastToken: lock.token, lock });
      return lock;
    });
  }

  renew(stackKey: string, lockId: string, ttlMs: number): Promise<Lock> {
    return this.exclusive(stackKey, async () => {
      const file = await this.readLockFile(stackKey);
      const lock = renewedLock(file.lock, stackKey, lockId, ttlMs);
      await this.writeLockFile(stackKey, { ...file, lock });
      return lock;
    });
  }

  release(stackKey: string, lockId: string): Promise<boolean> {
    return this.exclusive(stackKey, async () => {
      const file = await this.readLockFile(stackKey);
      if (!file.lock || file.lock.lockId !== lockId) return false;
      await this.writeLockFile(stackKey, { ...file, lock: null });
      return isLive(file.lock);
    });
  }

  forceRelease(stackKey: string): Promise<Lock | null> {
    return this.exclusive(stackKey, async () => {
      const file = await this.readLockFile(stackKey);
      if (!file.lock) return null;
      await this.writeLockFile(stackKey, { ...file, lock: null });
      return isLive(file.lock) ? file.lock : null;
    });
  }

  /** Version numbers present on disk, ascending. */
  private async versionNumbers(stackKey: string): Promise<number[]> {
    const numbers = (await listFiles(this.paths.versionsDir(stackKey))).map(versionOfFileName).filter((n): n is number => n !== null);
    return numbers.sort((a, b) => a - b);
  }

  private async readVersion(stackKey: string, version: number): Promise<StateVersion | null> {
    const stored = await readJson<unknown>(this.paths.version(stackKey, version));
    return stored === null ? null : this.codec.decode<StateVersion>(stored);
  }

  private writeVersion(v: StateVersion): Promise<void> {
    const header = { stackKey: v.stackKey, version: v.version, deploymentId: v.deploymentId, retained: v.retained, createdAt: v.createdAt };
    return writeJsonAtomic(this.paths.version(v.stackKey, v.version), this.codec.encode(v, header));
  }

  async getVersion(stackKey: string, version?: number): Promise<StateVersion | null> {
    if (version === undefined) {
      const numbers = await this.versionNumbers(stackKey);
      if (numbers.length === 0) return null;
      version = numbers[numbers.length - 1];
    }
    return this.readVersion(stackKey, version);
  }

  async listVersions(stackKey: string, limit: number): Promise<StateVersion[]> {
    const newest = (await this.versionNumbers(stackKey)).reverse().slice(0, limit);
    const out: StateVersion[] = [];
    for (const n of newest) {
      const v = await this.readVersion(stackKey, n);
      if (v) out.push({ ...v, raw: null });
    }
    return out;
  }

  /**
   * Compare-and-set write of the next version, then trimming of what fell out of retention. The new
   * version file is written first: a crash before the trim leaves extra raw state, never lost state,
   * and the next write trims it (it walks down until it meets an already trimmed version, then trims
   * oldest first).
   */
  write(request: WriteStateVersionRequest): Promise<StateVersion> {
    return this.exclusive(request.stackKey, async () => {
      const { lock } = await this.readLockFile(request.stackKey);
      const numbers = await this.versionNumbers(request.stackKey);
      checkWrite(request, lock, numbers.length ? numbers[numbers.length - 1] : 0);
      const written = newStateVersion(request);
      await this.writeVersion(written);
      const floor = retentionFloor(written.version, request.retention);
      const stale: StateVersion[] = [];
      for (const n of numbers.filter((x) => x <= floor).reverse()) {
        const old = await this.readVersion(request.stackKey, n);
        if (!old) continue;
        if (!old.retained) break;
        stale.push(old);
      }
      // Oldest first: a crash part-way leaves the trimmed versions below the retained ones, so the next
      // write's walk down from its floor still reaches every version left with raw state.
      for (const old of stale.reverse()) await this.writeVersion(trimmed(old));
      return written;
    });
  }
}
