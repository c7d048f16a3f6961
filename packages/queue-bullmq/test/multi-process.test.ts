import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PhaseJob } from '@iac-orchestrator/core';
import { BullMqJobQueue } from '@iac-orchestrator/queue-bullmq';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { spawnRunner, type RunnerProcess } from './support/processes.js';
import { hasRedisServer, startRedisServer, type RedisServer } from './support/redis.js';

const runnable = prerequisite('redis-server', hasRedisServer, 'install redis-server (Debian package redis-server)');

interface Event { kind: string; id: string; at: number; runner: number }

/** Every runner's events, in one list: `started`, `ended`, `stalled`, `aborted` with their times. */
function events(runners: RunnerProcess[]): Event[] {
  return runners.flatMap((r, runner) =>
    r.lines.flatMap((line) => {
      const m = /^(\w+) (\S+).* @(\d+)$/.exec(line);
      return m && m[1] !== 'ready' ? [{ kind: m[1]!, id: m[2]!, at: Number(m[3]), runner }] : [];
    }),
  );
}

function jobsOver(groups: number, count: number): PhaseJob[] {
  const names = Array.from({ length: groups }, () => `stack-${randomUUID().slice(0, 6)}`);
  return Array.from({ length: count }, (_, i) => ({ id: `dep-${i}-${randomUUID().slice(0, 6)}:apply`, deploymentId: `dep-${i}`, phase: 'apply', group: names[i % groups]! }));
}

/** Each job started exactly once; per group in enqueue order and never two at once, across processes. */
function expectOnceInOrder(all: Event[], jobs: PhaseJob[]): void {
  const started = all.filter((e) => e.kind === 'started');
  expect(started.map((e) => e.id).sort()).toEqual(jobs.map((j) => j.id).sort());
  for (const group of new Set(jobs.map((j) => j.group))) {
    const ids = jobs.filter((j) => j.group === group).map((j) => j.id);
    const runs = ids.map((id) => ({ start: started.find((e) => e.id === id)!.at, end: all.find((e) => e.kind === 'ended' && e.id === id)!.at }));
    expect([...runs].sort((a, b) => a.start - b.start)).toEqual(runs);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end);
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(!runnable)('BullMqJobQueue across processes', () => {
  let redis: RedisServer;
  const spawned: RunnerProcess[] = [];
  const spawn = (queueName: string, mode: 'hang' | 'work', job?: PhaseJob) => {
    const runner = spawnRunner(redis.url, queueName, mode, job);
    spawned.push(runner);
    return runner;
  };
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await Promise.allSettled(spawned.map((r) => r.kill9()));
    await redis?.stop();
  });

  it('two worker processes share 30 jobs over 6 groups: each runs once, one per group at a time, in order', async () => {
    const queueName = `mp-${randomUUID().slice(0, 8)}`;
    const runners = [spawn(queueName, 'work'), spawn(queueName, 'work')];
    await Promise.all(runners.map((r) => r.waitFor('ready')));
    const api = new BullMqJobQueue({ url: redis.url, queueName });
    const jobs = jobsOver(6, 30);
    for (const job of jobs) await api.enqueue(job);
    await until(() => events(runners).filter((e) => e.kind === 'ended').length === 30, 'all 30 jobs to end');
    await api.close();
    const all = events(runners);
    expectOnceInOrder(all, jobs);
    expect(new Set(all.map((e) => e.runner)).size, 'both processes took work').toBe(2);
  });

  it('kill -9 of a worker mid-job: the surviving process reports it once, never re-runs it, and the stack moves on', async () => {
    const queueName = `mp-${randomUUID().slice(0, 8)}`;
    const [victim, next] = jobsOver(1, 2) as [PhaseJob, PhaseJob];
    const dying = spawn(queueName, 'hang', victim);
    await dying.waitFor(`started ${victim.id}`);
    const survivor = spawn(queueName, 'work');
    await survivor.waitFor('ready');
    const api = new BullMqJobQueue({ url: redis.url, queueName });
    await api.enqueue(next);
    expect(await api.position(next.id)).toEqual({ state: 'waiting', groupPosition: 1 });
    const killedAt = Date.now();
    await dying.kill9();
    const line = await survivor.waitFor(`stalled ${victim.id} 1`, 60_000);
    console.log(`stalled job reported ${Number(line.split('@')[1]) - killedAt} ms after kill -9 (lock 2 s, stalled check every 1 s)`);
    await survivor.waitFor(`ended ${next.id}`);
    await new Promise((r) => setTimeout(r, 3000));
    const all = events([dying, survivor]);
    expect(all.filter((e) => e.kind === 'started' && e.id === victim.id).map((e) => e.runner)).toEqual([0]);
    expect(all.filter((e) => e.kind === 'stalled').map((e) => e.id)).toEqual([victim.id]);
    expect(await api.position(victim.id)).toBeNull();
    await api.close();
  });

  it('a rolling restart of the worker processes loses nothing and runs nothing twice', async () => {
    const queueName = `mp-${randomUUID().slice(0, 8)}`;
    const first = spawn(queueName, 'work');
    await first.waitFor('ready');
    const api = new BullMqJobQueue({ url: redis.url, queueName });
    const jobs = jobsOver(4, 24);
    for (const job of jobs) await api.enqueue(job);
    await until(() => events([first]).some((e) => e.kind === 'ended'), 'the first process to finish a job');
    first.child.kill('SIGTERM');
    await first.child;
    const second = spawn(queueName, 'work');
    await until(() => events([first, second]).filter((e) => e.kind === 'ended').length === 24, 'all 24 jobs to end after the restart');
    await api.close();
    const all = events([first, second]);
    expect(all.filter((e) => e.kind === 'aborted')).toEqual([]);
    expectOnceInOrder(all, jobs);
    expect(all.some((e) => e.runner === 1 && e.kind === 'started'), 'the new process took the waiting jobs').toBe(true);
  });
});
