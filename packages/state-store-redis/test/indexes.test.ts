/**
 * The Redis store's indexes (one per filter, the active set), its cursor semantics against the memory
 * store, retention of terminal deployments, logs, plans and audit entries, and Redis Cluster key-slot
 * discipline: every script's keys, and every multi-key read, in one slot.
 */
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStateStore, type DeploymentStatus, type ListDeploymentsQuery, type StateStore } from '@iac-orchestrator/core';
import { at, auditEntry, logEntry, makeDeployment } from '../../core/src/testing/store-conformance-fixtures.js';
import type { RedisConnection } from '../src/connection.js';
import { RedisStateStore } from '../src/index.js';
import { Keys } from '../src/keys.js';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { crc16, keySlot } from './support/key-slot.js';
import { redisObtainable, testRedis, type TestRedis } from './support/redis.js';

const ok = prerequisite('redis', await redisObtainable(), 'no Redis at 127.0.0.1:6379 and no redis-server on PATH');
const ACTIVE: DeploymentStatus[] = ['pending', 'planning', 'awaiting_approval', 'applying'];
const STATUSES: DeploymentStatus[] = ['pending', 'applying', 'completed', 'failed', 'awaiting_approval', 'cancelled'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function allPages(store: StateStore, query: Omit<ListDeploymentsQuery, 'cursor'>): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listDeployments({ ...query, cursor });
    pages.push(page.items.map((d) => d.id));
    cursor = page.nextCursor;
  } while (cursor && pages.length < 1000);
  return pages;
}

