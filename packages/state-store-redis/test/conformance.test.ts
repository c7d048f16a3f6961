import { afterAll, beforeAll, describe, it } from 'vitest';
import { stateStoreConformance } from '@iac-orchestrator/core/testing';
import { RedisStateStore } from '../src/index.js';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { redisObtainable, testRedis, type TestRedis } from './support/redis.js';

const ok = prerequisite('redis', await redisObtainable(), 'no Redis at 127.0.0.1:6379 and no redis-server on PATH');

// Each test gets a fresh store under its own key prefix on the same real Redis; all prefixes are deleted after.
describe.skipIf(!ok)('RedisStateStore conformance (real Redis)', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await testRedis();
  });
  afterAll(async () => {
    await redis?.cleanup();
  });

  describe('without encryption', () => {
    stateStoreConformance(it, async () => ({ store: new RedisStateStore({ url: redis.url, prefix: redis.newPrefix() }) }));
  });

  describe('with encryption at rest', () => {
    stateStoreConformance(it, async () => ({
      store: new RedisStateStore({ url: redis.url, prefix: redis.newPrefix(), encryptionKey: '0'.repeat(64) }),
    }));
  });
});
