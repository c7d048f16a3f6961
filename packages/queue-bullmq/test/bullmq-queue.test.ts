import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PhaseJob } from '@iac-orchestrator/core';
import { BullMqJobQueue } from '@iac-orchestrator/queue-bullmq';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { defineLineScripts, runLineScript } from '../src/lines.js';
import { startRedisServer, hasRedisServer, type RedisServer } from './support/redis.js';

const runnable = prerequisite('redis-server', hasRedisServer, 'install redis-server (Debian package redis-server)');

const job = (group: string | null, n = randomUUID().slice(0, 6)): PhaseJob => ({ id: `d-${n}:plan`, deploymentId: `d-${n}`, phase: 'plan', group });

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!runnable)('BullMqJobQueue on BullMQ', () => {
  let redis: RedisServer;
  const opened: BullMqJobQueue[] = [];
  const open = (queueName: string, extra: Partial<ConstructorParameters<typeof BullMqJobQueue>[0]> = {}) => {
    const q = new BullMqJobQueue({ url: redis.url, queueName, ...extra });
    opened.push(q);
    return q;
  };
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await Promise.allSettled(opened.map((q) => q.close({ graceMs: 0 })));
    await redis?.stop();
  });

  it('keeps only as many finished jobs as its retention says (BullMQ removeOnComplete)', async () => {
    const name = `ret-${randomUUID().slice(0, 8)}`;
    const queue = open(name, { removeOnComplete: { count: 3 } });
    let ran = 0;
    await queue.process(async () => void ran++, { concurrency: 4 });
    for (let i = 0; i < 12; i++) await queue.enqueue(job(null));
    await until(() => ran === 12, 'all 12 jobs to run');
    const bull = new Queue(name, { connection: { url: redis.url } });
    await until(async () => (await bull.getJobCounts('active')).active === 0, 'BullMQ to finish the jobs');
    expect((await bull.getJobCounts('completed')).completed).toBeLessThanOrEqual(3);
    await bull.close();
  });

  it('never runs two jobs of one group at once when many instances enqueue and run them concurrently', async () => {
    const name = `race-${randomUUID().slice(0, 8)}`;
    const instances = [open(name), open(name), open(name)];
    let active = 0;
    let maxActive = 0;
    const ran: string[] = [];
    for (const q of instances) {
      await q.process(async (j) => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 2));
        ran.push(j.id);
        active--;
      }, { concurrency: 4 });
    }
    const jobs = Array.from({ length: 45 }, () => job('one-stack'));
    await Promise.all(jobs.map((j, i) => instances[i % 3]!.enqueue(j)));
    await until(() => ran.length === 45, 'all 45 jobs to run');
    expect(maxActive).toBe(1);
    expect([...ran].sort()).toEqual(jobs.map((j) => j.id).sort());
  });

  it('pushes a cancel from a process that is not running the job on the Redis channel the runners listen to', async () => {
    const name = `push-${randomUUID().slice(0, 8)}`;
    const runner = open(name);
    const api = open(name);
    const listener = new Redis(redis.url);
    const heard: string[] = [];
    listener.on('message', (_channel: string, id: string) => heard.push(id));
    await listener.subscribe(`bull:${name}:iac:cancel`);
    const running = job('g');
    let reason: unknown = null;
    await runner.process(async (_j, { signal }) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      reason = signal.reason;
    }, { concurrency: 1 });
    await api.enqueue(running);
    await until(async () => (await api.position(running.id))?.state === 'active', 'the job to start');
    expect(await api.cancel(running.id)).toBe(true);
    await until(() => reason !== null, 'the runner to see the cancel');
    expect(reason).toBe('cancelled');
    expect(heard).toEqual([running.id]);
    await listener.quit();
  });

  it('cancels the head of a line while it waits in BullMQ for a free slot; the next of its line runs', async () => {
    const name = `head-${randomUUID().slice(0, 8)}`;
    const queue = open(name);
    const [busy, head, next] = [job('a'), job('b'), job('b')];
    const ran: string[] = [];
    let release: () => void = () => undefined;
    await queue.process(async (j) => {
      ran.push(j.id);
      if (j.id === busy.id) await new Promise<void>((r) => (release = r));
    }, { concurrency: 1 });
    await queue.enqueue(busy);
    await until(() => ran.length === 1, 'the busy job to take the only slot');
    await queue.enqueue(head);
    await queue.enqueue(next);
    expect(await queue.position(head.id)).toEqual({ state: 'waiting', groupPosition: 0 });
    expect(await queue.cancel(head.id)).toBe(true);
    expect(await queue.position(head.id)).toBeNull();
    expect(await queue.position(next.id)).toEqual({ state: 'waiting', groupPosition: 0 });
    release();
    await until(() => ran.length === 2, 'the next job of the line to run');
    await new Promise((r) => setTimeout(r, 300));
    expect(ran).toEqual([busy.id, next.id]);
  });

  it('re-adds a job whose enqueuer died between the line script and the BullMQ add', async () => {
    const name = `heal-${randomUUID().slice(0, 8)}`;
    const client = new Redis(redis.url);
    defineLineScripts(client);
    const lost = job('g');
    const lostHead = job('h');
    // What an enqueue does before its BullMQ add, as if the process died right after.
    for (const j of [lost, lostHead]) {
      await runLineScript(client, 'ENQUEUE', [`bull:${name}:iac:`, j.id, JSON.stringify(j), j.group!, '1', 0, Buffer.from(j.id).toString('base64url'), `bull:${name}:`, Date.now(), '0']);
    }
    await client.quit();
    const queue = open(name);
    const ran: string[] = [];
    await queue.process(async (j) => void ran.push(j.id), { concurrency: 2 });
    // The repair at process() start finds both heads; enqueueing again also re-adds (and never twice).
    await queue.enqueue(lost);
    await until(() => ran.length === 2, 'both lost jobs to run');
    await new Promise((r) => setTimeout(r, 300));
    expect([...ran].sort()).toEqual([lost.id, lostHead.id].sort());
  });

  it('reports again a stalled job whose onStalled died with its process, and its stack moves on', async () => {
    const name = `undecided-${randomUUID().slice(0, 8)}`;
    const client = new Redis(redis.url);
    defineLineScripts(client);
    const [stuck, next] = [job('s'), job('s')];
    const lines = `bull:${name}:iac:`;
    const enc = Buffer.from(stuck.id).toString('base64url');
    // The job was delivered, started, found stalled, and the process deciding on it died long ago.
    const [, bull] = await runLineScript(client, 'ENQUEUE', [lines, stuck.id, JSON.stringify(stuck), 's', '1', 0, enc, `bull:${name}:`, Date.now(), '0']);
    await runLineScript(client, 'START', [lines, stuck.id, String(bull), 0]);
    expect(await runLineScript(client, 'STALL', [lines, stuck.id, String(bull), 0])).toEqual(['stalled', JSON.stringify(stuck), '1']);
    await client.quit();
    const queue = open(name, { stalledDecisionTimeoutMs: 1000 });
    await queue.enqueue(next);
    expect(await queue.position(next.id)).toEqual({ state: 'waiting', groupPosition: 1 });
    const stalled: string[] = [];
    const ran: string[] = [];
    await queue.process(async (j) => void ran.push(j.id), { concurrency: 1, onStalled: async (s) => void stalled.push(s.job.id) });
    await until(() => ran.length === 1, 'the next job of the stack to run');
    expect(stalled).toEqual([stuck.id]);
    expect(ran).toEqual([next.id]);
  });

  it('reports itself unhealthy when Redis is gone, and healthy on a live one', async () => {
    const own = await startRedisServer();
    const queue = new BullMqJobQueue({ url: own.url, queueName: 'health' });
    expect(await queue.health()).toEqual({ ok: true, engine: 'bullmq' });
    await own.stop();
    const health = await queue.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toBeTruthy();
    await queue.close({ graceMs: 0 });
  });

  it('refuses to start without a Redis address', () => {
    expect(() => new BullMqJobQueue({})).toThrow(/url/);
  });
});
