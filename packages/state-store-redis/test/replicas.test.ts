/**
 * Several replicas behind one service: two Orchestrator processes (not two objects in one process)
 * sharing one real Redis through RedisStateStore, with core's scripted executor.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment, DeploymentStatus, LogPage } from '@iac-orchestrator/core';
import { scriptedFiles, type ScriptedResource } from '@iac-orchestrator/core/testing';
import { RedisStateStore } from '../src/index.js';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { redisObtainable, testRedis, type TestRedis } from './support/redis.js';
import { Replica, type ReplicaEvent, type ReplicaSettings } from './replica/replica-harness.js';

const ok = prerequisite('redis', await redisObtainable(), 'no Redis at 127.0.0.1:6379 and no redis-server on PATH');

let blueprintSeq = 0;
/** A deployment request on a stack of its own (unless `blueprintId` is given). */
const request = (resources: ScriptedResource[], over: { blueprintId?: string; autoApprove?: boolean } = {}) => ({
  blueprintId: over.blueprintId ?? `replica-bp-${process.pid}-${++blueprintSeq}`,
  environment: 'dev',
  targetCloud: 'aws' as const,
  format: 'terraform' as const,
  files: scriptedFiles({ resources }),
  options: { autoApprove: over.autoApprove ?? true },
});
const resource = (id: string, extra: Partial<ScriptedResource> = {}): ScriptedResource => ({ id, value: `${id}-v1`, type: 'scripted_thing', ...extra });
/** Long enough that the deployment is still applying whatever the test does meanwhile; it ends by cancel or kill. */
const HANGS = 120_000;

const TERMINAL: DeploymentStatus[] = ['completed', 'failed', 'cancelled', 'planned', 'rolled_back'];

