import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStateStore, Orchestrator, type Deployment, type DeploymentStatus } from '@iac-orchestrator/core';
import { CloudFormationExecutor, type CloudFormationRawState } from '@iac-orchestrator/executor-cloudformation';
import { findCommand, prerequisite } from '../../../test-support/prerequisites.js';
import { hasMoto, startMoto, type Moto } from '../../../test-support/moto.js';
import { fixture } from './helpers/context.js';
import { awsJson } from './helpers/aws.js';

const ok =
  prerequisite('moto_server', hasMoto(), 'pip install "moto[server]"') &&
  prerequisite('aws', findCommand('aws') !== null, 'pip install awscli (the AWS CLI v1)');

const TERMINAL: DeploymentStatus[] = ['completed', 'failed', 'cancelled', 'planned', 'rolled_back'];

describe.skipIf(!ok)('CloudFormation through the Orchestrator (moto_server, real aws CLI)', { timeout: 300_000 }, () => {
  let moto: Moto;
  let orch: Orchestrator;
  const store = new MemoryStateStore();
  let workDir: string;
  const approver = { id: 'alice', canApprove: true };
  const resourceEvents: Array<{ deploymentId: string; id: string; status: string }> = [];

  beforeAll(async () => {
    moto = await startMoto();
    workDir = await mkdtemp(join(tmpdir(), 'cfn-orch-'));
    orch = new Orchestrator({
      store,
      executors: [new CloudFormationExecutor({ pollIntervalMs: 100 })],
      credentials: moto.env,
      workDir,
      lockTtlMs: 30_000,
      cancelPollMs: 100,
    });
    orch.on('resource', (e) => resourceEvents.push({ deploymentId: e.deploymentId, id: e.id, status: e.status }));
  });
  afterAll(async () => {
    await orch?.close(5_000);
    await moto?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  async function waitFor(id: string, statuses: DeploymentStatus[] = TERMINAL): Promise<Deployment> {
    const deadline = Date.now() + 280_000;
    for (;;) {
      const d = await orch.get(id);
      if (statuses.includes(d.status)) return d;
      if (Date.now() > deadline) throw new Error(`deployment ${id} stuck in ${d.status}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  const queueWaitTime = async () =>
    (
      await awsJson<{ Attributes: Record<string, string> }>(moto, [
        'sqs', 'get-queue-attributes', '--queue-url', `${moto.endpoint}/123456789012/shop-production`, '--attribute-names', 'ReceiveMessageWaitTimeSeconds',
      ])
    ).Attributes.ReceiveMessageWaitTimeSeconds;

  const input = (template: string) => ({
    blueprintId: 'shop',
    environment: 'production',
    targetCloud: 'aws' as const,
    format: 'cloudformation' as const,
    files: { 'template.yaml': template },
    options: { autoApprove: false, variables: { QueueName: 'shop-production', ApiToken: 'prod-token-9f8e7d' }, sensitiveVariables: ['ApiToken'] },
  });

  let first: Deployment;
  let second: Deployment;

  it('production waits for approval with the change set as the plan, then applies exactly it', async () => {
    const d = await orch.deploy(input(fixture('bucket-queue.yaml')), { id: 'bob' });
    const waiting = await waitFor(d.id, ['awaiting_approval', ...TERMINAL]);
    expect(waiting.status).toBe('awaiting_approval');
    expect(waiting.plan).toMatchObject({ add: 2, change: 0, destroy: 0, hasChanges: true });
    // Nothing exists yet but the change set's review stack.
    const review = await awsJson<{ Stacks: Array<{ StackStatus: string }> }>(moto, ['cloudformation', 'describe-stacks', '--stack-name', 'iac-shop-production']);
    expect(review.Stacks[0].StackStatus).toBe('REVIEW_IN_PROGRESS');

    await orch.approve(d.id, { comment: 'ship it' }, approver);
    first = await waitFor(d.id);
    expect(first.status).toBe('completed');
    expect(first.stateVersion).toBe(1);
    expect(first.resources.map((r) => `${r.id}:${r.type}:${r.status}`).sort()).toEqual(['Bucket:AWS::S3::Bucket:created', 'Queue:AWS::SQS::Queue:created']);
    expect(resourceEvents.filter((e) => e.deploymentId === d.id && e.status === 'created').map((e) => e.id).sort()).toEqual(['Bucket', 'Queue']);

    const logs = (await orch.logs(d.id)).entries.map((e) => e.message);
    expect(logs.some((m) => /Executing change set iac-/.test(m))).toBe(true);
    expect(JSON.stringify(logs)).not.toContain('prod-token-9f8e7d');
    const state = await orch.getState(d.id);
    expect(JSON.stringify(state)).not.toContain('prod-token-9f8e7d');
  });

  it('an update is a second approved change set, and history lists both versions', async () => {
    const d = await orch.deploy(input(fixture('bucket-queue-v2.yaml')), { id: 'bob' });
    const waiting = await waitFor(d.id, ['awaiting_approval', ...TERMINAL]);
    expect(waiting.plan?.resources).toContainEqual(expect.objectContaining({ id: 'Queue', action: 'update' }));
    await orch.approve(d.id, {}, approver);
    second = await waitFor(d.id);
    expect(second).toMatchObject({ status: 'completed', stateVersion: 2 });
    expect(await queueWaitTime()).toBe('20');
    const history = await orch.stateHistory(d.id, { limit: 10 });
    expect(history.map((v) => `${v.version}:${v.reason}`)).toEqual(['2:applied', '1:applied']);
    // The stored raw state keeps the template that made the version (history itself shows metadata only).
    const v2 = await store.getStateVersion(second.stackKey, 2);
    expect((v2?.raw as CloudFormationRawState).template?.body).toBe(fixture('bucket-queue-v2.yaml'));
  });

  it('rollback to version 1 redeploys that version’s template and parameters as a change set', async () => {
    const r = await orch.rollback(second.id, { targetVersion: 1, reason: 'long polling change broke consumers' }, approver);
    const rb = await waitFor(r.rollbackDeploymentId);
    expect(rb).toMatchObject({ status: 'completed', operation: 'rollback', targetVersion: 1, stateVersion: 3 });
    expect(rb.plan?.resources).toContainEqual(expect.objectContaining({ id: 'Queue', action: 'update' }));
    // Back to template v1's long-polling wait.
    expect(await queueWaitTime()).toBe('5');
    expect((await orch.get(second.id)).status).toBe('rolled_back');
    const history = await orch.stateHistory(second.id, { limit: 10 });
    expect(history.map((v) => `${v.version}:${v.reason}`)).toEqual(['3:rollback', '2:applied', '1:applied']);
  });

  it('destroy plans every resource as delete and leaves an empty state', async () => {
    const d = await orch.destroy(first.id, { autoApprove: true }, approver);
    const done = await waitFor(d.id);
    expect(done.status).toBe('completed');
    expect(done.plan).toMatchObject({ destroy: 2, hasChanges: true });
    expect(done.resources.every((r) => r.status === 'deleted')).toBe(true);
    const [last] = await orch.stateHistory(d.id, { limit: 1 });
    expect(last).toMatchObject({ reason: 'destroyed', resources: [] });
    const stored = await store.getStateVersion(d.stackKey, last.version);
    expect((stored?.raw as CloudFormationRawState).status).toBe('DELETE_COMPLETE');
    const gone = await awsJson(moto, ['cloudformation', 'describe-stacks', '--stack-name', 'iac-shop-production']).catch((e: Error) => e);
    expect(String(gone)).toMatch(/does not exist/);
  });
});
