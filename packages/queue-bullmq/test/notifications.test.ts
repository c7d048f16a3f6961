import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullMqJobQueue } from '@iac-orchestrator/queue-bullmq';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { notificationScenarios } from '../../core/test/notifications/scenarios.js';
import { Receiver } from '../../core/test/notifications/receiver.js';
import { deployInput, harness, res, waitFor } from '../../core/test/orchestrator/helpers.js';
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

  it('no webhook secret and no configured URL rests in Redis while a delivery waits for its retry', async () => {
    const secret = 'whsec-redis-0123456789abcdef-never-stored';
    const receiver = await new Receiver().start();
    const url = receiver.on('/services/T0/B0/slack-path-credential', { alwaysFail: true });
    const h = await harness({
      queue: new BullMqJobQueue({ url: redis.url, queueName: `notify-${randomUUID().slice(0, 8)}` }),
      notifications: { secret, subscriptions: [{ url, events: ['completed'], secret: `${secret}-own` }], retryBaseMs: 60_000 },
    });
    const client = new Redis(redis.url);
    try {
      const d = await h.orch.deploy(deployInput({ resources: [res('web')] }));
      await waitFor(h.orch, d.id);
      // The first attempt failed: its retry is a delayed job in Redis for a minute.
      for (let i = 0; i < 600 && !(await h.orch.notificationLog(d.id)).some((e) => e.outcome === 'retrying'); i++) await new Promise((r) => setTimeout(r, 25));
      const keys = await client.keys('*');
      const values: string[] = [];
      for (const key of keys) {
        const type = await client.type(key);
        if (type === 'string') values.push(String(await client.get(key)));
        else if (type === 'hash') values.push(JSON.stringify(await client.hgetall(key)));
        else if (type === 'list') values.push(JSON.stringify(await client.lrange(key, 0, -1)));
        else if (type === 'zset') values.push(JSON.stringify(await client.zrange(key, 0, -1)));
        else if (type === 'set') values.push(JSON.stringify(await client.smembers(key)));
        else if (type === 'stream') values.push(JSON.stringify(await client.xrange(key, '-', '+')));
      }
      const dump = `${keys.join('\n')}\n${values.join('\n')}`;
      // The waiting job and its payload are there (as JSON inside the line's hash)...
      expect(dump).toMatch(/\\"phase\\":\\"notify\\",.*\\"payload\\":\{/);
      // ...with neither secret nor the configured URL's path (a Slack webhook's credential).
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain('slack-path-credential');
    } finally {
      client.disconnect();
      await h.dispose();
      await receiver.stop();
    }
  });
});
