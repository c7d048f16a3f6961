import assert from 'node:assert/strict';
import { phaseJob, RunRecorder, sleep, unique, until, withBackend, type JobQueueFactory, type QueueConformanceIt } from './queue-conformance-fixtures.js';

/** Cancel (waiting, delayed, running, from another instance), close with a grace period, health. */
export function cancelConformance(it: QueueConformanceIt, factory: JobQueueFactory): void {
  it('queue: cancel removes a waiting or delayed job; its group moves on; an unknown id is false', async () => {
    await withBackend(factory, async (open) => {
      const queue = await open();
      const rec = new RunRecorder();
      const group = unique('g');
      const [a, b, c] = [phaseJob(group), phaseJob(group), phaseJob(group)];
      const delayed = phaseJob(null, 'approval-timeout');
      rec.held.add(a.id);
      await queue.process(rec.handler, { concurrency: 2 });
      for (const job of [a, b, c]) await queue.enqueue(job);
      await queue.enqueue(delayed, { delayMs: 300 });
      await until(() => rec.active === 1, 'the head of the group to start');
      assert.equal(await queue.cancel(b.id), true);
      assert.equal(await queue.cancel(delayed.id), true);
      assert.equal(await queue.position(b.id), null);
      assert.deepEqual(await queue.position(c.id), { state: 'waiting', groupPosition: 1 });
      rec.release(a.id);
      await until(() => rec.ended.includes(c.id), 'the rest of the group to run');
      await sleep(600);
      assert.deepEqual(rec.startedIds(), [a.id, c.id], 'a cancelled job ran');
      assert.equal(await queue.cancel(c.id), false, 'a finished job cannot be cancelled');
      assert.equal(await queue.cancel('never-enqueued:plan'), false);
    });
  });

  it("queue: cancel aborts a running job's signal with reason 'cancelled', then the group moves on", async () => {
    await withBackend(factory, async (open) => {
      const queue = await open();
      const rec = new RunRecorder();
      const group = unique('g');
      const [running, next] = [phaseJob(group), phaseJob(group)];
      rec.held.add(running.id);
      await queue.process(rec.handler, { concurrency: 1 });
      await queue.enqueue(running);
      await queue.enqueue(next);
      await until(() => rec.active === 1, 'the job to start');
      assert.equal(await queue.cancel(running.id), true);
      await until(() => rec.ended.includes(next.id), 'the next job of the group to run');
      assert.equal(rec.aborted.get(running.id), 'cancelled');
      assert.equal(rec.aborted.has(next.id), false);
    });
  });

  it('queue: cancel from another instance on the same backend reaches the running job at once', async () => {
    await withBackend(factory, async (open, backend) => {
      const runner = await open();
      const rec = new RunRecorder();
      const job = phaseJob(unique('g'));
      rec.held.add(job.id);
      await runner.process(rec.handler, { concurrency: 1 });
      await runner.enqueue(job);
      await until(() => rec.active === 1, 'the job to start');
      const api = await open();
      if (!backend.capabilities.shared) {
        console.warn('[not applicable] this engine has one instance per process: cancel from elsewhere cannot exist');
        assert.equal(await api.cancel(job.id), false, 'an engine declared unshared saw another instance\'s job');
        assert.equal(await api.position(job.id), null);
        await runner.cancel(job.id);
        return;
      }
      assert.deepEqual(await api.position(job.id), { state: 'active', groupPosition: 0 });
      assert.equal(await api.cancel(job.id), true);
      // "At once" means pushed, not found at the next lock renewal or stalled check (30 s by default); the
      // bound leaves room for a loaded machine. Engines check their push mechanism in their own tests.
      await until(() => rec.aborted.has(job.id), 'the running job to see the cancel', 2000);
      assert.equal(rec.aborted.get(job.id), 'cancelled');
    });
  });

  it("queue: close waits for running jobs, and aborts them with 'shutdown' after the grace period", async () => {
    await withBackend(factory, async (open) => {
      const queue = await open();
      const rec = new RunRecorder();
      const [quick, stuck] = [phaseJob(unique('g')), phaseJob(unique('g'))];
      rec.held.add(quick.id);
      rec.held.add(stuck.id);
      await queue.process(rec.handler, { concurrency: 2 });
      await queue.enqueue(quick);
      await queue.enqueue(stuck);
      await until(() => rec.active === 2, 'both jobs to start');
      setTimeout(() => rec.release(quick.id), 50);
      await queue.close({ graceMs: 400 });
      assert.equal(rec.active, 0, 'close returned before its running jobs ended');
      assert.equal(rec.aborted.has(quick.id), false, 'a job that ended within the grace period was aborted');
      assert.equal(rec.aborted.get(stuck.id), 'shutdown');
      assert.equal((await queue.health()).ok, false, 'a closed queue reports healthy');
    });
  });

  it('queue: a job finishing while its queue closes may still enqueue; a durable engine runs that job later', async () => {
    await withBackend(factory, async (open, backend) => {
      const queue = await open();
      const rec = new RunRecorder();
      const [finishing, followUp] = [phaseJob(unique('g')), phaseJob(unique('g'))];
      rec.held.add(finishing.id);
      let enqueueError: unknown = null;
      await queue.process(async (job, ctx) => {
        await rec.handler(job, ctx);
        await queue.enqueue(followUp).catch((e: unknown) => (enqueueError = e));
      }, { concurrency: 1 });
      await queue.enqueue(finishing);
      await until(() => rec.active === 1, 'the job to start');
      const closing = queue.close({ graceMs: 10_000 });
      await sleep(50);
      rec.release(finishing.id);
      await closing;
      assert.equal(enqueueError, null, `enqueue during close threw: ${String(enqueueError)}`);
      assert.deepEqual(rec.startedIds(), [finishing.id], 'a closing queue started a new job');
      if (!backend.capabilities.durable) return;
      const after = await open();
      const next = new RunRecorder();
      await after.process(next.handler, { concurrency: 1 });
      await until(() => next.ended.includes(followUp.id), 'the job enqueued during close to run after the restart');
    });
  });

  it('queue: reports its engine and health', async () => {
    await withBackend(factory, async (open) => {
      const queue = await open();
      const health = await queue.health();
      assert.equal(health.ok, true, `unhealthy: ${health.detail}`);
      assert.equal(health.engine, queue.engine);
      assert.ok(queue.engine.length > 0);
    });
  });
}
