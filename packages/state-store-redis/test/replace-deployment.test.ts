/**
 * `replaceDeployment` between separate connections (as between replicas) on a real Redis: one winner per
 * round of a race, plain and sealed; index entries healed by the atomic write; bad arguments refused.
 */
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError, type Deployment } from '@iac-orchestrator/core';
import { RedisStateStore } from '../src/index.js';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { Keys } from '../src/keys.js';
import { redisObtainable, storedStrings, testRedis, type TestRedis } from './support/redis.js';

const ok = prerequisite('redis', await redisObtainable(), 'no Redis at 127.0.0.1:6379 and no redis-server on PATH');

const deployment = (id: string, extra: Partial<Deployment> = {}): Deployment =>
  ({
    id,
    createdAt: '2026-06-01T00:00:00.000Z',
    stackKey: 'bp:dev:aws:terraform',
    blueprintId: 'bp',
    environment: 'dev',
    status: 'pending',
    revision: 0,
    requestedBy: 'creator',
    outputs: {},
    ...extra,
  }) as Deployment;

describe.skipIf(!ok)('RedisStateStore.replaceDeployment between connections (real Redis)', () => {
  let redis: TestRedis;
  const opened: RedisStateStore[] = [];

  /** Two stores on their own connections over one key space: what two replicas see. */
  async function replicas(encryptionKey?: string): Promise<{ a: RedisStateStore; b: RedisStateStore; prefix: string }> {
    const prefix = redis.newPrefix();
    const a = new RedisStateStore({ url: redis.url, prefix, encryptionKey });
    const b = new RedisStateStore({ url: redis.url, prefix, encryptionKey });
    opened.push(a, b);
    await Promise.all([a.init(), b.init()]);
    return { a, b, prefix };
  }

  beforeAll(async () => {
    redis = await testRedis();
  });
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await redis?.cleanup();
  });

  for (const [label, key] of [
    ['plain', undefined],
    ['sealed', 'b'.repeat(64)],
  ] as const) {
    it(`two connections racing on one record (${label}): exactly one wins every round`, async () => {
      const { a, b, prefix } = await replicas(key);
      await a.putDeployment(deployment('raced'));
      const rounds = 20;
      for (let round = 1; round <= rounds; round++) {
        // Both read the same record, then both try to write their next revision of it.
        const [fromA, fromB] = await Promise.all([a.getDeployment('raced'), b.getDeployment('raced')]);
        expect(fromA?.revision).toBe(round - 1);
        expect(fromB).toEqual(fromA);
        const results = await Promise.all([
          a.replaceDeployment({ ...fromA!, requestedBy: 'replica-a', revision: round }, round - 1),
          b.replaceDeployment({ ...fromB!, requestedBy: 'replica-b', revision: round }, round - 1),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
        const stored = await b.getDeployment('raced');
        expect(stored?.revision).toBe(round);
        expect(stored?.requestedBy).toBe(results[0] ? 'replica-a' : 'replica-b');
      }
      if (key) expect(await storedStrings(redis.url, prefix)).not.toContain('replica-');
    });
  }

  it('writes the index entries with the record, restoring ones a cut-off putDeployment left out', async () => {
    const { a, b, prefix } = await replicas();
    const d = deployment('healed', { blueprintId: 'heal' });
    await a.putDeployment(d);
    // As if putDeployment died after the record and before its index entries.
    const client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const member = `${d.createdAt}\u0000${d.id}`;
      const keys = new Keys(prefix);
      await client.zRem(keys.deploymentsByBlueprint('heal'), member);
      await client.zRem(keys.deploymentsByStatus('pending'), member);
    } finally {
      client.destroy();
    }
    expect((await b.listDeployments({ blueprintId: 'heal', limit: 10 })).items).toEqual([]);
    expect(await b.replaceDeployment({ ...d, status: 'planning', revision: 1 }, 0)).toBe(true);
    expect((await b.listDeployments({ blueprintId: 'heal', limit: 10 })).items.map((x) => x.id)).toEqual(['healed']);
    expect((await a.listDeployments({ status: 'planning', limit: 10 })).items.map((x) => x.status)).toEqual(['planning']);
    expect((await a.listDeployments({ status: 'pending', limit: 10 })).items).toEqual([]);
  });

  it('refuses a revision that is not expectedRevision + 1, or a bad expectedRevision, and writes nothing', async () => {
    const { a } = await replicas();
    const d = deployment('checked');
    await a.putDeployment(d);
    await expect(a.replaceDeployment({ ...d, status: 'planning', revision: 0 }, 0)).rejects.toBeInstanceOf(ValidationError);
    await expect(a.replaceDeployment({ ...d, status: 'planning', revision: 2 }, 0)).rejects.toBeInstanceOf(ValidationError);
    await expect(a.replaceDeployment({ ...d, status: 'planning', revision: 0 }, -1)).rejects.toBeInstanceOf(ValidationError);
    await expect(a.replaceDeployment({ ...d, status: 'planning', revision: 1.5 }, 0.5)).rejects.toBeInstanceOf(ValidationError);
    expect(await a.getDeployment('checked')).toEqual(d);
  });
});