describe.skipIf(!ok)('RedisStateStore indexes, retention and cluster slots (real Redis)', () => {
  let redis: TestRedis;
  let client: ReturnType<typeof createClient>;
  const stores: RedisStateStore[] = [];
  const open = async (options: { retentionDays?: number } = {}) => {
    const prefix = redis.newPrefix();
    const store = new RedisStateStore({ url: redis.url, prefix, ...options });
    await store.init();
    stores.push(store);
    return { store, keys: new Keys(prefix) };
  };
  const members = async (key: string) => (await client.zRange(key, 0, -1)).map((m) => m.split('\u0000')[1]).sort();

  beforeAll(async () => {
    redis = await testRedis();
    client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    await client.connect();
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    client?.destroy();
    await redis?.cleanup();
  });

  it('keeps one index per filter value and the active set, moving entries when a record changes', async () => {
    const { store, keys } = await open();
    const d = makeDeployment({ id: 'idx-1', blueprintId: 'bp-a', environment: 'dev', status: 'pending', createdAt: at(1) });
    await store.putDeployment(d);
    expect(await members(keys.deploymentsAll())).toEqual(['idx-1']);
    expect(await members(keys.deploymentsByBlueprint('bp-a'))).toEqual(['idx-1']);
    expect(await members(keys.deploymentsByEnvironment('dev'))).toEqual(['idx-1']);
    expect(await members(keys.deploymentsByBlueprintEnvironment('bp-a', 'dev'))).toEqual(['idx-1']);
    expect(await members(keys.deploymentsByStack(d.stackKey))).toEqual(['idx-1']);
    expect(await members(keys.deploymentsByStatus('pending'))).toEqual(['idx-1']);
    expect(await members(keys.deploymentsActive())).toEqual(['idx-1']);
    // Overwritten with other filter values (as an import or a repair might): every old entry goes.
    const moved = { ...d, blueprintId: 'bp-b', environment: 'prod', stackKey: 'bp-b/prod/aws/terraform', status: 'completed' as const };
    await store.putDeployment(moved);
    for (const key of [keys.deploymentsByBlueprint('bp-a'), keys.deploymentsByBlueprintEnvironment('bp-a', 'dev'), keys.deploymentsByEnvironment('dev'), keys.deploymentsByStack(d.stackKey), keys.deploymentsByStatus('pending'), keys.deploymentsActive()]) {
      expect(await members(key), key).toEqual([]);
    }
    for (const key of [keys.deploymentsByBlueprint('bp-b'), keys.deploymentsByEnvironment('prod'), keys.deploymentsByStack(moved.stackKey), keys.deploymentsByStatus('completed')]) {
      expect(await members(key), key).toEqual(['idx-1']);
    }
    expect(await store.replaceDeployment({ ...moved, status: 'rolled_back', revision: 1 }, 0)).toBe(true);
    expect(await members(keys.deploymentsByStatus('completed'))).toEqual([]);
    expect(await members(keys.deploymentsByStatus('rolled_back'))).toEqual(['idx-1']);
  });

  it('recovery reads the active set only: its size is the active deployments, whatever the history', async () => {
    const { store, keys } = await open();
    for (let i = 0; i < 300; i++) await store.putDeployment(makeDeployment({ id: `old-${i}`, status: i % 2 ? 'completed' : 'failed', createdAt: at(i) }));
    const active = ACTIVE.map((status, i) => makeDeployment({ id: `live-${i}`, status, createdAt: at(1000 + i) }));
    for (const d of active) await store.putDeployment(d);
    expect(await client.zCard(keys.deploymentsActive())).toBe(4);
    const page = await store.listDeployments({ status: ACTIVE, limit: 100 });
    expect(page.items.map((d) => d.id)).toEqual(active.map((d) => d.id).reverse());
    expect(page.nextCursor).toBeNull();
  });

  it('pages exactly as the memory store does for every filter and several statuses (same cursor semantics as SQLite)', async () => {
    const { store } = await open();
    const memory = new MemoryStateStore();
    for (let i = 0; i < 90; i++) {
      const id = `d-${String((i * 37) % 90).padStart(3, '0')}`;
      const d = makeDeployment({ id, blueprintId: `bp-${i % 3}`, environment: i % 2 ? 'prod' : 'dev', status: STATUSES[i % 6], createdAt: at(Math.floor(i / 3)) });
      await store.putDeployment(d);
      await memory.putDeployment(d);
    }
    const queries: Omit<ListDeploymentsQuery, 'cursor'>[] = [
      { limit: 7 },
      { blueprintId: 'bp-1', limit: 6 },
      { environment: 'prod', limit: 9 },
      { status: 'completed', limit: 4 },
      { status: ['pending', 'applying', 'cancelled'], limit: 5 },
      { status: ACTIVE, limit: 3 },
      { stackKey: 'bp-2/dev/aws/terraform', limit: 3 },
      { blueprintId: 'bp-2', environment: 'dev', status: ['failed', 'pending'], limit: 2 },
    ];
    for (const q of queries) expect(await allPages(store, q), JSON.stringify(q)).toEqual(await allPages(memory, q));
  });

  it('with retentionDays, terminal deployments go with their index entries, logs and plans; active ones stay', async () => {
    const { store, keys } = await open({ retentionDays: 200 / 86_400_000 }); // 200 ms
    const done = makeDeployment({ id: 'ret-done', status: 'pending', createdAt: at(1) });
    const live = makeDeployment({ id: 'ret-live', status: 'applying', createdAt: at(2) });
    await store.putDeployment(done);
    await store.putDeployment(live);
    await store.appendLogs(done.id, [logEntry('one')]);
    await store.appendLogs(live.id, [logEntry('two')]);
    await store.putPlan({ deploymentId: done.id, baseVersion: 0, summary: { add: 0, change: 0, destroy: 0, hasChanges: false, resources: [] }, artifact: {}, createdAt: at(1) });
    expect(await store.replaceDeployment({ ...done, status: 'completed', revision: 1 }, 0)).toBe(true);
    expect(await store.pruneExpired()).toBe(0);
    await sleep(400);
    expect(await store.pruneExpired()).toBe(1);
    expect(await store.getDeployment(done.id)).toBeNull();
    expect((await store.readLogs(done.id)).entries).toEqual([]);
    expect(await store.getPlan(done.id)).toBeNull();
    expect((await store.listDeployments({ limit: 10 })).items.map((d) => d.id)).toEqual([live.id]);
    expect(await client.hLen(keys.deploymentHeaders())).toBe(1);
    for (const key of [keys.deploymentsAll(), keys.deploymentsByStatus('completed'), keys.deploymentsByStack(done.stackKey), keys.deploymentsByBlueprint('bp'), keys.deploymentsExpiry()]) {
      expect((await members(key)).filter((id) => id === done.id || key === keys.deploymentsExpiry()), key).toEqual([]);
    }
    expect((await store.readLogs(live.id)).entries).toHaveLength(1);
  });

  it('with retentionDays, audit entries past it are trimmed oldest first and their indexes do not grow', async () => {
    const { store, keys } = await open({ retentionDays: 200 / 86_400_000 });
    for (let i = 0; i < 5; i++) await store.appendAudit(auditEntry(`old-${i}`, 'stack-a', 'dep-a'));
    await sleep(400);
    await store.appendAudit(auditEntry('new', 'stack-a', 'dep-a'));
    expect((await store.listAudit({ limit: 100 })).map((e) => e.action)).toEqual(['new']);
    expect((await store.listAudit({ stackKey: 'stack-a', limit: 100 })).map((e) => e.action)).toEqual(['new']);
    expect(await client.hLen(keys.auditRecords())).toBe(1);
    expect(await client.zCard(keys.auditByStack('stack-a'))).toBe(1);
    expect(await client.pTTL(keys.auditByDeployment('dep-a'))).toBeGreaterThan(0);
  });

  it('every script declares keys of one slot, and every multi-key read stays in one slot (Redis Cluster)', async () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x31c3); // the CRC16/XMODEM check value Redis Cluster uses
    expect(keySlot('foo')).toBe(12182); // `CLUSTER KEYSLOT foo`
    const { store } = await open({ retentionDays: 100 / 86_400_000 });
    const h = await (store as unknown as { connection: RedisConnection }).connection.ready();
    const calls: { what: string; keys: string[] }[] = [];
    const redisClient = h.redis as unknown as Record<string, (...args: unknown[]) => unknown>;
    const spy = (name: string, keysOf: (args: unknown[]) => string[]) => {
      const original = redisClient[name].bind(h.redis);
      redisClient[name] = (...args: unknown[]) => {
        calls.push({ what: name, keys: keysOf(args) });
        return original(...args);
      };
    };
    spy('eval', (args) => (args[1] as { keys: string[] }).keys);
    spy('mGet', (args) => args[0] as string[]);

    for (const [i, stackKey] of ['a/dev/aws/terraform', 'b}{odd/prod/aws/terraform'].entries()) {
      const d = makeDeployment({ id: `slot-${i}`, stackKey, status: 'pending', createdAt: at(i) });
      await store.putDeployment(d);
      await store.replaceDeployment({ ...d, status: 'completed', revision: 1 }, 0);
      const lock = await store.acquireLock({ stackKey, operation: 'apply', who: 'me', ttlMs: 10_000 });
      await store.writeStateVersion({ stackKey, expectedVersion: 0, lockId: lock.lockId, token: lock.token, retention: 1, version: { stackKey, stateId: 's', deploymentId: d.id, bundleDigest: 'x', resources: [], outputs: {}, raw: { i }, reason: 'applied' } });
      await store.writeStateVersion({ stackKey, expectedVersion: 1, lockId: lock.lockId, token: lock.token, retention: 1, version: { stackKey, stateId: 's', deploymentId: d.id, bundleDigest: 'x', resources: [], outputs: {}, raw: { i }, reason: 'applied' } });
      await store.renewLock(stackKey, lock.lockId, 10_000);
      await store.releaseLock(stackKey, lock.lockId);
      await store.appendAudit(auditEntry('slot', stackKey, d.id));
    }
    for (const q of [{ limit: 5 }, { status: ['completed', 'pending'] as DeploymentStatus[], limit: 5 }, { blueprintId: 'bp', environment: 'dev', limit: 5 }]) await store.listDeployments(q);
    await sleep(200);
    await store.pruneExpired();
    const scripts = calls.filter((c) => c.what === 'eval');
    expect(scripts.length).toBeGreaterThanOrEqual(12);
    for (const call of calls) {
      const slots = new Set(call.keys.map(keySlot));
      expect(slots.size, `${call.what} over ${call.keys.join(', ')}`).toBe(1);
    }
  });
});
