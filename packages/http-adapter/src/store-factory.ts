import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FileStateStore, InProcessJobQueue, type JobQueue, type StateStore } from '@iac-orchestrator/core';
import type { ServiceConfig } from './config.js';

/** The package that holds the Redis store; loaded only when `REDIS_URL` is set. */
export const REDIS_STORE_PACKAGE = '@iac-orchestrator/state-store-redis';
/** The package that holds the SQLite store, the embedded default; loaded only when it is used (a native addon). */
export const SQLITE_STORE_PACKAGE = '@iac-orchestrator/state-store-sqlite';

interface RedisStoreModule {
  RedisStateStore: new (opts: { url: string; prefix?: string; encryptionKey?: string; retentionDays?: number }) => StateStore;
}

/** The package that holds the BullMQ job queue; loaded only when `REDIS_URL` is set. */
export const BULLMQ_QUEUE_PACKAGE = '@iac-orchestrator/queue-bullmq';

interface BullMqQueueModule {
  BullMqJobQueue: new (opts: { url: string; prefix?: string }) => JobQueue;
}

/** What the service uses of the SQLite package (its store, and the import of a file-store data dir). */
export interface SqliteStoreModule {
  SqliteStateStore: new (opts: { dataDir: string; encryptionKey?: string; retentionDays?: number }) => StateStore;
  DATABASE_FILE: string;
  isFileStoreDir(dir: string): Promise<boolean>;
  importFileStore(target: StateStore, options: { from: string; encryptionKey?: string }): Promise<Record<string, number>>;
}

/** Raised when the configured store's package is not installed. */
export class MissingStorePackageError extends Error {
  override readonly name = 'MissingStorePackageError';
}

/**
 * Raised when the SQLite store would start empty beside a file store holding this installation's history:
 * starting anyway would look as if every deployment and state version were gone.
 */
export class FileStoreNeedsImportError extends Error {
  override readonly name = 'FileStoreNeedsImportError';
}

type Loader = (name: string) => Promise<unknown>;

/** Imports a store package; "not installed" becomes a {@link MissingStorePackageError} saying what to install. */
async function loadStorePackage<T>(name: string, why: string, exportName: string, load: Loader): Promise<T> {
  let mod: unknown;
  try {
    mod = await load(name);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(String((e as Error).message))) {
      throw new MissingStorePackageError(`${why}: install ${name} (npm install ${name})`);
    }
    throw e;
  }
  if (typeof (mod as Record<string, unknown>)[exportName] !== 'function') {
    throw new MissingStorePackageError(`${why} but ${name} has no ${exportName}: install ${name}`);
  }
  return mod as T;
}

/** The SQLite package, loaded lazily (the Redis and file-store services never load its native addon). */
export function loadSqliteStore(load: Loader = (n) => import(n)): Promise<SqliteStoreModule> {
  return loadStorePackage<SqliteStoreModule>(SQLITE_STORE_PACKAGE, 'The embedded store is SQLite', 'SqliteStateStore', load);
}

/**
 * The state store of the configuration: SQLite in `ORCHESTRATOR_DATA_DIR` (the default), the file store
 * (`ORCHESTRATOR_STORE=file`), or with `REDIS_URL` the Redis store. Store packages are imported lazily.
 */
export async function createStore(config: Pick<ServiceConfig, 'store'>, load: Loader = (n) => import(n)): Promise<StateStore> {
  const s = config.store;
  if (s.kind === 'file') return new FileStateStore({ dataDir: s.dataDir, encryptionKey: s.encryptionKey });
  if (s.kind === 'sqlite') {
    const mod = await loadSqliteStore(load);
    if (!existsSync(join(s.dataDir, mod.DATABASE_FILE)) && (await mod.isFileStoreDir(s.dataDir))) {
      throw new FileStoreNeedsImportError(
        `ORCHESTRATOR_DATA_DIR (${s.dataDir}) holds a file store: move it into SQLite with \`iac-orchestrator import-file-store ${s.dataDir}\`, or keep using it with ORCHESTRATOR_STORE=file`,
      );
    }
    return new mod.SqliteStateStore({ dataDir: s.dataDir, encryptionKey: s.encryptionKey, retentionDays: s.retentionDays });
  }
  const mod = await loadStorePackage<RedisStoreModule>(REDIS_STORE_PACKAGE, 'REDIS_URL is set', 'RedisStateStore', load);
  return new mod.RedisStateStore({ url: s.url, prefix: s.prefix, encryptionKey: s.encryptionKey, retentionDays: s.retentionDays });
}

/**
 * The job queue of the configuration: core's in-process queue, or (with `REDIS_URL`) BullMQ on that Redis,
 * imported lazily so that a single-process service never needs BullMQ.
 */
export async function createQueue(config: Pick<ServiceConfig, 'queue'>, load: Loader = (n) => import(n)): Promise<JobQueue> {
  const q = config.queue;
  if (q.kind === 'in-process') return new InProcessJobQueue();
  const mod = await loadStorePackage<BullMqQueueModule>(BULLMQ_QUEUE_PACKAGE, 'REDIS_URL is set', 'BullMqJobQueue', load);
  return new mod.BullMqJobQueue({ url: q.url, prefix: q.prefix });
}
