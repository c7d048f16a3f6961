import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStateStore, Orchestrator, type Deployment } from '@iac-orchestrator/core';
import { ScriptedExecutor, scriptedFiles } from '@iac-orchestrator/core/testing';
import { BullMqJobQueue } from '@iac-orchestrator/queue-bullmq';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { hasRedisServer, startRedisServer, type RedisServer } from './support/redis.js';

const runnable = prerequisite('redis-server', hasRedisServer, 'install redis-server (Debian package redis-server)');

async function ended(orch: Orchestrator, id: string): Promise<Deployment> {
  return orch.waitFor(id, ['completed', 'failed', 'cancelled'], { timeoutMs: 60_000 });
}

describe.skipIf(!runnable)('a canary deployment group on the BullMQ queue', () => {
  let redis: RedisServer;
  let workDir: string;
  beforeAll(async () => {
    redis = await startRedisServer();
    workDir = await mkdtemp(join(tmpdir(), 'groups-bullmq-'));
  });
  afterAll(async () => {
    await redis?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('an API-only orchestrator stores the group; a runner applies the canary, then releases the rest through the queue', async () => {
    const queueName = `groups-${randomUUID().slice(0, 8)}`;
    const store = new MemoryStateStore();
    const executor = new ScriptedExecutor();
    // The API process takes no job; the runner is the only one that runs anything, and the rest of the
    // group is started from where the canary's job ended there, through Redis.
    const api = new Orchestrator({ store, executors: [new ScriptedExecutor()], runner: false, queue: new BullMqJobQueue({ url: redis.url, queueName }), workDir });
    const runner = new Orchestrator({ store, executors: [executor], queue: new BullMqJobQueue({ url: redis.url, queueName }), workDir, lockTtlMs: 5000 });
    try {
      const group = await api.deployGroup({
        blueprintId: 'site',
        environment: 'dev',
        targetCloud: 'aws',
        format: 'terraform',
        files: scriptedFiles({ resources: [{ id: 'web', value: 'v1' }] }),
        options: { autoApprove: true },
        order: 'canary',
        targets: [
          { name: 'eu', region: 'eu-west-1' },
          { name: 'us', region: 'us-east-1' },
          { name: 'ap', region: 'ap-south-1' },
        ],
      });
      const [first, ...rest] = await Promise.all(group.targets.map((t) => ended(api, t.deploymentId)));
      expect([first, ...rest].map((d) => d!.status)).toEqual(['completed', 'completed', 'completed']);
      for (const d of rest) expect(d!.startedAt! >= first!.completedAt!).toBe(true);
      const firstApply = executor.calls.indexOf(`apply:${first!.id}`);
      for (const d of rest) expect(executor.calls.indexOf(`plan:${d!.id}`)).toBeGreaterThan(firstApply);
      expect((await api.getGroup(group.id)).status).toBe('completed');
    } finally {
      await runner.close(5000);
      await api.close(0);
    }
  });
});
