/**
 * The standalone service with `REDIS_URL`: it runs on this store (a real terraform apply of a
 * `terraform_data` resource ends up as a state version in Redis), and answers 503 with a clear error,
 * quickly, once Redis is gone.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, startService, type RunningService } from '@iac-orchestrator/http-adapter';
import { RedisStateStore } from '../src/index.js';
import { findCommand, prerequisite } from '../../../test-support/prerequisites.js';
import { hasRedisServerBinary, startRedisServer, type RedisServer } from './support/redis.js';

const ok =
  prerequisite('redis-server', hasRedisServerBinary, 'redis-server is not on PATH (this test kills a Redis of its own)') &&
  prerequisite('terraform', findCommand('terraform') !== null, 'terraform is not on PATH');

const MAIN_TF = 'resource "terraform_data" "marker" {\n  input = "redis-service"\n}\n\noutput "marker" {\n  value = terraform_data.marker.output\n}\n';

describe.skipIf(!ok)('standalone service with REDIS_URL', { timeout: 120_000 }, () => {
  let redis: RedisServer;
  let service: RunningService;
  let workDir: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    workDir = await mkdtemp(join(tmpdir(), 'redis-service-'));
    const config = loadConfig({
      PATH: process.env.PATH,
      REDIS_URL: redis.url,
      REDIS_PREFIX: 'service-test:',
      PORT: '0',
      LOG_LEVEL: 'silent',
      TERRAFORM_WORK_DIR: join(workDir, 'terraform'),
      CFN_WORK_DIR: join(workDir, 'cloudformation'),
      BICEP_WORK_DIR: join(workDir, 'bicep'),
      SHUTDOWN_GRACE_MS: '2000',
    });
    service = await startService(config);
  });
  afterAll(async () => {
    await service?.close();
    await redis?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('deploys on the Redis store, then answers 503 with a clear error once Redis is gone', async () => {
    expect(service.store).toBeInstanceOf(RedisStateStore);
    const started = await fetch(`${service.url}/api/deployments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ blueprintId: 'svc-bp', environment: 'dev', targetCloud: 'aws', format: 'terraform', files: { 'main.tf': MAIN_TF }, options: { autoApprove: true } }),
    });
    expect(started.status).toBe(202);
    const { deploymentId } = (await started.json()) as { deploymentId: string };

    let status = 'pending';
    for (let i = 0; i < 600 && !['completed', 'failed', 'cancelled'].includes(status); i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = ((await (await fetch(`${service.url}/api/deployments/${deploymentId}`)).json()) as { status: string }).status;
    }
    expect(status).toBe('completed');
    const reader = new RedisStateStore({ url: redis.url, prefix: 'service-test:' });
    try {
      const deployment = await reader.getDeployment(deploymentId);
      const version = await reader.getStateVersion(deployment!.stackKey);
      expect(version).toMatchObject({ version: 1, deploymentId, outputs: { marker: 'redis-service' } });
    } finally {
      await reader.close();
    }

    await redis.stop();
    const listed = await fetch(`${service.url}/api/deployments`);
    expect(listed.status).toBe(503);
    expect(((await listed.json()) as { error: string }).error).toMatch(/Redis state store at redis:\/\/127\.0\.0\.1:\d+ is unavailable/);
    const refused = await fetch(`${service.url}/api/deployments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ blueprintId: 'svc-bp', environment: 'dev', targetCloud: 'aws', format: 'terraform', files: { 'main.tf': MAIN_TF }, options: { autoApprove: true } }),
    });
    expect(refused.status).toBe(503);
    expect((await fetch(`${service.url}/ready`)).status).toBe(503);
  });
});
