import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { jobQueueConformance } from '@iac-orchestrator/core/testing';
import { BullMqJobQueue } from '@iac-orchestrator/queue-bullmq';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { spawnRunner } from './support/processes.js';
import { hasRedisServer, startRedisServer, type RedisServer } from './support/redis.js';

const runnable = prerequisite('redis-server', hasRedisServer, 'install redis-server (Debian package redis-server)');

// Real Redis on a port of its own; a short lock (2 s) and stalled check (1 s) so dead runners are found fast.
describe.skipIf(!runnable)('BullMqJobQueue', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => redis?.stop());

  jobQueueConformance(it, async () => {
    const queueName = `conformance-${randomUUID().slice(0, 8)}`;
    return {
      open: async () => new BullMqJobQueue({ url: redis.url, queueName, lockDurationMs: 2000, stalledIntervalMs: 1000 }),
      capabilities: { durable: true, shared: true },
      deadRunner: {
        // A second node process takes the job, and is killed with SIGKILL in the middle of it.
        async killMidJob(job) {
          const runner = spawnRunner(redis.url, queueName, 'hang', job);
          try {
            await runner.waitFor(`started ${job.id}`);
          } finally {
            await runner.kill9();
          }
        },
        stalledWithinMs: 2000 + 2 * 1000,
      },
    };
  });
});
