import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe } from 'vitest';
import { BullMqJobQueue } from '@iac-orchestrator/queue-bullmq';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { notificationScenarios } from '../../core/test/notifications/scenarios.js';
import { hasRedisServer, startRedisServer, type RedisServer } from './support/redis.js';

const runnable = prerequisite('redis-server', hasRedisServer, 'install redis-server (Debian package redis-server)');

// The same scenarios as core's in-process run, with every delivery, retry and wait a BullMQ job on a
// Redis of the test's own: payloads, delayed retries and per-subscription groups through Redis.
describe.skipIf(!runnable)('notifications on BullMQ', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => redis?.stop());

  notificationScenarios(async () => new BullMqJobQueue({ url: redis.url, queueName: `notify-${randomUUID().slice(0, 8)}` }));
});
