import assert from 'node:assert/strict';
import type { StalledJob } from '../types/job-queue.js';
import { phaseJob, RunRecorder, sleep, unique, until, withBackend, type JobQueueFactory, type QueueConformanceIt } from './queue-conformance-fixtures.js';

/** Restarts, several instances on one backend, runners that die mid-job. */
export function durabilityConformance(it: QueueConformanceIt, factory: JobQueueFactory): void {
  it("queue: nothing is lost across a restart of the queue's process", async () => {
    await withBackend(factory, async (open, backend) => {
      const before = await open();
      const first = new RunRecorder();
      const group = unique('g');
      const jobs = Array.from({ length: 4 }, () => phaseJob(group));
      const delayed = phaseJob(null, 'approval-timeout');
      first.held.add(jobs[0]!.id);
      await before.process(first.handler, { concurrency: 1 });
      for (const job of jobs) await before.enqueue(job);
      await before.enqueue(delayed, { delayMs: 300 });
      await until(() => first.active === 1, 'the first job to start');
      await before.close({ graceMs: 0 });
      assert.equal(first.aborted.get(jobs[0]!.id), 'shutdown');
      const after = await open();
      if (!backend.capabilities.durable) {
        console.warn("[not applicable] this engine keeps its jobs in the process's memory: a restart loses the waiting ones");
        assert.equal(await after.position(jobs[1]!.id), null, 'an engine declared non-durable kept a job across instances');
        return;
      }
      const second = new RunRecorder();
      await after.process(second.handler, { concurrency: 2 });
      await until(() => second.ended.length === 4, 'the waiting and delayed jobs to run after the restart');
      assert.deepEqual(second.startedIds().filter((id) => id !== delayed.id), jobs.slice(1).map((j) => j.id));
      assert.ok(second.startedIds().includes(delayed.id));
    });
  });

  it('queue: several instances share the jobs, still one job per group at a time across them', async () => {
    await withBackend(factory, async (open, backend) => {
      if (!backend.capabilities.shared) {
        console.warn('[not applicable] this engine has one instance per process: there is nothing to share');
        const [a, b] = [await open(), await open()];
        const job = phaseJob(null);
        await a.enqueue(job);
        assert.equal(await b.position(job.id), null, 'an engine declared unshared saw another instance\'s job');
        return;
      }
      const rec = new RunRecorder();
      const instances = [await open(), await open(), await open()];
      for (const q of instances.slice(0, 2)) await q.process(rec.handler, { concurrency: 3 });
      const groups = [unique('g'), unique('g')];
      const jobs = Array.from({ length: 12 }, (_, i) => phaseJob(groups[i % 2]!));
      for (const job of jobs) await instances[2]!.enqueue(job);
      await until(() => rec.ended.length === jobs.length, 'every job to run');
      assert.deepEqual([...rec.startedIds()].sort(), jobs.map((j) => j.id).sort(), 'each job runs exactly once');
      for (const g of groups) {
        const order = rec.started.filter((j) => j.group === g).map((j) => j.id);
        assert.deepEqual(order, jobs.filter((j) => j.group === g).map((j) => j.id), `group ${g} runs in order`);
      }
      assert.equal(rec.maxPerGroup, 1, 'two instances ran jobs of one group at once');
    });
  });

  it('queue: a runner that dies mid-job is reported once to a live one, never re-run on its own, and its group moves on', async () => {
    await withBackend(factory, async (open, backend) => {
      const hook = backend.deadRunner;
      if (!hook) {
        console.warn('[not applicable] this engine runs in one process: a dead runner takes the whole queue with it, nothing stalls');
        assert.equal(backend.capabilities.shared, false, 'an engine shared between processes must be able to lose a runner');
        return;
      }
      const group = unique('g');
      const [victim, next] = [phaseJob(group, 'apply'), phaseJob(group)];
      await hook.killMidJob(victim);
      const survivor = await open();
      await survivor.enqueue(next);
      const stalled: StalledJob[] = [];
      const rec = new RunRecorder();
      await survivor.process(rec.handler, { concurrency: 2, onStalled: async (s) => void stalled.push(s) });
      await until(() => stalled.length > 0, 'the stalled job to be reported', hook.stalledWithinMs * 3 + 10_000);
      await until(() => rec.ended.includes(next.id), 'the next job of the group to run');
      await sleep(hook.stalledWithinMs);
      assert.deepEqual(stalled.map((s) => [s.job.id, s.attempt]), [[victim.id, 1]]);
      assert.deepEqual(stalled[0]!.job, victim);
      assert.deepEqual(rec.startedIds(), [next.id], 'the engine re-ran a stalled job on its own');
      assert.equal(await survivor.position(victim.id), null);
    });
  });

  it("queue: a stalled job is run again in place, first in its group, when onStalled answers 'retry'", async () => {
    await withBackend(factory, async (open, backend) => {
      const hook = backend.deadRunner;
      if (!hook) {
        console.warn('[not applicable] this engine runs in one process: nothing stalls, nothing to retry');
        assert.equal(backend.capabilities.shared, false);
        return;
      }
      const group = unique('g');
      const [victim, next] = [phaseJob(group, 'plan'), phaseJob(group)];
      await hook.killMidJob(victim);
      const survivor = await open();
      await survivor.enqueue(next);
      const rec = new RunRecorder();
      await survivor.process(rec.handler, { concurrency: 2, onStalled: async () => 'retry' });
      await until(() => rec.ended.length === 2, 'the retried job and the next one to run', hook.stalledWithinMs * 3 + 10_000);
      assert.deepEqual(rec.startedIds(), [victim.id, next.id], 'the retried job lost its place in its group');
      assert.deepEqual(rec.attempts.get(victim.id), [2]);
    });
  });
}
