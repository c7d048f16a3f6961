/**
 * Store reads at scale (issue 14): for the SQLite and Redis stores with N stored deployments (default
 * 10,000; `BENCH_STORES_N=100000` for the goal's size), p50/p99 of get, list by each filter (first page of
 * 20), a log page, a state write, the recovery listing (every active deployment), and the store's size;
 * each printed beside the same query on a bare SQLite table / bare Redis sorted set (the floor).
 * Goal at 100k: list p99 ≤ 20 ms and ≤ 3 × get p99; recovery ≤ 1 s; Redis memory flat over a simulated week
 * with retention on (stores-retention.ts).
 * Redis: a redis-server of its own on a free port (skipped with a printed reason when there is none).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@redis/client';
import type { Deployment, DeploymentStatus, StateStore } from '@iac-orchestrator/core';
import { RedisStateStore } from '@iac-orchestrator/state-store-redis';
import { SqliteStateStore } from '@iac-orchestrator/state-store-sqlite';
import { makeDeployment, versionPayload } from '../packages/core/src/testing/store-conformance-fixtures.js';
import { hasRedisServerBinary, startRedisServer } from '../packages/state-store-redis/test/support/redis.js';
import { redisFloor, sqliteFloor, type FloorRow } from './stores-floor.js';
import { redisRetentionWeek } from './stores-retention.js';

const N = Number(process.env.BENCH_STORES_N ?? 10_000);
const SAMPLES = Number(process.env.BENCH_STORES_SAMPLES ?? 400);
const ACTIVE: DeploymentStatus[] = ['pending', 'planning', 'awaiting_approval', 'applying'];
const TERMINAL: DeploymentStatus[] = ['completed', 'failed', 'cancelled'];
const report = (name: string, fields: Record<string, number | string | boolean>) => console.log(JSON.stringify({ bench: name, ...fields }));
const ms = (x: number) => +x.toFixed(3);

/** p50 and p99 in ms of `samples` runs of `fn(i)`. */
async function timed(samples: number, fn: (i: number) => unknown): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 20; i++) await fn(i); // warm-up
  const t: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await fn(i);
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { p50: ms(t[Math.floor(samples * 0.5)]), p99: ms(t[Math.min(samples - 1, Math.floor(samples * 0.99))]) };
}

/** N deployments over 100 blueprints × 3 environments; every 2,000th is active (recovery's share). */
function history(): Deployment[] {
  const out: Deployment[] = [];
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < N; i++) {
    const blueprintId = `bp-${i % 100}`;
    const environment = ['dev', 'staging', 'prod'][i % 3];
    const status = i % 2000 === 0 ? ACTIVE[(i / 2000) % 4] : TERMINAL[i % 3];
    const d = makeDeployment({ id: `dep-${String(i).padStart(7, '0')}`, blueprintId, environment, status, createdAt: new Date(t0 + i * 1000).toISOString() });
    d.resources = Array.from({ length: 5 }, (_, r) => ({ id: `aws_s3_bucket.b${r}`, type: 'aws_s3_bucket', name: `b${r}`, status: 'created', attributes: { arn: `arn:aws:s3:::b-${i}-${r}` }, dependencies: [] }));
    out.push(d);
  }
  return out;
}

interface Floor {
  get(id: string): unknown;
  list(blueprintId: string): unknown;
}

