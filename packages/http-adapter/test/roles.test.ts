import { describe, expect, it } from 'vitest';
import { InProcessJobQueue } from '@iac-orchestrator/core';
import { ConfigError, loadConfig } from '../src/config.js';
import { BULLMQ_QUEUE_PACKAGE, createQueue, MissingStorePackageError } from '../src/store-factory.js';

describe('ORCHESTRATOR_ROLE', () => {
  it('defaults to all, with the in-process queue when there is no REDIS_URL', () => {
    const c = loadConfig({});
    expect(c.role).toBe('all');
    expect(c.queue).toEqual({ kind: 'in-process' });
  });

  it('api and worker need REDIS_URL, and say so', () => {
    for (const role of ['api', 'worker']) {
      expect(() => loadConfig({ ORCHESTRATOR_ROLE: role })).toThrow(ConfigError);
      expect(() => loadConfig({ ORCHESTRATOR_ROLE: role })).toThrow(`ORCHESTRATOR_ROLE=${role} needs REDIS_URL`);
    }
    const c = loadConfig({ ORCHESTRATOR_ROLE: 'worker', REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: 'orch:' });
    expect(c.role).toBe('worker');
    expect(c.queue).toEqual({ kind: 'bullmq', url: 'redis://127.0.0.1:6379', prefix: 'orch:' });
  });

  it('refuses an unknown role naming the variable', () => {
    expect(() => loadConfig({ ORCHESTRATOR_ROLE: 'scheduler' })).toThrow(/ORCHESTRATOR_ROLE/);
  });
});

describe('createQueue', () => {
  it('is core\'s in-process queue without REDIS_URL', async () => {
    const q = await createQueue({ queue: { kind: 'in-process' } });
    expect(q).toBeInstanceOf(InProcessJobQueue);
    await q.close();
  });

  it('REDIS_URL without the BullMQ queue installed fails with "install @iac-orchestrator/queue-bullmq"', async () => {
    const missing = async () => {
      throw Object.assign(new Error(`Cannot find package '${BULLMQ_QUEUE_PACKAGE}'`), { code: 'ERR_MODULE_NOT_FOUND' });
    };
    const err = await createQueue({ queue: { kind: 'bullmq', url: 'redis://127.0.0.1:6379' } }, missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingStorePackageError);
    expect((err as Error).message).toBe('REDIS_URL is set: install @iac-orchestrator/queue-bullmq (npm install @iac-orchestrator/queue-bullmq)');
  });

  it('loads the BullMQ queue lazily and hands it url and prefix', async () => {
    let seen: unknown = null;
    class BullMqJobQueue {
      constructor(opts: unknown) {
        seen = opts;
      }
    }
    const q = await createQueue({ queue: { kind: 'bullmq', url: 'redis://127.0.0.1:6380', prefix: 'p:' } }, async (name) => {
      expect(name).toBe(BULLMQ_QUEUE_PACKAGE);
      return { BullMqJobQueue };
    });
    expect(q).toBeInstanceOf(BullMqJobQueue);
    expect(seen).toEqual({ url: 'redis://127.0.0.1:6380', prefix: 'p:' });
  });
});
