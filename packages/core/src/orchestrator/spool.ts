import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StateVersion } from '../types/domain.js';
import type { RunHost } from './host.js';
import { updateDeployment } from './deployment-writes.js';
import { errorMessage, nowIso } from './util.js';

/**
 * The local spool: a state version that could not be written because the store was unreachable is kept on
 * this machine's disk (0600 files in a 0700 dir) until `recover()` can write it, on top of exactly the
 * version it was planned from. Nothing the tool created is forgotten while the store is down.
 */
export interface SpooledVersion {
  deploymentId: string;
  stackKey: string;
  baseVersion: number;
  version: Omit<StateVersion, 'version' | 'retained' | 'createdAt'>;
  spooledAt: string;
}

const spoolDir = (host: RunHost) => join(host.options.workDir, 'unsaved-state');

export async function spoolVersion(host: RunHost, entry: Omit<SpooledVersion, 'spooledAt'>): Promise<string> {
  const dir = spoolDir(host);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${entry.deploymentId}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ ...entry, spooledAt: nowIso() }), { mode: 0o600, flag: 'w' });
  await rename(tmp, file);
  return file;
}

/** Writes what the spool holds; each entry goes once the store answers and the stack's lock is free. */
export async function flushSpool(host: RunHost): Promise<string[]> {
  const dir = spoolDir(host);
  const names = await readdir(dir).catch(() => [] as string[]);
  const written: string[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const file = join(dir, name);
    const entry = JSON.parse(await readFile(file, 'utf8')) as SpooledVersion;
    const lock = await host.store.acquireLock({ stackKey: entry.stackKey, operation: 'save-state', who: 'orchestrator', info: `spooled state of ${entry.deploymentId}`, ttlMs: host.options.lockTtlMs, deploymentId: entry.deploymentId }).catch(() => null);
    if (!lock) continue; // held, or the store is still away: next time
    try {
      const current = await host.store.getStateVersion(entry.stackKey);
      if ((current?.version ?? 0) !== entry.baseVersion) {
        // Someone wrote since: never overwrite newer state. Keep it in the store for a human to reconcile.
        await host.store.putPlan({ deploymentId: `${entry.deploymentId}:unsaved-state`, baseVersion: entry.baseVersion, summary: { add: 0, change: 0, destroy: 0, hasChanges: false, resources: [] }, artifact: entry.version, createdAt: nowIso() });
        await note(host, entry.deploymentId, 'error', `The state spooled while the store was unreachable could not be written (the stack moved to version ${current?.version ?? 0}); it is kept in the store under plan "${entry.deploymentId}:unsaved-state"`);
      } else {
        const v = await host.store.writeStateVersion({ stackKey: entry.stackKey, expectedVersion: entry.baseVersion, lockId: lock.lockId, token: lock.token, retention: host.options.stateRetention, version: entry.version });
        await updateDeployment(host.store, entry.deploymentId, (d) => ({ ...d, stateVersion: v.version })).catch(() => undefined);
        await note(host, entry.deploymentId, 'warn', `Wrote state version ${v.version}, spooled on local disk while the store was unreachable`);
        host.events.emit('stateVersion', { deploymentId: entry.deploymentId, stackKey: v.stackKey, version: v.version, reason: v.reason });
        written.push(entry.deploymentId);
      }
      await rm(file, { force: true });
    } catch (e) {
      host.logger('warn', 'could not write a spooled state version yet', { deploymentId: entry.deploymentId, error: errorMessage(e) });
    } finally {
      await host.store.releaseLock(entry.stackKey, lock.lockId).catch(() => false);
    }
  }
  return written;
}

async function note(host: RunHost, deploymentId: string, level: 'warn' | 'error', message: string): Promise<void> {
  await host.store.appendLogs(deploymentId, [{ timestamp: nowIso(), level, message, resource: null }]).catch(() => undefined);
}
