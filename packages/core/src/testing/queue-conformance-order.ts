import assert from 'node:assert/strict';
import { phaseJob, RunRecorder, sleep, unique, until, withBackend, type JobQueueFactory, type QueueConformanceIt } from './queue-conformance-fixtures.js';

/** Order per group, one job per group at a time, concurrency across groups, delayed jobs, dedupe, position. */
export function orderConformance(it: QueueConformanceIt, factory: JobQueueFactory): void {
  it('queue: runs every job once, each group in the order it was enqueued, one at a time', async () => {
    await withBackend(factory, async (open) => {
      const queue = await open();
      const rec = new RunRecorder();
      const groups = [unique('g'), unique('g'), unique('g')];
      const jobs = groups.flatMap((g) => Array.from({ length: 5 }, () => phaseJob(g)));
      for (const job of jobs) await queue.enqueue(job);
      await queue.process(rec.handler, { concurrency: 4 });
      await until(() => rec.ended.length === jobs.length, 'every job to end');
      assert.deepEqual([...rec.startedIds()].sort(), jobs.map((j) => j.id).sort(), 'each job runs exactly once');
      for (const g of groups) {
        const order = rec.started.filter((j) => j.group === g).map((j) => j.id);
        assert.deepEqual(order, jobs.filter((j) => j.group === g).map((j) => j.id), `group ${g} runs in enqueue order`);
      }
      assert.equal(rec.maxPerGroup, 1, 'never two jobs of one group at once');
      assert.ok(rec.maxActive <= 4, `concurrency 4 was exceeded: ${rec.maxActive}`);
    });
  });

  it('queue: different groups run in parallel up to the concurrency, never beyond it', async () => {
    await withBackend(factory, async (open) => {
      const queue = await open();
      const rec = new RunRecorder();
      const jobs = Array.from({ length: 5 }, () => phaseJob(unique('g')));
      for (const job of jobs) rec.held.add(job.id);
      await queue.process(rec.handler, { concurrency: 3 });
      for (const job of jobs) await queue.enqueue(job);
      await until(() => rec.active === 3, 'three jobs of three groups running at once');
      await sleep(200);
      assert.equal(rec.active, 3, 'a fourth job started beyond concurrency 3');
      for (const job of jobs) rec.release(job.id);
      await until(() => rec.ended.length === 5, 'all five to end');
      assert.equal(rec.maxActive, 3);
    });
  });

  it('queue: a job waiting for its group holds no slot (other groups run past it)', async () => {
    await withBackend(factory, async (open) => {
      const queue = await open();
      const rec = new RunRecorder();
      const busy = unique('busy');
      const blocked = [phaseJob(busy), phaseJob(busy), phaseJob(busy)];
      rec.held.add(blocked[0]!.id);
      await queue.process(rec.handler, { concurrency: 2 });
      for (const job of blocked) await queue.enqueue(job);
      await until(() => rec.active === 1, 'the first job of the busy group to start');
      const other = phaseJob(unique('free'));
      await queue.enqueue(other);
      await until(() => rec.ended.includes(other.id), 'the other group to run while the busy one waits');
      assert.deepEqual(await queue.position(blocked[2]!.id), { state: 'waiting', groupPosition: 2 });
      assert.deepEqual(await queue.position(blocked[0]!.id), { state: 'active', groupPosition: 0 });
      rec.release(blocked[0]!.id);
      await until(() => rec.ended.length === 4, 'the busy group to drain');
      assert.equal(await queue.position(blocked[2]!.id), null, 'a finished job has no position');
    });
  });

  it('queue: a delayed job runs after its delay, and joins its group when due', async () => {
    await withBackend(factory, async (open) => {
      const queue = await open();
      const rec = new RunRecorder();
      const group = unique('g');
      const late = phaseJob(group, 'approval-timeout');
      const free = phaseJob(null, 'approval-timeout');
      const now = phaseJob(group);
      const enqueuedAt = Date.now();
      await queue.enqueue(late, { delayMs: 600 });
      await queue.enqueue(free, { delayMs: 600 });
      await queue.enqueue(now);
      assert.deepEqual(await queue.position(late.id), { state: 'delayed', groupPosition: null });
      const startedAt = new Map<string, number>();
      await queue.process(async (job, ctx) => {
        startedAt.set(job.id, Date.now());
        await rec.handler(job, ctx);
      }, { concurrency: 2 });
      await until(() => rec.ended.length === 3, 'the delayed jobs to run');
      assert.equal(rec.startedIds()[0], now.id, 'the job due now ran before the delayed one of its group');
      for (const job of [late, free]) {
        const waited = startedAt.get(job.id)! - enqueuedAt;
        assert.ok(waited >= 550, `${job.id} started ${waited} ms after enqueue, before its 600 ms delay`);
      }
    });
  });

  it('queue: enqueueing a job id that is already queued adds nothing; once ended it may be enqueued again', async () => {
    await withBackend(factory, async (open) => {
      const queue = await open();
      const rec = new RunRecorder();
      const group = unique('g');
      const first = phaseJob(group);
      const job = phaseJob(group);
      rec.held.add(first.id);
      await queue.process(rec.handler, { concurrency: 2 });
      await queue.enqueue(first);
      await queue.enqueue(job);
      await queue.enqueue(job);
      await queue.enqueue({ ...job });
      await until(() => rec.active === 1, 'the first job to start');
      await queue.enqueue(first);
      rec.release(first.id);
      await until(() => rec.ended.length === 2, 'both jobs to end');
      await sleep(300);
      assert.deepEqual(rec.startedIds(), [first.id, job.id], 'a duplicate id ran twice');
      await queue.enqueue(job);
      await until(() => rec.ended.length === 3, 'the re-enqueued job to run');
      assert.deepEqual(rec.attempts.get(job.id), [1, 1]);
    });
  });

  it('queue: rerunIfActive runs a job once more after its running self ends; otherwise the same as a plain enqueue', async () => {
    await withBackend(factory, async (open) => {
      const queue = await open();
      const rec = new RunRecorder();
      const group = unique('g');
      const [woken, behind] = [phaseJob(group), phaseJob(group)];
      rec.held.add(woken.id);
      await queue.process(rec.handler, { concurrency: 2 });
      await queue.enqueue(woken);
      await queue.enqueue(behind);
      await until(() => rec.active === 1, 'the job to start');
      await queue.enqueue(woken, { rerunIfActive: true });
      await queue.enqueue(woken, { rerunIfActive: true });
      await queue.enqueue(behind, { rerunIfActive: true });
      rec.release(woken.id);
      await until(() => rec.ended.length === 3, 'the job, the one behind it, and the rerun to end');
      await sleep(300);
      assert.deepEqual(rec.startedIds(), [woken.id, behind.id, woken.id], 'the rerun joins the end of its line, once');
      assert.deepEqual(rec.attempts.get(woken.id), [1, 1]);
      const cancelled = phaseJob(group);
      rec.held.add(cancelled.id);
      await queue.enqueue(cancelled);
      await until(() => rec.active === 1, 'the next job to start');
      await queue.enqueue(cancelled, { rerunIfActive: true });
      await queue.cancel(cancelled.id);
      await until(() => rec.ended.includes(cancelled.id), 'the cancelled job to end');
      await sleep(300);
      assert.equal(rec.started.filter((j) => j.id === cancelled.id).length, 1, 'a cancel left a rerun behind');
    });
  });

  it('queue: a handler that rejects is not retried, the error is reported and its group moves on', async () => {
    await withBackend(factory, async (open) => {
      const queue = await open();
      const rec = new RunRecorder();
      const group = unique('g');
      const failing = phaseJob(group);
      const next = phaseJob(group);
      rec.failWith = (job) => (job.id === failing.id ? new Error('tool exploded') : null);
      const errors: string[] = [];
      await queue.enqueue(failing);
      await queue.enqueue(next);
      await queue.process(rec.handler, { concurrency: 1, onError: (job, e) => errors.push(`${job.id}: ${(e as Error).message}`) });
      await until(() => rec.ended.includes(next.id), 'the next job of the group to run');
      await sleep(300);
      assert.deepEqual(rec.startedIds(), [failing.id, next.id], 'the failed job ran again');
      assert.deepEqual(errors, [`${failing.id}: tool exploded`]);
    });
  });
}
