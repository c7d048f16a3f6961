/**
 * JobQueue engines: throughput (jobs/s for a burst of 200 no-op jobs over 20 groups, concurrency 8) and
 * enqueue→start latency (p50/p99 over 200 jobs enqueued one at a time on an idle queue), for the in-process
 * engine and BullMqJobQueue, each printed beside a bare BullMQ Queue + Worker doing nothing on the same
 * Redis (the floor: what BullMQ itself costs, without groups, lines or cancel channel).
 * Starts its own redis-server on a free port; without one it says so and measures the in-process engine only.
 */
import { randomUUID } from 'node:crypto';
import { InProcessJobQueue, type JobQueue, type PhaseJob } from '@iac-orchestrator/core';
import { BullMqJobQueue } from '@iac-orchestrator/queue-bullmq';
import { Queue, Worker } from 'bullmq';
import { hasRedisServer, startRedisServer } from '../packages/queue-bullmq/test/support/redis.js';

const JOBS = Number(process.env.BENCH_QUEUE_JOBS ?? 200);
const GROUPS = 20;
const CONCURRENCY = 8;

const report = (name: string, fields: Record<string, number | string>) => console.log(JSON.stringify({ bench: name, ...fields }));
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return +sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2);
};

interface Figures { jobsPerSecond: number; p50Ms: number; p99Ms: number }

/** The same two measurements for any engine: `start(onStart)` begins consuming, `add(i)` enqueues job i. */
interface Engine { start(onStart: (i: number) => void): Promise<void>; add(i: number, group: number): Promise<void>; stop(): Promise<void> }

/** Measures a fresh engine after a short warm-up on another instance (connections, scripts and JIT ready). */
async function measure(make: () => Engine): Promise<Figures> {
  await run(make(), 20);
  return run(make(), JOBS);
}

async function run(engine: Engine, jobs: number): Promise<Figures> {
  const startedAt = new Map<number, number>();
  let waiter: (() => void) | null = null;
  await engine.start((i) => {
    startedAt.set(i, performance.now());
    waiter?.();
  });
  const burstFrom = performance.now();
  await Promise.all(Array.from({ length: jobs }, (_, i) => engine.add(i, i % GROUPS)));
  while (startedAt.size < jobs) await new Promise<void>((r) => (waiter = r));
  const jobsPerSecond = Math.round(jobs / ((performance.now() - burstFrom) / 1000));
  const latencies: number[] = [];
  for (let i = jobs; i < 2 * jobs; i++) {
    const enqueuedAt = performance.now();
    await engine.add(i, i % GROUPS);
    while (!startedAt.has(i)) await new Promise<void>((r) => (waiter = r));
    latencies.push(startedAt.get(i)! - enqueuedAt);
  }
  await engine.stop();
  return { jobsPerSecond, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

function onJobQueue(queue: JobQueue): Engine {
  const run = randomUUID().slice(0, 6);
  const job = (i: number, group: number): PhaseJob => ({ id: `${run}-${i}:plan`, deploymentId: `${run}-${i}`, phase: 'plan', group: `stack-${group}` });
  return {
    start: (onStart) => queue.process(async (j) => onStart(Number(j.deploymentId.split('-')[1])), { concurrency: CONCURRENCY }),
    add: (i, group) => queue.enqueue(job(i, group)),
    stop: () => queue.close(),
  };
}

function bareBullMq(url: string): Engine {
  const name = `bench-bare-${randomUUID().slice(0, 6)}`;
  const queue = new Queue(name, { connection: { url }, defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 1000 } });
  let worker: Worker | null = null;
  return {
    async start(onStart) {
      worker = new Worker(name, async (job) => onStart(job.data.i as number), { connection: { url, maxRetriesPerRequest: null }, concurrency: CONCURRENCY });
      await worker.waitUntilReady();
    },
    add: async (i) => void (await queue.add('noop', { i })),
    async stop() {
      await worker?.close();
      await queue.close();
    },
  };
}

const inProcess = await measure(() => onJobQueue(new InProcessJobQueue()));
if (!hasRedisServer) {
  report('queue/in-process', { jobs: JOBS, groups: GROUPS, concurrency: CONCURRENCY, ...inProcess, floor: 'skipped: no redis-server here for the bare BullMQ floor' });
} else {
  const redis = await startRedisServer();
  try {
    const floor = await measure(() => bareBullMq(redis.url));
    const bullmq = await measure(() => onJobQueue(new BullMqJobQueue({ url: redis.url, queueName: `bench-${randomUUID().slice(0, 6)}` })));
    const beside = { floorJobsPerSecond: floor.jobsPerSecond, floorP50Ms: floor.p50Ms, floorP99Ms: floor.p99Ms };
    report('queue/in-process', { jobs: JOBS, groups: GROUPS, concurrency: CONCURRENCY, ...inProcess, ...beside });
    report('queue/bullmq', { jobs: JOBS, groups: GROUPS, concurrency: CONCURRENCY, ...bullmq, ...beside });
  } finally {
    await redis.stop();
  }
}
