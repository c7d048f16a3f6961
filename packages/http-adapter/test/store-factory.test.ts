import { describe, expect, it } from 'vitest';
import { createStore, MissingStorePackageError } from '../src/store-factory.js';

describe('createStore', () => {
  const redis = { store: { kind: 'redis' as const, url: 'redis://127.0.0.1:6379', prefix: 'test:' } };

  it('REDIS_URL without the Redis store installed fails with "install @iac-orchestrator/state-store-redis"', async () => {
    const missing = async () => {
      throw Object.assign(new Error("Cannot find package '@iac-orchestrator/state-store-redis'"), { code: 'ERR_MODULE_NOT_FOUND' });
    };
    const err = await createStore(redis, missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingStorePackageError);
    expect((err as Error).message).toMatch(/install @iac-orchestrator\/state-store-redis/);
  });

  it('loads the Redis store lazily and hands it url, prefix and key', async () => {
    let seen: unknown = null;
    class RedisStateStore {
      constructor(opts: unknown) {
        seen = opts;
      }
    }
    const store = await createStore({ store: { ...redis.store, encryptionKey: 'k'.repeat(20) } }, async (name) => {
      expect(name).toBe('@iac-orchestrator/state-store-redis');
      return { RedisStateStore };
    });
    expect(store).toBeInstanceOf(RedisStateStore);
    expect(seen).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'test:', encryptionKey: 'k'.repeat(20) });
  });

  it('an import error that is not "not installed" is not disguised', async () => {
    const broken = async () => {
      throw new SyntaxError('Unexpected token');
    };
    await expect(createStore(redis, broken)).rejects.toThrow(SyntaxError);
  });
});
