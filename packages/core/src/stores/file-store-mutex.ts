/**
 * Short critical sections across processes on one machine (and across async calls in this one).
 *
 * A mutex is a file created with `link(2)` from a temp file that already holds the owner record
 * (`{pid, host, nonce, at}`): `link` fails with EEXIST when the mutex is held, and the mutex file is
 * never seen half-written. The holder removes it when done.
 *
 * A holder killed inside its critical section leaves the file behind. It is stale when its pid is no
 * longer alive on this host, or when it is older than {@link MUTEX_STALE_MS} (critical sections take
 * milliseconds; this also covers pid reuse). Breaking a stale mutex happens under a second "break"
 * mutex and re-checks the owner's nonce before removing it, so two processes breaking at once cannot
 * remove a mutex that a third has just taken.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { link, open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { StoreUnavailableError } from '../errors.js';
import { ageMs, isProcessAlive } from './file-store-atomic.js';

/** A mutex older than this is broken even if its pid looks alive. */
export const MUTEX_STALE_MS = 30_000;
/** How long to wait for a mutex before giving up with `StoreUnavailableError`. */
export const MUTEX_WAIT_MS = 60_000;

interface MutexOwner {
  pid: number;
  host: string;
  nonce: string;
  at: string;
}

const HOST = hostname();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Serialises async work per key inside this process; cheaper than polling the file mutex. */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}

/** Creates `path` holding an owner record, atomically; false when it already exists. */
async function tryCreate(path: string): Promise<MutexOwner | false> {
  const owner: MutexOwner = { pid: process.pid, host: HOST, nonce: randomBytes(8).toString('hex'), at: new Date().toISOString() };
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(JSON.stringify(owner));
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, path);
    return owner;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

async function readOwner(path: string): Promise<MutexOwner | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as MutexOwner;
  } catch {
    return null;
  }
}

/** Whether the mutex at `path` was left by a dead holder (or is too old to be a live one). */
async function isStale(path: string, owner: MutexOwner | null): Promise<boolean> {
  const age = await ageMs(path);
  if (age === null) return false;
  if (age > MUTEX_STALE_MS) return true;
  if (!owner) return age > 2_000; // unreadable owner: only after a power loss; give a live writer time
  return owner.host === HOST && !isProcessAlive(owner.pid);
}

/** Removes `path` if it still holds the stale owner `seen`, under the break mutex. */
async function breakStale(path: string, seen: MutexOwner | null): Promise<void> {
  const breakPath = `${path}.break`;
  const breaker = await tryCreate(breakPath);
  if (!breaker) {
    // Someone else is breaking it, or a breaker died: a dead breaker's file is removed directly.
    if (await isStale(breakPath, await readOwner(breakPath))) await unlink(breakPath).catch(() => undefined);
    return;
  }
  try {
    const now = await readOwner(path);
    if ((now?.nonce ?? null) === (seen?.nonce ?? null) && (await isStale(path, now))) await unlink(path).catch(() => undefined);
  } finally {
    await unlink(breakPath).catch(() => undefined);
  }
}

/** Runs `fn` holding the cross-process mutex at `path`. */
export async function withFileMutex<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  let delay = 1;
  let owner: MutexOwner | false;
  while (!(owner = await tryCreate(path))) {
    const holder = await readOwner(path);
    if (await isStale(path, holder)) {
      await breakStale(path, holder);
      continue;
    }
    if (Date.now() - started > MUTEX_WAIT_MS) {
      throw new StoreUnavailableError('Timed out waiting for a file store mutex; another process holds it', { mutex: path });
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 25);
  }
  try {
    return await fn();
  } finally {
    const current = await readOwner(path);
    if (current?.nonce === owner.nonce) await unlink(path).catch(() => undefined);
  }
}
