import assert from 'node:assert/strict';
import type { PhaseJob } from '../types/job-queue.js';
import { phaseJob, RunRecorder, unique, until, withBackend, type JobQueueFactory, type QueueConformanceIt } from './queue-conformance-fixtures.js';

/** A job's JSON payload reaches the runner exactly as enqueued (due now or delayed, grouped or not), and a
 * change the caller makes after enqueueing does not. */
export function payloadConformance(it: QueueConformanceIt, factory: JobQueueFactory): void {
  it('queue: a job carries its JSON payload to the runner unchanged, due now or delayed', async () => {
    await withBackend(factory, async (open) => {
      const queue = await open();
      const rec = new RunRecorder();
      const payload = () => ({ event: 'completed', attempt: 2, nested: { list: [1, 'two', null, true], text: 'é ✓ "quoted"' }, empty: {} });
      const grouped: PhaseJob = { ...phaseJob(unique('g'), 'notify'), payload: payload() };
      const delayed: PhaseJob = { ...phaseJob(null, 'notify'), payload: payload() };
      const bare = phaseJob(null);
      await queue.process(rec.handler, { concurrency: 2 });
      await queue.enqueue(grouped);
      await queue.enqueue(delayed, { delayMs: 200 });
      await queue.enqueue(bare);
      // The caller's object is not the job's: a later change stays with the caller.
      (grouped.payload!.nested as { text: string }).text = 'changed after enqueue';
      await until(() => rec.ended.length === 3, 'the three jobs to run');
      const ran = (id: string) => rec.started.find((j) => j.id === id);
      assert.deepEqual(ran(grouped.id)?.payload, payload(), 'the grouped job carried its payload as enqueued');
      assert.deepEqual(ran(delayed.id)?.payload, payload(), 'the delayed job carried its payload');
      assert.equal(ran(delayed.id)?.phase, 'notify');
      assert.equal(ran(bare.id)?.payload, undefined, 'a job without payload gets none');
    });
  });
}
