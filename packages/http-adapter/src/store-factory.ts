import { FileStateStore, InProcessJobQueue, type JobQueue, type StateStore } from '@iac-orchestrator/core';
import type { ServiceConfig } from './config.js';

/** The package that holds the Redis store; loaded only when `REDIS_URL` is set. */
export const REDIS_STORE_PACKAGE = '@iac-orchestrator/state-store-redis';

interface RedisStoreModule {
  RedisStateStore: new (opts: { url: string; prefix?: string; encryptionKey?: string }) => StateStore;
}

/** The package that holds the BullMQ job queue; loaded only when `REDIS_URL` is set. */
export const BULLMQ_QUEUE_PACKAGE = '@iac-orchestrator/queue-bullmq';

interface BullMqQueueModule {
  BullMqJobQueue: new (opts: { url: string; prefix?: string }) => JobQueue;
}

/** Raised when REDIS_URL is set but the Redis store or the BullMQ queue is not installed. */
export class MissingStorePackageError extends Error {
  override readonly name = 'MissingStorePackageError';
}

/**
 * The state store of the configuration: the embedded file store, or (with `REDIS_URL`) the Redis store,
 * imported lazily so the file-store service never needs its dependencies.
 */
export async function createStore(config: Pick<ServiceConfig, 'store'>, load: (name: string) => Promise<unknown> = (n) => import(n)): Promise<StateStore> {
  const s = config.store;
  if (s.kind === 'file') return new FileStateStore({ dataDir: s.dataDir, encryptionKey: s.encryptionKey });
  let mod: RedisStoreModule;
  try {
    mod = (await load(REDIS_STORE_PACKAGE)) as RedisStoreModule;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(String((e as Error).message))) {
      throw new MissingStorePackageError(`REDIS_URL is set: install ${REDIS_STORE_PACKAGE} (npm install ${REDIS_STORE_PACKAGE})`);
    }
    throw e;
  }
  if (typeof mod.RedisStateStore !== 'function') {
    throw new MissingStorePackageError(`REDIS_URL is set but ${REDIS_STORE_PACKAGE} has no RedisStateStore: install @iac-orchestrator/state-store-redis`);
  }
  return new mod.RedisStateStore({ url: s.url, prefix: s.prefix, encryptionKey: s.encryptionKey });
}

const isModuleNotFound = (e: unknown) => {
  const code = (e as { code?: string }).code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(String((e as Error).message));
};

/**
 * The job queue of the configuration: core's in-process queue, or (with `REDIS_URL`) BullMQ on that Redis,
 * imported lazily so that a single-process service never needs BullMQ.
 */
export async function createQueue(config: Pick<ServiceConfig, 'queue'>, load: (name: string) => Promise<unknown> = (n) => import(n)): Promise<JobQueue> {
  const q = config.queue;
  if (q.kind === 'in-process') return new InProcessJobQueue();
  let mod: BullMqQueueModule;
  try {
    mod = (await load(BULLMQ_QUEUE_PACKAGE)) as BullMqQueueModule;
  } catch (e) {
    if (isModuleNotFound(e)) throw new MissingStorePackageError(`REDIS_URL is set: install ${BULLMQ_QUEUE_PACKAGE} (npm install ${BULLMQ_QUEUE_PACKAGE})`);
    throw e;
  }
  if (typeof mod.BullMqJobQueue !== 'function') {
    throw new MissingStorePackageError(`REDIS_URL is set but ${BULLMQ_QUEUE_PACKAGE} has no BullMqJobQueue: install ${BULLMQ_QUEUE_PACKAGE}`);
  }
  return new mod.BullMqJobQueue({ url: q.url, prefix: q.prefix });
}
