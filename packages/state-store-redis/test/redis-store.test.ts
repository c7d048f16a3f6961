/**
 * What the Redis store adds over the shared conformance suite: atomicity between separate connections
 * (as between replicas), fencing, retention trim of stored raw state, encryption at rest, index paging.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, LockLostError, StateLockedError, type Deployment, type WriteStateVersionRequest } from '@iac-orchestrator/core';
import { RedisStateStore } from '../src/index.js';
import { Keys } from '../src/keys.js';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { keyExists, redisObtainable, storedStrings, testRedis, type TestRedis } from './support/redis.js';

const ok = prerequisite('redis', await redisObtainable(), 'no Redis at 127.0.0.1:6379 and no redis-server on PATH');

const write = (stackKey: string, lock: { lockId: string; token: number }, expectedVersion: number, raw: unknown, retention = 10): WriteStateVersionRequest => ({
  stackKey,
  expectedVersion,
  lockId: lock.lockId,
  token: lock.token,
  retention,
  version: { stackKey, stateId: 'state-1', deploymentId: 'dep-1', bundleDigest: 'sha256:abc', resources: [], outputs: {}, raw, reason: 'applied' },
});

const deployment = (id: string, createdAt: string, extra: Partial<Deployment> = {}): Deployment =>
  ({ id, createdAt, stackKey: 'bp:dev:aws:terraform', blueprintId: 'bp', environment: 'dev', status: 'pending', ...extra }) as Deployment;

describe.skipIf(!ok)('RedisStateStore on a real Redis', () => {
  let redis: TestRedis;
  let prefix: string;
  let a: RedisStateStore;
  let b: RedisStateStore;

  beforeAll(async () => {
    redis = await testRedis();
    prefix = redis.newPrefix();
    // Two stores, two connections, one key space: what two replicas see.
    a = new RedisStateStore({ url: redis.url, prefix });
    b = new RedisStateStore({ url: redis.url, prefix });
    await Promise.all([a.init(), b.init()]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.cleanup();
  });

  it('grants a stack lock to exactly one of two connections racing for it', async () => {
    const results = await Promise.allSettled([
      a.acquireLock({ stackKey: 'race', operation: 'apply', who: 'replica-a', ttlMs: 10_000 }),
      b.acquireLock({ stackKey: 'race', operation: 'apply', who: 'replica-b', ttlMs: 10_000 }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(StateLockedError);
  });

  it('does not spend the fence on refused acquires: the holder can still write', async () => {
    const lock = await a.acquireLock({ stackKey: 'fence-kept', operation: 'apply', who: 'a', ttlMs: 10_000 });
    for (let i = 0; i < 3; i++) {
      await expect(b.acquireLock({ stackKey: 'fence-kept', operation: 'apply', who: 'b', ttlMs: 10_000 })).rejects.toBeInstanceOf(StateLockedError);
    }
    const v = await a.writeStateVersion(write('fence-kept', lock, 0, { serial: 1 }));
    expect(v.version).toBe(1);
  });

  it('lets exactly one of two connections write on the same expected version', async () => {
    const lock = await a.acquireLock({ stackKey: 'cas', operation: 'apply', who: 'a', ttlMs: 10_000 });
    const results = await Promise.allSettled([a.writeStateVersion(write('cas', lock, 0, { by: 'a' })), b.writeStateVersion(write('cas', lock, 0, { by: 'b' }))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(ConflictError);
    const current = await b.getStateVersion('cas');
    const winner = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ raw: unknown }>).value;
    expect(current?.version).toBe(1);
    expect(current?.raw).toEqual(winner.raw);
  });

  it('fences out a holder whose lease lapsed and was taken over, and refuses its renew', async () => {
    const stale = await a.acquireLock({ stackKey: 'lapsed', operation: 'apply', who: 'a', ttlMs: 150 });
    await new Promise((r) => setTimeout(r, 300));
    const fresh = await b.acquireLock({ stackKey: 'lapsed', operation: 'apply', who: 'b', ttlMs: 10_000 });
    expect(fresh.token).toBeGreaterThan(stale.token);
    await expect(a.writeStateVersion(write('lapsed', stale, 0, { by: 'a' }))).rejects.toBeInstanceOf(LockLostError);
    await expect(a.renewLock('lapsed', stale.lockId, 10_000)).rejects.toBeInstanceOf(LockLostError);
    expect(await a.releaseLock('lapsed', stale.lockId)).toBe(false);
    expect((await b.writeStateVersion(write('lapsed', fresh, 0, { by: 'b' }))).version).toBe(1);
    expect((await a.getLock('lapsed'))?.lockId).toBe(fresh.lockId);
  });

  it('refuses a write carrying the right lock id but a stale token', async () => {
    const lock = await a.acquireLock({ stackKey: 'token', operation: 'apply', who: 'a', ttlMs: 10_000 });
    await expect(a.writeStateVersion(write('token', { lockId: lock.lockId, token: lock.token - 1 }, 0, {}))).rejects.toBeInstanceOf(LockLostError);
    expect(await a.getStateVersion('token')).toBeNull();
  });

  it('deletes the stored raw state of versions past retention and keeps their metadata', async () => {
    const lock = await a.acquireLock({ stackKey: 'trim', operation: 'apply', who: 'a', ttlMs: 10_000 });
    for (let v = 0; v < 4; v++) await a.writeStateVersion(write('trim', lock, v, { trimmed: v + 1 }, 2));
    const versions = await b.listStateVersions('trim', { limit: 10 });
    expect(versions.map((v) => [v.version, v.retained])).toEqual([
      [4, true],
      [3, true],
      [2, false],
      [1, false],
    ]);
    expect(await b.getStateVersion('trim', 2)).toMatchObject({ version: 2, raw: null, retained: false });
    expect(await b.getStateVersion('trim', 3)).toMatchObject({ version: 3, raw: { trimmed: 3 }, retained: true });
    const stored = await storedStrings(redis.url, prefix);
    expect(stored).not.toContain('"trimmed":1');
    expect(stored).not.toContain('"trimmed":2');
    expect(stored).toContain('"trimmed":4');
    expect(await keyExists(redis.url, new Keys(prefix).stateVersions('trim'))).toBe(true);
  });

  it('pages deployments by an index cursor that stays put when newer deployments arrive', async () => {
    for (let i = 1; i <= 5; i++) await a.putDeployment(deployment(`page-${i}`, `2026-03-0${i}T00:00:00.000Z`, { blueprintId: 'paging' }));
    const first = await b.listDeployments({ blueprintId: 'paging', limit: 2 });
    expect(first.items.map((d) => d.id)).toEqual(['page-5', 'page-4']);
    await a.putDeployment(deployment('page-6', '2026-03-06T00:00:00.000Z', { blueprintId: 'paging' }));
    const second = await b.listDeployments({ blueprintId: 'paging', limit: 2, cursor: first.nextCursor });
    expect(second.items.map((d) => d.id)).toEqual(['page-3', 'page-2']);
    const third = await b.listDeployments({ blueprintId: 'paging', limit: 2, cursor: second.nextCursor });
    expect(third).toEqual({ items: [expect.objectContaining({ id: 'page-1' })], nextCursor: null });
  });

  it('moves a deployment between status indexes when its status changes', async () => {
    const d = deployment('status-1', '2026-04-01T00:00:00.000Z', { blueprintId: 'status' });
    await a.putDeployment(d);
    await b.putDeployment({ ...d, status: 'applying' });
    await a.putDeployment({ ...d, status: 'completed' });
    const byStatus = async (status: Deployment['status']) =>
      (await b.listDeployments({ blueprintId: 'status', status, limit: 10 })).items.map((x) => x.id);
    expect(await byStatus('pending')).toEqual([]);
    expect(await byStatus('applying')).toEqual([]);
    expect(await byStatus('completed')).toEqual(['status-1']);
    expect((await b.listDeployments({ status: 'completed', environment: 'dev', blueprintId: 'status', limit: 10 })).items).toHaveLength(1);
  });

  it('lets one connection read logs as another appends them, by cursor', async () => {
    const entry = (message: string) => ({ timestamp: new Date().toISOString(), level: 'info' as const, message, resource: null });
    await a.appendLogs('logs-1', [entry('one'), entry('two')]);
    const first = await b.readLogs('logs-1');
    await a.appendLogs('logs-1', [entry('three')]);
    const next = await b.readLogs('logs-1', { cursor: first.nextCursor });
    expect(first.entries.map((e) => e.message)).toEqual(['one', 'two']);
    expect(next).toEqual({ entries: [expect.objectContaining({ message: 'three' })], nextCursor: 3 });
  });
});

describe.skipIf(!ok)('RedisStateStore encryption at rest', () => {
  let redis: TestRedis;
  let prefix: string;
  let store: RedisStateStore;
  const SECRET = 'secret-value-7f3a9c';

  beforeAll(async () => {
    redis = await testRedis();
    prefix = redis.newPrefix();
    store = new RedisStateStore({ url: redis.url, prefix, encryptionKey: 'a passphrase for the tests' });
    await store.init();
  });
  afterAll(async () => {
    await store?.close();
    await redis?.cleanup();
  });

  it('stores every record, log line and state version sealed, and reads them back', async () => {
    expect(store.capabilities.encryptionAtRest).toBe(true);
    const lock = await store.acquireLock({ stackKey: 'enc', operation: 'apply', who: 'a', ttlMs: 10_000 });
    const request = write('enc', lock, 0, { password: SECRET });
    request.version.outputs = { endpoint: `https://${SECRET}.example` };
    await store.writeStateVersion(request);
    await store.putBundle({ digest: 'sha256:enc', files: { 'main.tf': `# ${SECRET}` } });
    await store.putPlan({ deploymentId: 'enc-dep', baseVersion: 1, summary: { add: 0, change: 0, destroy: 0, hasChanges: false, resources: [] }, artifact: { plan: SECRET }, createdAt: new Date().toISOString() });
    await store.putDeployment(deployment('enc-dep', '2026-05-01T00:00:00.000Z', { outputs: { token: SECRET } }));
    await store.appendLogs('enc-dep', [{ timestamp: new Date().toISOString(), level: 'info', message: `connected with ${SECRET}`, resource: null }]);
    await store.appendAudit({ at: new Date().toISOString(), who: 'alice', action: 'deployment.create', stackKey: 'enc', deploymentId: 'enc-dep', detail: { note: SECRET } });

    const atRest = await storedStrings(redis.url, prefix);
    expect(atRest).toContain('aes-256-gcm');
    expect(atRest).not.toContain(SECRET);

    expect((await store.getStateVersion('enc'))?.raw).toEqual({ password: SECRET });
    expect((await store.getBundle('sha256:enc'))?.files['main.tf']).toBe(`# ${SECRET}`);
    expect((await store.getPlan('enc-dep'))?.artifact).toEqual({ plan: SECRET });
    expect((await store.getDeployment('enc-dep'))?.outputs).toEqual({ token: SECRET });
    expect((await store.listDeployments({ limit: 10, environment: 'dev' })).items.map((d) => d.id)).toEqual(['enc-dep']);
    expect((await store.readLogs('enc-dep')).entries[0].message).toBe(`connected with ${SECRET}`);
    expect((await store.listAudit({ deploymentId: 'enc-dep', limit: 10 }))[0].detail).toEqual({ note: SECRET });
    expect((await store.listStateVersions('enc', { limit: 10 }))[0].outputs).toEqual({ endpoint: `https://${SECRET}.example` });

    // A replica without the key cannot read sealed data, and says why.
    const keyless = new RedisStateStore({ url: redis.url, prefix });
    try {
      await expect(keyless.getBundle('sha256:enc')).rejects.toThrow(/STATE_ENCRYPTION_KEY/);
    } finally {
      await keyless.close();
    }
  });
});
