import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terraformAvailable } from './support/harness.js';
import { findCommand, prerequisite } from '../../../test-support/prerequisites.js';
import { curl, startServe, type ServeProcess } from './support/serve.js';
import { StubGenerator, terraformCode } from './support/stub-generator.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The spec's usage examples 1, 4 and 5 (Terraform), run as written with curl (argv, no shell; `jq -r`
 * becomes JSON.parse, `watch` a poll) against the real `serve` CLI and a stub IaC generator on real
 * sockets. Only the hosts differ: the service and the generator listen on ephemeral ports.
 */
const ok = terraformAvailable() && prerequisite('curl', findCommand('curl') !== null, 'curl is not on PATH (the examples are curl commands)');

describe.skipIf(!ok)('spec usage examples against `iac-orchestrator serve`', () => {
  const gen = new StubGenerator();
  let svc: ServeProcess;
  let dir = '';
  const deployIds: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spec-examples-'));
    await gen.start();
    svc = await startServe({ PORT: '0', IAC_GENERATOR_URL: gen.url, ORCHESTRATOR_DATA_DIR: join(dir, 'data'), TERRAFORM_WORK_DIR: join(dir, 'tf') });
  });
  afterAll(async () => {
    await svc?.stop();
    await gen.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Example 1, steps 1-4. Returns the deployment once `watch` would show it completed. */
  async function example1(): Promise<{ id: string; body: any }> {
    // Step 1: Generate IaC code
    const GEN_JOB = JSON.parse(await curl('-X', 'POST', `${gen.url}/api/generate`, '-d', '{"blueprintId":"abc-123","targetFormat":"terraform"}')).jobId as string;
    // Step 2: Wait for generation
    while (JSON.parse(await curl(`${gen.url}/api/generate/${GEN_JOB}`)).status !== 'completed') await sleep(200);
    // Step 3: Start deployment
    const DEPLOY_ID = JSON.parse(
      await curl(
        '-X',
        'POST',
        `${svc.url}/api/deployments`,
        '-d',
        `{
    "blueprintId": "abc-123",
    "generationJobId": "${GEN_JOB}",
    "environment": "production",
    "targetCloud": "azure",
    "format": "terraform",
    "options": {"autoApprove": true}
  }`,
      ),
    ).deploymentId as string;
    // Step 4: Monitor deployment
    for (;;) {
      const body = JSON.parse(await curl(`${svc.url}/api/deployments/${DEPLOY_ID}`));
      if (!['pending', 'planning', 'applying'].includes(body.status)) return { id: DEPLOY_ID, body };
      await sleep(300);
    }
  }

  it('Example 1: Deploy to Azure with Terraform', async () => {
    gen.blueprints.set('abc-123', terraformCode({ ip: '10.0.1.1' }));
    const { id, body } = await example1();
    deployIds.push(id);
    expect(body).toMatchObject({ id, blueprintId: 'abc-123', status: 'completed', environment: 'production', targetCloud: 'azure', format: 'terraform', error: null });
    expect(body.state).toMatchObject({ version: 1, locked: false });
    expect(body.outputs).toEqual({ vm_ip: '10.0.1.1', resource_group: 'prod-rg' });
  }, 120_000);

  it('Example 4: Rollback Deployment (to version 5 of six)', async () => {
    for (let v = 2; v <= 6; v++) {
      gen.blueprints.set('abc-123', terraformCode({ ip: `10.0.1.${v}`, extra: v }));
      const { id, body } = await example1();
      expect(body.status).toBe('completed');
      deployIds.push(id);
    }
    const latest = deployIds.at(-1)!;

    // List previous deployments
    const list = JSON.parse(await curl(`${svc.url}/api/deployments?blueprintId=abc-123`));
    expect(list.deployments.map((d: { id: string }) => d.id)).toEqual([...deployIds].reverse());

    // Get state history
    const history = JSON.parse(await curl(`${svc.url}/api/deployments/${latest}/state/history`));
    expect(history.versions.map((v: { version: number }) => v.version)).toEqual([6, 5, 4, 3, 2, 1]);

    // Rollback to version 5
    const rollback = JSON.parse(
      await curl(
        '-X',
        'POST',
        `${svc.url}/api/deployments/${latest}/rollback`,
        '-d',
        `{
    "targetVersion": 5,
    "reason": "Critical production bug"
  }`,
      ),
    );
    expect(rollback).toEqual({ deploymentId: latest, rollbackDeploymentId: expect.any(String), status: expect.any(String) });
    let rb: any;
    do {
      await sleep(300);
      rb = JSON.parse(await curl(`${svc.url}/api/deployments/${rollback.rollbackDeploymentId}`));
    } while (!['completed', 'failed'].includes(rb.status));
    expect(rb).toMatchObject({ status: 'completed', targetVersion: 5, reason: 'Critical production bug', outputs: { vm_ip: '10.0.1.5' } });
    expect(rb.state.version).toBe(7);
    // Version 5's resources are back; the one version 6 added is reported deleted.
    const live = rb.state.resources.filter((r: { status: string }) => r.status !== 'deleted');
    expect(live).toHaveLength(2 + 5);
    expect(rb.state.resources.filter((r: { status: string }) => r.status === 'deleted').map((r: { id: string }) => r.id)).toEqual(['terraform_data.extra_5']);
    const state = JSON.parse(await curl(`${svc.url}/api/deployments/${latest}/state`));
    expect(state).toMatchObject({ version: 7, outputs: { vm_ip: '10.0.1.5' } });
    expect(state.resources).toHaveLength(2 + 5);
  }, 300_000);

  it('Example 5: View Deployment Logs', async () => {
    const id = deployIds[0];
    // Stream logs
    const logs = JSON.parse(await curl(`${svc.url}/api/deployments/${id}/logs`));
    expect(logs.deploymentId).toBe(id);
    expect(logs.logs.length).toBeGreaterThan(0);
    expect(logs.logs.map((l: { message: string }) => l.message).join('\n')).toMatch(/terraform_data\.web/);
    // Watch logs in real-time (`watch -n 2 curl -s ...` re-runs the same request)
    const again = JSON.parse(await curl('-s', `${svc.url}/api/deployments/${id}/logs`));
    expect(again.logs).toEqual(logs.logs);
  });
});
