import { hostname } from 'node:os';
import { join } from 'node:path';
import { open, readFile, rm, stat } from 'node:fs/promises';

/** A holder that stopped renewing its lock file for this long is considered dead (another machine, NFS). */
const STALE_MS = 10 * 60_000;
const POLL_MS = 150;

interface Holder {
  pid: number;
  host: string;
}

/** Whether the holder is surely gone: same host and its pid no longer exists. */
async function holderIsGone(file: string): Promise<boolean> {
  try {
    const [text, st] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    if (Date.now() - st.mtimeMs > STALE_MS) return true;
    const h = JSON.parse(text) as Holder;
    if (h.host !== hostname()) return false;
    try {
      process.kill(h.pid, 0);
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
  } catch {
    // Unreadable: being written right now, or removed; check again on the next round.
    return false;
  }
}

/**
 * Runs `fn` while holding the plugin cache's init lock: one `terraform init` at a time per cache dir,
 * across processes (an `O_EXCL`-created lock file naming its holder). Terraform documents concurrent
 * inits on one cache as unsafe. A holder that died (same host, pid gone) or went silent for 10 minutes
 * is taken over. Waiting stops when `signal` aborts.
 */
export async function withPluginCacheLock<T>(cacheDir: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  const file = join(cacheDir, '.orchestrator-init.lock');
  for (;;) {
    signal?.throwIfAborted();
    try {
      const fh = await open(file, 'wx', 0o600);
      try {
        await fh.writeFile(JSON.stringify({ pid: process.pid, host: hostname() } satisfies Holder));
      } finally {
        await fh.close();
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (await holderIsGone(file)) {
        await rm(file, { force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(file, { force: true });
  }
}
