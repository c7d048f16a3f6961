import { describe, expect, it } from 'vitest';
import { InProcessJobQueue } from '@iac-orchestrator/core';
import { jobQueueConformance } from '@iac-orchestrator/core/testing';

// One process, nothing durable: the restart, sharing and dead-runner checks print why they do not apply
// and check that the engine indeed keeps nothing across instances.
describe('InProcessJobQueue', () => {
  jobQueueConformance(it, async () => ({
    open: async () => new InProcessJobQueue(),
    capabilities: { durable: false, shared: false },
  }));
});

describe('InProcessJobQueue timers', () => {
  it("waits out a delay longer than setTimeout's limit instead of firing at once", async () => {
    const queue = new InProcessJobQueue();
    const ran: string[] = [];
    await queue.process(async (job) => void ran.push(job.id), { concurrency: 1 });
    const job = { id: 'far:approval-timeout', deploymentId: 'far', phase: 'approval-timeout' as const, group: null };
    await queue.enqueue(job, { delayMs: 2 ** 31 + 60_000 });
    await new Promise((r) => setTimeout(r, 100));
    expect(ran).toEqual([]);
    expect(await queue.position(job.id)).toEqual({ state: 'delayed', groupPosition: null });
    expect(await queue.cancel(job.id)).toBe(true);
    await queue.close();
  });
});
