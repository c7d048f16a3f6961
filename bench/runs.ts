/**
 * Runs as phase jobs (issue 10), end to end through the Orchestrator:
 * - latency from `deploy()` returning to the deployment reaching `applying` (stored, enqueued, taken by a
 *   runner, stack lock taken, planned), p50/p99 over 200 scripted deployments one at a time on 20 stacks,
 *   for the in-process engine on the memory store and BullMqJobQueue on the Redis store;
 * - recovery time with 100k stored deployments (on Redis, and on the memory store), beside the scan that
 *   recovery did before (one listing of every active status together, which the Redis store could only
 *   answer from its index of all deployments).
 * Starts its own redis-server on a free port; without one it measures the in-process engine only.
 * Env: BENCH_RUNS (200), BENCH_HISTORY (100000, memory store), BENCH_REDIS_HISTORY (50000: filling Redis
 * through the store takes about a minute per 50k here; the figure was 2.8 s at 50k).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { InProcessJobQueue, MemoryStateStore, Orchestrator, type Deployment, type JobQueue, type StateStore } from '@iac-orchestrator/core';
import { ScriptedExecutor, scriptedFiles } from '@iac-orchestrator/core/testing';
import { BullMqJobQueue } from '@iac-orchestrator/queue-bullmq';
import { RedisStateStore } from '@iac-orchestrator/state-store-redis';
import { hasRedisServer, startRedisServer } from '../packages/queue-bullmq/test/support/redis.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const HISTORY = Number(process.env.BENCH_HISTORY ?? 100_000);
const REDIS_HISTORY = Number(process.env.BENCH_REDIS_HISTORY ?? 50_000);
/** Floors (goals) printed beside each figure. */
const FLOOR = { inProcessP50Ms: 25, bullmqP50Ms: 100, recoveryMs: 1000 };

const report = (name: string, fields: Record<string, number | string>) => console.log(JSON.stringify({ bench: name, ...fields }));
const percentile = (values: number[], p: number) => +[...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!.toFixed(1);

async function deployToApplying(name: string, store: StateStore, queue: JobQueue, workDir: string, floorMs: number): Promise<void> {
  const orch = new Orchestrator({ store, queue, executors: [new ScriptedExecutor()], workDir, concurrency: 8 });
  const applyingAt = new Map<string, number>();
  const ended = new Map<string, () => void>();
  orch.on('status', (e) => {
    if (e.status === 'applying') applyingAt.set(e.deploymentId, performance.now());
    if (e.status === 'completed' || e.status === 'failed') ended.get(e.deploymentId)?.();
  });
  const latencies: number[] = [];
  for (let i = 0; i < RUNS + 20; i++) {
    const files = scriptedFiles({ resources: [{ id: 'app', value: `v${i}` }] });
    const d = await orch.deploy({ blueprintId: `bench-runs-${i % 20}`, environment: 'dev', targetCloud: 'aws', format: 'terraform', options: { autoApprove: true }, files });
    const returnedAt = performance.now();
    await new Promise<void>((r) => ended.set(d.id, r));
    if (i >= 20) latencies.push(applyingAt.get(d.id)! - returnedAt); // the first 20 warm up
  }
  report(`runs/deploy-to-applying/${name}`, { deployments: RUNS, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), floorP50Ms: floorMs });
  await orch.close(5000);
}

/** `count` finished deployments plus 50 active ones (10 of them left by a dead process), as a long-lived service has. */
async function fillHistory(store: StateStore, count: number): Promise<void> {
  const now = Date.now();
  const base = (i: number, status: Deployment['status']): Deployment => ({
    id: `hist-${i}-${randomUUID().slice(0, 8)}`, stackKey: `bench/s${i % 500}/aws/terraform`, blueprintId: `bench-hist-${i % 500}`, generationJobId: null, environment: 'dev',
    targetCloud: 'aws', format: 'terraform', operation: 'apply', status, options: { autoApprove: true, dryRun: false, parallelism: 10, variables: {}, sensitiveVariables: [], executor: {} },
    bundleDigest: 'sha256:bench', requestedBy: null, baseVersion: 0, stateVersion: status === 'completed' ? 1 : null, plan: null, drift: null, resources: [], outputs: {}, error: null,
    rollbackOf: null, targetVersion: null, reason: null, rolledBackBy: null, approval: null, cancelRequestedAt: null, lock: null, owner: status === 'applying' ? 'elsewhere:1:live' : null,
    revision: 1, createdAt: new Date(now - count + i).toISOString(), updatedAt: new Date(now).toISOString(), startedAt: null, completedAt: null,
  });
  for (let i = 0; i < count; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, count - i) }, (_, k) => store.putDeployment(base(i + k, (i + k) % 7 === 0 ? 'failed' : 'completed'))));
  }
  await Promise.all(Array.from({ length: 50 }, (_, k) => store.putDeployment(base(count + k, k < 25 ? 'awaiting_approval' : 'applying'))));
}

async function recovery(name: string, store: StateStore, workDir: string, history: number): Promise<void> {
  const t0 = performance.now();
  await fillHistory(store, history);
  const fillMs = performance.now() - t0;
  // Before: one listing of every active status together.
  const t1 = performance.now();
  let scanned = 0;
  let cursor: string | null = null;
  let before: string;
  try {
    do {
      const page = await store.listDeployments({ status: ['pending', 'planning', 'applying'], limit: 100, cursor });
      scanned += page.items.length;
      cursor = page.nextCursor;
    } while (cursor);
    before = `${Math.round(performance.now() - t1)}`;
  } catch (e) {
    before = `error: ${(e as Error).name}`;
  }
  const orch = new Orchestrator({ store, queue: new InProcessJobQueue(), executors: [new ScriptedExecutor()], workDir, runner: false });
  const t2 = performance.now();
  await orch.recover();
  const afterMs = Math.round(performance.now() - t2);
  report(`runs/recovery/${name}`, { storedDeployments: history + 50, active: scanned, fillMs: Math.round(fillMs), beforeMs: before, recoverMs: afterMs, floorMs: FLOOR.recoveryMs });
  await orch.close(1000);
}

const dir = await mkdtemp(join(tmpdir(), 'runs-bench-'));
try {
  await deployToApplying('in-process+memory', new MemoryStateStore(), new InProcessJobQueue(), join(dir, 'w1'), FLOOR.inProcessP50Ms);
  await recovery('memory', new MemoryStateStore(), join(dir, 'w2'), HISTORY);
  if (!hasRedisServer) {
    report('runs/bullmq', { skipped: 'no redis-server on PATH' });
  } else {
    const redis = await startRedisServer();
    try {
      const prefix = `bench-${randomUUID().slice(0, 6)}:`;
      const store = new RedisStateStore({ url: redis.url, prefix });
      await store.init();
      await deployToApplying('bullmq+redis', store, new BullMqJobQueue({ url: redis.url, queueName: `bench-runs-${randomUUID().slice(0, 6)}` }), join(dir, 'w3'), FLOOR.bullmqP50Ms);
      const history = new RedisStateStore({ url: redis.url, prefix: `bench-h-${randomUUID().slice(0, 6)}:` });
      await history.init();
      await recovery('redis', history, join(dir, 'w4'), REDIS_HISTORY);
    } finally {
      await redis.stop();
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
