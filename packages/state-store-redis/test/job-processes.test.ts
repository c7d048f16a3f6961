/**
 * Runs leave the API (issue 10): API processes that only store and enqueue, worker processes that take
 * the phase jobs from BullMQ, all on one real Redis started for the test, with core's scripted executor.
 * Each process is a real OS process (replica-process.ts), killed for real.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment, DeploymentStatus } from '@iac-orchestrator/core';
import { scriptedFiles, type ScriptedResource } from '@iac-orchestrator/core/testing';
import { RedisStateStore } from '../src/index.js';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { redisObtainable, testRedis, type TestRedis } from './support/redis.js';
import { Replica, type ReplicaEvent, type ReplicaSettings } from './replica/replica-harness.js';

const ok = prerequisite('redis', await redisObtainable(), 'no Redis at 127.0.0.1:6379 and no redis-server on PATH');

const TERMINAL: DeploymentStatus[] = ['completed', 'failed', 'cancelled', 'planned', 'rolled_back'];
const HANGS = 120_000;

const request = (blueprintId: string, resources: ScriptedResource[]) => ({
  blueprintId,
  environment: 'dev',
  targetCloud: 'aws' as const,
  format: 'terraform' as const,
  files: scriptedFiles({ resources }),
  options: { autoApprove: true },
});

async function statusIn(store: RedisStateStore, id: string, statuses: DeploymentStatus[] = TERMINAL, withinMs = 120_000): Promise<Deployment> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const d = await store.getDeployment(id);
    if (d && statuses.includes(d.status)) return d;
    if (Date.now() > deadline) throw new Error(`deployment ${id} is ${d?.status ?? 'missing'}, expected ${statuses.join('|')} within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!ok)('API processes and worker processes sharing jobs through BullMQ', { timeout: 240_000 }, () => {
  let redis: TestRedis;
  let observer: RedisStateStore;
  let workDir: string;
  let base: ReplicaSettings;
  const processes: Replica[] = [];
  const start = async (name: string, over: Partial<ReplicaSettings>) => {
    const r = await Replica.start(name, { ...base, ...over });
    processes.push(r);
    return r;
  };

  beforeAll(async () => {
    redis = await testRedis();
    workDir = await mkdtemp(join(tmpdir(), 'job-processes-'));
  });
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.stop()));
    await observer?.close();
  });
  afterAll(async () => {
    await redis?.cleanup();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const fresh = async (tag: string) => {
    base = { redisUrl: redis.url, prefix: redis.newPrefix(), workDir, lockTtlMs: 5000, lockWaitMs: 60_000, queueName: `jobs-${tag}-${process.pid}`, queueLockMs: 5000, queueStalledMs: 1000, recoveryEveryMs: 2000 };
    observer = new RedisStateStore({ url: redis.url, prefix: base.prefix });
    await observer.init();
  };

  it('2 API + 2 workers: 30 deployments over 6 stacks all complete, one apply per stack at a time, versions without gaps; a rolling restart of the APIs loses nothing', async () => {
    await fresh('flow');
    const api = await Promise.all([start('api-1', { runner: false }), start('api-2', { runner: false })]);
    const workers = await Promise.all([start('worker-1', { concurrency: 2 }), start('worker-2', { concurrency: 2 })]);
    const stacks = Array.from({ length: 6 }, (_, i) => `jobs-stack-${process.pid}-${i}`);
    const ids: string[] = [];
    const stackOf = new Map<string, string>();
    for (let i = 0; i < 30; i++) {
      // The rolling restart: each API process is stopped (SIGTERM-like close) and replaced while work flows.
      if (i === 10 || i === 20) {
        const k = i === 10 ? 0 : 1;
        await api[k].stop();
        api[k] = await start(`api-${k + 1}-restarted`, { runner: false });
      }
      const stack = stacks[i % 6];
      const d = await api[i % 2].call<Deployment>('deploy', request(stack, [{ id: 'app', value: `v${i}`, type: 'scripted_thing', sleepMs: 150 }]));
      ids.push(d.id);
      stackOf.set(d.id, d.stackKey);
    }
    const done = await Promise.all(ids.map((id) => statusIn(observer, id)));
    expect(done.map((d) => [d.status, d.error])).toEqual(ids.map(() => ['completed', null]));

    // No API process ran anything.
    for (const a of api) expect(a.events.filter((e) => e.event === 'apply-start')).toEqual([]);
    // One apply per stack at a time: per stack, every apply starts after the previous one ended.
    const applies = workers.flatMap((w) => w.events.filter((e) => e.event === 'apply-start' || e.event === 'apply-end'));
    for (const stackKey of new Set(stackOf.values())) {
      const spans = ids
        .filter((id) => stackOf.get(id) === stackKey)
        .map((id) => ({ start: applies.find((e) => e.event === 'apply-start' && e.deploymentId === id)!.at as number, end: applies.find((e) => e.event === 'apply-end' && e.deploymentId === id)!.at as number }))
        .sort((a, b) => a.start - b.start);
      for (let i = 1; i < spans.length; i++) expect(spans[i].start).toBeGreaterThanOrEqual(spans[i - 1].end);
      // Versions 1..5 without gaps, each written by one of this stack's deployments, each on the one before.
      const history = await observer.listStateVersions(stackKey, { limit: 100 });
      expect(history.map((v) => v.version)).toEqual([5, 4, 3, 2, 1]);
      expect(new Set(history.map((v) => v.deploymentId)).size).toBe(5);
      const mine = done.filter((d) => d.stackKey === stackKey).sort((a, b) => a.stateVersion! - b.stateVersion!);
      expect(mine.map((d) => [d.baseVersion, d.stateVersion])).toEqual([[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]]);
      expect(await observer.getLock(stackKey)).toBeNull();
    }
    // Within a stack they ran in arrival order.
    for (const stackKey of new Set(stackOf.values())) {
      const inArrival = ids.filter((id) => stackOf.get(id) === stackKey).map((id) => done.find((d) => d.id === id)!.stateVersion);
      expect(inArrival).toEqual([1, 2, 3, 4, 5]);
    }
  });

  it('kill -9 of a worker mid-apply: that deployment ends failed (interrupted) with what it created saved; the stack works again; the others are unaffected', async () => {
    await fresh('kill');
    const api = await start('api', { runner: false });
    const workers = await Promise.all([start('worker-a', { concurrency: 1 }), start('worker-b', { concurrency: 1 })]);
    const victimStack = `kill-stack-${process.pid}`;
    const d = await api.call<Deployment>('deploy', request(victimStack, [{ id: 'k1', value: 'v1', type: 'scripted_thing' }, { id: 'k2', value: 'v1', type: 'scripted_thing', sleepMs: HANGS }]));
    const created = await Promise.any(workers.map((w) => w.waitForEvent((e: ReplicaEvent) => e.event === 'resource' && e.deploymentId === d.id && e.id === 'k1' && e.status === 'created', 60_000).then(() => w)));
    const victim = created;
    const survivor = workers.find((w) => w !== victim)!;
    // The victim's only slot is taken: these go to the survivor, and must not notice the kill.
    const others = await Promise.all(
      [1, 2, 3].map((i) => api.call<Deployment>('deploy', request(`kill-other-${process.pid}-${i}`, [{ id: 'o', value: 'v1', type: 'scripted_thing', sleepMs: 1500 }]))),
    );
    await survivor.waitForEvent((e) => e.event === 'apply-start' && e.deploymentId === others[0].id, 60_000);

    const killedAt = Date.now();
    victim.signal('SIGKILL');
    await victim.exited();
    const failed = await statusIn(observer, d.id, ['failed']);
    const detectedAfterMs = Date.now() - killedAt;
    expect(failed.error).toMatch(/interrupted/);
    const saved = await observer.getStateVersion(d.stackKey);
    expect(saved).toMatchObject({ version: 1, deploymentId: d.id, reason: 'recovered' });
    expect(saved?.resources.map((r) => r.id)).toEqual(['k1']);
    expect(await observer.getLock(d.stackKey)).toBeNull();
    process.stdout.write(`kill -9 of a worker mid-apply: deployment failed (interrupted) ${detectedAfterMs} ms after the kill (store lease ${base.lockTtlMs} ms, BullMQ lock ${base.queueLockMs} ms)\n`);

    const otherEnds = await Promise.all(others.map((o) => statusIn(observer, o.id)));
    expect(otherEnds.map((o) => [o.status, o.error, o.stateVersion])).toEqual(others.map(() => ['completed', null, 1]));

    const next = await api.call<Deployment>('deploy', request(victimStack, [{ id: 'k1', value: 'v1', type: 'scripted_thing' }, { id: 'k2', value: 'v1', type: 'scripted_thing' }]));
    const after = await statusIn(observer, next.id);
    expect(after).toMatchObject({ status: 'completed', baseVersion: 1, stateVersion: 2 });
    expect(after.plan?.resources.map((r) => `${r.id}:${r.action}`)).toEqual(['k2:create']);
    // Never run twice: no apply of the killed deployment started anywhere after the kill.
    expect(survivor.events.filter((e) => e.event === 'apply-start' && e.deploymentId === d.id)).toEqual([]);
  });

  it('kill -9 of a worker mid-plan: the plan runs again once on another worker and the deployment completes', async () => {
    await fresh('plan');
    const api = await start('api', { runner: false });
    const workers = await Promise.all([start('worker-a', { concurrency: 1 }), start('worker-b', { concurrency: 1 })]);
    const d = await api.call<Deployment>('deploy', {
      ...request(`plan-stack-${process.pid}`, [{ id: 'p1', value: 'v1', type: 'scripted_thing' }]),
      files: scriptedFiles({ resources: [{ id: 'p1', value: 'v1', type: 'scripted_thing' }], planSleepMs: 3000 }),
    });
    const victim = await Promise.any(workers.map((w) => w.waitForEvent((e) => e.event === 'status' && e.deploymentId === d.id && e.status === 'planning', 60_000).then(() => w)));
    const survivor = workers.find((w) => w !== victim)!;
    victim.signal('SIGKILL');
    await victim.exited();
    const done = await statusIn(observer, d.id);
    expect(done).toMatchObject({ status: 'completed', error: null, stateVersion: 1 });
    // The second attempt ran on the survivor; the apply ran once, there.
    expect(survivor.events.filter((e) => e.event === 'apply-start' && e.deploymentId === d.id)).toHaveLength(1);
    expect(victim.events.filter((e) => e.event === 'apply-start' && e.deploymentId === d.id)).toEqual([]);
    expect(await observer.getLock(done.stackKey)).toBeNull();
  });
});