/** Polls the store (as a third party would) until the deployment reaches one of `statuses`; fails after `withinMs`. */
async function statusIn(store: RedisStateStore, id: string, statuses: DeploymentStatus[] = TERMINAL, withinMs = 30_000): Promise<Deployment> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const d = await store.getDeployment(id);
    if (d && statuses.includes(d.status)) return d;
    if (Date.now() > deadline) throw new Error(`deployment ${id} is ${d?.status ?? 'missing'}, expected ${statuses.join('|')} within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const messages = (page: LogPage) => page.entries.map((e) => e.message);

/** Reads a deployment's logs through `replica` from `cursor` until a line matches (log lines are stored
 * asynchronously, so the last ones may land just after the final status); fails after `withinMs`. */
async function logLine(replica: Replica, id: string, cursor: number, match: RegExp, withinMs = 30_000): Promise<LogPage> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const page = await replica.call<LogPage>('logs', id, { cursor });
    if (messages(page).some((m) => match.test(m))) return page;
    if (Date.now() > deadline) throw new Error(`no log line matching ${match} after cursor ${cursor} within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!ok)('two orchestrator replicas on one Redis', { timeout: 90_000 }, () => {
  let redis: TestRedis;
  let settings: ReplicaSettings;
  let observer: RedisStateStore;
  let workDir: string;
  const replicas: Replica[] = [];
  const startReplica = async (name: string, over: Partial<ReplicaSettings> = {}) => {
    const r = await Replica.start(name, { ...settings, ...over });
    replicas.push(r);
    return r;
  };

  beforeAll(async () => {
    redis = await testRedis();
    workDir = await mkdtemp(join(tmpdir(), 'redis-replicas-'));
    settings = { redisUrl: redis.url, prefix: redis.newPrefix(), workDir, lockTtlMs: 5000, lockWaitMs: 60_000 };
    observer = new RedisStateStore({ url: redis.url, prefix: settings.prefix });
    await observer.init();
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await observer?.close();
    await redis?.cleanup();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  // No recovery loop here: core's recover() can take a deployment that is just ending (its lock released,
  // its final status not yet stored) for an abandoned one and mark it failed. Reported to core; the
  // recovery loop runs in the tests below, where the holder is really dead or paused.
  describe('while both run', () => {
    let a: Replica;
    let b: Replica;
    beforeAll(async () => {
      [a, b] = await Promise.all([startReplica('replica-a'), startReplica('replica-b')]);
    });

    it('shows a deployment of A from B with its logs as they grow, and cancels it from B (an API-only replica: the cancel reaches the job through the shared BullMQ queue)', async () => {
      // A cancel reaches a job only through the queue that holds it: here A runs jobs from BullMQ and B
      // only stores and enqueues, as the service's worker and api roles do.
      const shared = { queueName: `cancel-${process.pid}` };
      const [a, b] = await Promise.all([startReplica('runner-a', shared), startReplica('api-b', { ...shared, runner: false })]);
      const d = await a.call<Deployment>('deploy', request([resource('r1'), resource('r2', { sleepMs: HANGS })]));
      await a.waitForEvent((e) => e.event === 'resource' && e.deploymentId === d.id && e.id === 'r1' && e.status === 'created');

      const seen = await b.call<Deployment>('get', d.id);
      expect(seen.status).toBe('applying');
      const first = await b.call<LogPage>('logs', d.id);
      expect(messages(first)).toContain('r1: created');

      await b.call('cancel', d.id);
      const end = await a.waitForEvent((e) => e.event === 'apply-end' && e.deploymentId === d.id);
      expect(end).toMatchObject({ aborted: true, abortReason: 'CancelledError' });
      const cancelled = await statusIn(observer, d.id);
      expect(cancelled.status).toBe('cancelled');
      // What the cancelled apply had created is saved (invariant 1), and B reads the lines written since its cursor.
      expect((await observer.getStateVersion(d.stackKey))?.resources.map((r) => r.id)).toEqual(['r1']);
      const more = await logLine(b, d.id, first.nextCursor, /Saved state version 1 \(partial\)/);
      expect(messages(more)).not.toContain('r1: created');
      expect(b.events.some((e) => e.event === 'apply-start' && e.deploymentId === d.id)).toBe(false);
    });

    it('applies in B a plan made in A and approved through B', async () => {
      const d = await a.call<Deployment>('deploy', request([resource('approved-1')], { autoApprove: false }));
      await a.waitForEvent((e) => e.event === 'status' && e.deploymentId === d.id && e.status === 'awaiting_approval');
      expect(await observer.getPlan(d.id)).not.toBeNull();

      await b.call('approve', d.id, { comment: 'looks right' });
      const written = await b.waitForEvent((e) => e.event === 'state-write' && e.deploymentId === d.id);
      expect(written).toMatchObject({ ok: true, version: 1, reason: 'applied' });
      const done = await statusIn(observer, d.id);
      expect(done).toMatchObject({ status: 'completed', stateVersion: 1, approval: { decision: 'approved', comment: 'looks right' } });
      expect(a.events.some((e) => e.event === 'apply-start' && e.deploymentId === d.id)).toBe(false);
      expect(await observer.getLock(d.stackKey)).toBeNull();
    });

    it('ends in B a plan made in A and rejected through B, and frees the stack', async () => {
      const d = await a.call<Deployment>('deploy', request([resource('rejected-1')], { autoApprove: false }));
      await a.waitForEvent((e) => e.event === 'status' && e.deploymentId === d.id && e.status === 'awaiting_approval');
      await b.call('reject', d.id, { comment: 'not today' });
      const ended = await statusIn(observer, d.id);
      expect(ended.status).toBe('cancelled');
      expect(ended.error).toMatch(/not today/);
      expect(await observer.getLock(d.stackKey)).toBeNull();
      expect(await observer.getStateVersion(d.stackKey)).toBeNull();
      expect([...a.events, ...b.events].some((e) => e.event === 'apply-start' && e.deploymentId === d.id)).toBe(false);
    });

    it('never runs one stack in both at once: the second waits for the first, then builds on its state', async () => {
      const blueprintId = `one-writer-${process.pid}`;
      const [fromA, fromB] = await Promise.all([
        a.call<Deployment>('deploy', request([resource('w1', { value: 'from-a', sleepMs: 1500 })], { blueprintId })),
        b.call<Deployment>('deploy', request([resource('w1', { value: 'from-b', sleepMs: 1500 })], { blueprintId })),
      ]);
      expect(fromA.stackKey).toBe(fromB.stackKey);
      const [endA, endB] = await Promise.all([statusIn(observer, fromA.id), statusIn(observer, fromB.id)]);
      expect({ a: [endA.status, endA.error], b: [endB.status, endB.error] }).toEqual({ a: ['completed', null], b: ['completed', null] });

      const [first, second] = endA.stateVersion === 1 ? [endA, endB] : [endB, endA];
      expect(second).toMatchObject({ baseVersion: 1, stateVersion: 2 });
      // The second waited in line (its plan job found the stack held, or the older deployment still pending,
      // and let go); whichever replica ended the first admitted it, so it may run in either.
      const either = (match: (e: ReplicaEvent) => boolean) => Promise.any([a, b].map((r) => r.waitForEvent(match)));
      const firstEnd = await either((e) => e.event === 'apply-end' && e.deploymentId === first.id);
      const secondStart = await either((e) => e.event === 'apply-start' && e.deploymentId === second.id);
      expect(secondStart.at as number).toBeGreaterThanOrEqual(firstEnd.at as number);
      const history = await observer.listStateVersions(first.stackKey, { limit: 10 });
      expect(history.map((v) => [v.version, v.deploymentId])).toEqual([
        [2, second.id],
        [1, first.id],
      ]);
    });
  });

  describe('when a replica dies or stalls', () => {
    afterEach(async () => {
      await Promise.all(replicas.splice(0).map((r) => r.stop()));
    });

    it('kill -9 of the holder: the other marks its deployment failed (interrupted), keeps the state it left and frees the stack', async () => {
      const [holder, survivor] = await Promise.all([startReplica('holder', { recoveryEveryMs: 500 }), startReplica('survivor', { recoveryEveryMs: 500 })]);
      const d = await holder.call<Deployment>('deploy', request([resource('k1'), resource('k2', { sleepMs: HANGS })]));
      await holder.waitForEvent((e) => e.event === 'resource' && e.deploymentId === d.id && e.id === 'k1' && e.status === 'created');

      holder.signal('SIGKILL');
      await holder.exited();
      const failed = await statusIn(observer, d.id, ['failed']);
      expect(failed.error).toMatch(/interrupted/);
      const saved = await observer.getStateVersion(d.stackKey);
      expect(saved).toMatchObject({ version: 1, deploymentId: d.id, reason: 'recovered' });
      expect(saved?.resources.map((r) => r.id)).toEqual(['k1']);
      expect(await observer.getLock(d.stackKey)).toBeNull();

      const next = await survivor.call<Deployment>('deploy', request([resource('k1'), resource('k2')], { blueprintId: d.blueprintId }));
      expect(await statusIn(observer, next.id)).toMatchObject({ status: 'completed', baseVersion: 1, stateVersion: 2 });
    });

    it('SIGSTOP of the holder past its lease: its later write is refused by the fence and its executor is cancelled', async () => {
      const timing = { lockTtlMs: 2000, recoveryEveryMs: 500 };
      const [holder, survivor] = await Promise.all([startReplica('paused', timing), startReplica('survivor', timing)]);
      const d = await holder.call<Deployment>('deploy', request([resource('s1'), resource('s2', { sleepMs: HANGS })]));
      await holder.waitForEvent((e) => e.event === 'resource' && e.deploymentId === d.id && e.id === 's1' && e.status === 'created');
      const heldToken = (await observer.getLock(d.stackKey))?.token;

      holder.signal('SIGSTOP');
      try {
        // The lease lapses; the survivor's recovery ends the deployment and saves what it left.
        const failed = await statusIn(observer, d.id, ['failed']);
        expect(failed.error).toMatch(/interrupted/);
        expect(await observer.getStateVersion(d.stackKey)).toMatchObject({ version: 1, reason: 'recovered' });
        // The stack moves on while the holder is still paused.
        const next = await survivor.call<Deployment>('deploy', request([resource('s1'), resource('s3')], { blueprintId: d.blueprintId }));
        expect(await statusIn(observer, next.id)).toMatchObject({ status: 'completed', stateVersion: 2 });
      } finally {
        holder.signal('SIGCONT');
      }

      const end = await holder.waitForEvent((e) => e.event === 'apply-end' && e.deploymentId === d.id);
      expect(end).toMatchObject({ aborted: true, abortReason: 'LockLostError' });
      const fenced = await holder.waitForEvent((e) => e.event === 'state-write' && e.deploymentId === d.id);
      expect(fenced).toMatchObject({ ok: false, token: heldToken, error: { name: 'LockLostError' } });
      await statusIn(observer, d.id, ['failed']);
      // Whatever the holder tried after it woke, nothing it wrote landed: the stack is still at the survivor's version.
      expect(holder.events.filter((e) => e.event === 'state-write' && e.ok === true)).toEqual([]);
      const current = await observer.getStateVersion(d.stackKey);
      expect(current?.version).toBe(2);
      expect(current?.resources.map((r) => r.id).sort()).toEqual(['s1', 's3']);
    });
  });
});