async function measure(name: string, store: StateStore, all: Deployment[], floor: Floor, size: () => Promise<number>): Promise<void> {
  const pick = (i: number) => all[(i * 7919) % all.length];
  const get = await timed(SAMPLES, (i) => store.getDeployment(pick(i).id));
  const getFloor = await timed(SAMPLES, (i) => floor.get(pick(i).id));
  report(`stores/${name}/get`, { n: N, p50: get.p50, p99: get.p99, floorP50: getFloor.p50, floorP99: getFloor.p99 });
  const listFloor = await timed(SAMPLES, (i) => floor.list(pick(i).blueprintId));
  const filters: [string, (d: Deployment) => Parameters<StateStore['listDeployments']>[0]][] = [
    ['all', () => ({ limit: 20 })],
    ['blueprint', (d) => ({ blueprintId: d.blueprintId, limit: 20 })],
    ['environment', (d) => ({ environment: d.environment, limit: 20 })],
    ['status', (d) => ({ status: TERMINAL[d.createdAt.length % 3], limit: 20 })],
    ['stack', (d) => ({ stackKey: d.stackKey, limit: 20 })],
    ['blueprint+environment', (d) => ({ blueprintId: d.blueprintId, environment: d.environment, limit: 20 })],
  ];
  for (const [filter, query] of filters) {
    const list = await timed(SAMPLES, (i) => store.listDeployments(query(pick(i))));
    // Page 2 onwards goes through the cursor: measured too, from a cursor deep in the history.
    const deep = (await store.listDeployments({ ...query(pick(0)), limit: 100 })).nextCursor;
    const paged = await timed(Math.min(SAMPLES, 100), () => store.listDeployments({ ...query(pick(0)), cursor: deep }));
    report(`stores/${name}/list/${filter}`, {
      n: N, p50: list.p50, p99: list.p99, cursorP99: paged.p99, floorP50: listFloor.p50, floorP99: listFloor.p99,
      goalP99Le20ms: list.p99 <= 20, goalLe3xGetP99: list.p99 <= 3 * get.p99,
    });
  }
  const t0 = performance.now();
  let active = 0;
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<StateStore['listDeployments']>> = await store.listDeployments({ status: ACTIVE, limit: 100, cursor });
    active += page.items.length;
    cursor = page.nextCursor;
  } while (cursor);
  const recoveryMs = ms(performance.now() - t0);
  report(`stores/${name}/recovery`, { n: N, active, ms: recoveryMs, goalLe1s: recoveryMs <= 1000 });

  const logId = all[all.length - 1].id;
  for (let i = 0; i < 50; i++) await store.appendLogs(logId, Array.from({ length: 100 }, (_, j) => ({ timestamp: new Date().toISOString(), level: 'info' as const, message: `line ${i * 100 + j} of terraform output`, resource: null })));
  const logs = await timed(SAMPLES, (i) => store.readLogs(logId, { cursor: (i * 97) % 4900, limit: 100 }));
  report(`stores/${name}/log-page`, { lines: 5000, pageOf: 100, p50: logs.p50, p99: logs.p99 });

  const stackKey = 'bench/state/aws/terraform';
  const lock = await store.acquireLock({ stackKey, operation: 'apply', who: 'bench', ttlMs: 600_000 });
  let v = 0;
  const writes = await timed(Math.min(SAMPLES, 200), () => store.writeStateVersion({ stackKey, expectedVersion: v++, lockId: lock.lockId, token: lock.token, retention: 10, version: versionPayload(stackKey, v) }));
  report(`stores/${name}/state-write`, { p50: writes.p50, p99: writes.p99 });
  report(`stores/${name}/size`, { n: N, MiB: +((await size()) / 2 ** 20).toFixed(1), bytesPerDeployment: Math.round((await size()) / N) });
}

const floorRows = (all: Deployment[]): FloorRow[] => all.map((d) => ({ id: d.id, createdAt: d.createdAt, blueprintId: d.blueprintId, body: JSON.stringify(d) }));

const all = history();
const dir = await mkdtemp(join(tmpdir(), 'bench-stores-'));
try {
  // SQLite: seeded in one transaction through the store's own row writer (a put per commit would spend
  // N fsyncs on seeding, which is not what is measured).
  const sqlite = new SqliteStateStore({ dataDir: join(dir, 'sqlite') });
  const seed = performance.now();
  const rows = sqlite.rows();
  rows.db.transaction(() => {
    for (const d of all) rows.deployments.put(d);
  })();
  rows.db.pragma('optimize');
  // The seeding transaction left the whole history in the WAL: checkpoint it so the size is the database's.
  rows.db.pragma('wal_checkpoint(TRUNCATE)');
  report('stores/sqlite/seed', { n: N, ms: Math.round(performance.now() - seed) });
  const floor = sqliteFloor(dir, floorRows(all));
  const dbSize = async () => {
    let total = 0;
    for (const f of ['orchestrator.sqlite', 'orchestrator.sqlite-wal']) total += (await stat(join(dir, 'sqlite', f)).catch(() => ({ size: 0 }))).size;
    return total;
  };
  await measure('sqlite', sqlite, all, floor, dbSize);
  floor.close();
  await sqlite.close();

  if (!hasRedisServerBinary) {
    report('stores/redis', { skipped: 'redis-server is not on PATH' });
  } else {
    const server = await startRedisServer();
    const client = createClient({ url: server.url });
    await client.connect();
    try {
      const store = new RedisStateStore({ url: server.url, prefix: 'bench:', commandTimeoutMs: 60_000 });
      await store.init();
      const before = Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
      const t0 = performance.now();
      for (let i = 0; i < all.length; i += 200) await Promise.all(all.slice(i, i + 200).map((d) => store.putDeployment(d)));
      report('stores/redis/seed', { n: N, ms: Math.round(performance.now() - t0) });
      const used = async () => Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]) - before;
      const storeBytes = await used();
      const rFloor = await redisFloor(server.url, floorRows(all));
      await measure('redis', store, all, rFloor, async () => storeBytes);
      rFloor.close();
      await store.close();
      await client.flushAll();
      await redisRetentionWeek(server.url, report);
    } finally {
      client.destroy();
      await server.stop();
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
