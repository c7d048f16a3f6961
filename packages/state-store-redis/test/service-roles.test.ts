/**
 * `iac-orchestrator serve` split by role on one Redis: an API service (ORCHESTRATOR_ROLE=api) that stores and
 * enqueues, and a worker service (ORCHESTRATOR_ROLE=worker) that runs the jobs (a real terraform apply of a
 * `terraform_data` resource) and serves only /health, /ready and /metrics.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, startService, type RunningService } from '@iac-orchestrator/http-adapter';
import { findCommand, prerequisite } from '../../../test-support/prerequisites.js';
import { hasRedisServerBinary, startRedisServer, type RedisServer } from './support/redis.js';

const ok =
  prerequisite('redis-server', hasRedisServerBinary, 'redis-server is not on PATH (this test starts a Redis of its own)') &&
  prerequisite('terraform', findCommand('terraform') !== null, 'terraform is not on PATH');

const MAIN_TF = 'resource "terraform_data" "marker" {\n  input = "roles"\n}\n\noutput "marker" {\n  value = terraform_data.marker.output\n}\n';

describe.skipIf(!ok)('serve with ORCHESTRATOR_ROLE=api and =worker on one Redis', { timeout: 180_000 }, () => {
  let redis: RedisServer;
  let api: RunningService;
  let worker: RunningService;
  let workDir: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    workDir = await mkdtemp(join(tmpdir(), 'service-roles-'));
    const env = (role: string) =>
      loadConfig({
        PATH: process.env.PATH,
        REDIS_URL: redis.url,
        REDIS_PREFIX: 'roles-test:',
        ORCHESTRATOR_ROLE: role,
        PORT: '0',
        LOG_LEVEL: 'silent',
        TERRAFORM_WORK_DIR: join(workDir, role, 'terraform'),
        CFN_WORK_DIR: join(workDir, role, 'cloudformation'),
        BICEP_WORK_DIR: join(workDir, role, 'bicep'),
        SHUTDOWN_GRACE_MS: '5000',
      });
    [api, worker] = await Promise.all([startService(env('api')), startService(env('worker'))]);
  });
  afterAll(async () => {
    await Promise.all([api?.close(), worker?.close()]);
    await redis?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('the API enqueues, the worker applies; the worker answers only its probes; both report the queue in /ready', async () => {
    expect(api.orchestrator.runner).toBe(false);
    expect(worker.orchestrator.runner).toBe(true);
    const started = await fetch(`${api.url}/api/deployments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ blueprintId: 'roles-bp', environment: 'dev', targetCloud: 'aws', format: 'terraform', files: { 'main.tf': MAIN_TF }, options: { autoApprove: true } }),
    });
    expect(started.status).toBe(202);
    const { deploymentId } = (await started.json()) as { deploymentId: string };
    let body: { status: string; state?: { version: number | null }; outputs?: Record<string, unknown> } = { status: 'pending' };
    for (let i = 0; i < 600 && !['completed', 'failed', 'cancelled'].includes(body.status); i++) {
      await new Promise((r) => setTimeout(r, 200));
      body = (await (await fetch(`${api.url}/api/deployments/${deploymentId}`)).json()) as typeof body;
    }
    expect(body).toMatchObject({ status: 'completed', state: { version: 1 }, outputs: { marker: 'roles' } });
    // The job ran in the worker process's orchestrator, not in the API's.
    expect((await api.store.getDeployment(deploymentId))?.owner).toBe(worker.orchestrator.options.instanceId);

    for (const path of ['/api/deployments', `/api/deployments/${deploymentId}`, '/openapi.json']) expect((await fetch(`${worker.url}${path}`)).status).toBe(404);
    expect((await fetch(`${worker.url}/health`)).status).toBe(200);
    expect((await fetch(`${worker.url}/metrics`)).status).toBe(200);
    for (const s of [api, worker]) {
      const ready = await fetch(`${s.url}/ready`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { queue: { ok: boolean; engine: string } }).queue).toMatchObject({ ok: true, engine: 'bullmq' });
    }
  });
});
