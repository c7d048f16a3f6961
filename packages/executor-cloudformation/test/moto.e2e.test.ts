import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimeoutError, ValidationError, type PlanResult } from '@iac-orchestrator/core';
import { CloudFormationExecutor, type CloudFormationArtifact, type CloudFormationRawState } from '@iac-orchestrator/executor-cloudformation';
import { findCommand, prerequisite } from '../../../test-support/prerequisites.js';
import { hasMoto, startMoto, type Moto } from '../../../test-support/moto.js';
import { fixture, makeContext } from './helpers/context.js';
import { awsJson } from './helpers/aws.js';

const ok =
  prerequisite('moto_server', hasMoto(), 'pip install "moto[server]"') &&
  prerequisite('aws', findCommand('aws') !== null, 'pip install awscli (the AWS CLI v1)');

describe.skipIf(!ok)('CloudFormationExecutor against moto_server with the real aws CLI', { timeout: 240_000 }, () => {
  let moto: Moto;
  const executor = new CloudFormationExecutor({ pollIntervalMs: 100 });
  const template = fixture('bucket-queue.yaml');

  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
  });

  /** plan → apply → cleanup, the way the orchestrator drives one deployment. */
  async function deploy(o: Omit<Parameters<typeof makeContext>[0], 'env'>, planned?: (p: PlanResult) => void) {
    const t = makeContext({ ...o, env: moto.env });
    try {
      const plan = await executor.plan(t.ctx);
      planned?.(plan);
      const result = await executor.apply(t.ctx, plan);
      await executor.cleanup(t.ctx, result.outcome === 'succeeded' ? 'completed' : 'failed');
      return { t, plan, result };
    } finally {
      t.dispose();
    }
  }

  it('reports the CLI version for readiness', async () => {
    const check = await executor.check();
    expect(check.ok).toBe(true);
    expect(check.version).toMatch(/^aws-cli \d+\.\d+\.\d+$/);
  });

  describe('a stack with an S3 bucket and an SQS queue: create, no change, update, destroy', () => {
    const blueprintId = 'orders';
    let prior: CloudFormationRawState | null = null;

    it('creates it through a CREATE change set and reports each resource as created', async () => {
      const { t, plan, result } = await deploy({ blueprintId, files: { 'template.yaml': template }, variables: { QueueName: 'orders-dev', ApiToken: 'tok-ABCDEF-123456' } });
      const artifact = plan.artifact as CloudFormationArtifact;
      expect(artifact.kind).toBe('change-set');
      expect(artifact).toMatchObject({ changeSetType: 'CREATE', stackName: 'iac-orders-dev', changeSetName: `iac-${t.ctx.deploymentId}` });
      expect(plan.summary).toMatchObject({ add: 2, change: 0, destroy: 0, hasChanges: true });
      expect(plan.summary.resources.map((r) => [r.id, r.type, r.action]).sort()).toEqual([
        ['Bucket', 'AWS::S3::Bucket', 'create'],
        ['Queue', 'AWS::SQS::Queue', 'create'],
      ]);
      // The NoEcho parameter was registered as a secret and never stored: the artifact reuses the stack's value.
      expect(t.secrets).toContain('tok-ABCDEF-123456');
      expect(JSON.stringify(plan.artifact)).not.toContain('tok-ABCDEF-123456');

      expect(result.outcome).toBe('succeeded');
      const raw = result.state!.raw as CloudFormationRawState;
      expect(raw.status).toBe('CREATE_COMPLETE');
      expect(JSON.stringify(raw)).not.toContain('tok-ABCDEF-123456');
      const byId = Object.fromEntries(result.state!.resources.map((r) => [r.id, r]));
      expect(byId.Queue).toMatchObject({ type: 'AWS::SQS::Queue', status: 'created', provider: 'aws' });
      expect(byId.Queue.physicalId).toMatch(/orders-dev$/);
      expect(byId.Bucket).toMatchObject({ type: 'AWS::S3::Bucket', status: 'created' });
      expect(raw.template?.body).toBe(template);
      // AWS fills Outputs in describe-stacks after a change set; moto leaves them out on that path. The
      // executor takes outputs from describe-stacks either way (mapping unit-tested on a recording with
      // outputs), so here they are exactly what the endpoint returned.
      const described = await awsJson<{ Stacks: Array<{ Outputs?: Array<{ OutputKey: string; OutputValue: string }> }> }>(moto, ['cloudformation', 'describe-stacks', '--stack-name', 'iac-orders-dev']);
      expect(result.state!.outputs).toEqual(Object.fromEntries((described.Stacks[0].Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue])));

      // The real resources exist in the emulated account.
      const queues = await awsJson<{ QueueUrls?: string[] }>(moto, ['sqs', 'list-queues']);
      expect(queues.QueueUrls?.some((u) => u.endsWith('/orders-dev'))).toBe(true);

      expect(t.resourceEvents().filter((e) => e.status === 'created').map((e) => e.id).sort()).toEqual(['Bucket', 'Queue']);
      expect(t.logs().some((l) => /Stack iac-orders-dev: CREATE_COMPLETE/.test(l))).toBe(true);
      // The executed change set is not deleted by cleanup (it is history, and AWS keeps it).
      prior = raw;
    });

    it('recoverState reads the stack as it stands (a process that died mid-apply)', async () => {
      const t = makeContext({ blueprintId, files: { 'template.yaml': template }, env: moto.env, priorState: prior });
      try {
        const snap = await executor.recoverState(t.ctx);
        expect(snap?.resources.map((r) => `${r.id}:${r.status}`).sort()).toEqual(['Bucket:created', 'Queue:created']);
        expect((snap?.raw as CloudFormationRawState).stackId).toBe(prior!.stackId);
      } finally {
        t.dispose();
      }
    });

    it('treats a change set without changes as a successful no-op and deletes it', async () => {
      const { t, plan, result } = await deploy({
        blueprintId,
        files: { 'template.yaml': template },
        variables: { QueueName: 'orders-dev', ApiToken: 'tok-ABCDEF-123456' },
        priorState: prior,
      });
      expect(plan.summary).toEqual({ add: 0, change: 0, destroy: 0, hasChanges: false, resources: [] });
      expect(plan.artifact).toMatchObject({ kind: 'no-changes', stackName: 'iac-orders-dev' });
      expect(t.logs()).toContain('No changes: stack iac-orders-dev already matches the template and parameters');
      const sets = await awsJson<{ Summaries: Array<{ ChangeSetName: string }> }>(moto, ['cloudformation', 'list-change-sets', '--stack-name', 'iac-orders-dev']);
      expect(sets.Summaries.map((c) => c.ChangeSetName)).not.toContain(`iac-${t.ctx.deploymentId}`);
      expect(result.outcome).toBe('succeeded');
      expect(result.state!.resources.map((r) => r.id).sort()).toEqual(['Bucket', 'Queue']);
      prior = result.state!.raw as CloudFormationRawState;
    });

    it('updates it through an UPDATE change set whose Modify is planned as update', async () => {
      const { t, plan, result } = await deploy({
        blueprintId,
        files: { 'template.yaml': fixture('bucket-queue-v2.yaml') },
        variables: { QueueName: 'orders-dev', ApiToken: 'tok-ABCDEF-123456' },
        priorState: prior,
      });
      expect(plan.artifact).toMatchObject({ kind: 'change-set', changeSetType: 'UPDATE' });
      // AWS lists only Queue (its ReceiveMessageWaitTimeSeconds changes). moto also lists the unchanged Bucket as
      // Modify (it compares against resource JSON it has filled in itself), so only what AWS documents is
      // asserted: the Queue is an update, and nothing is created or deleted.
      expect(plan.summary.resources).toContainEqual(expect.objectContaining({ id: 'Queue', type: 'AWS::SQS::Queue', action: 'update' }));
      expect(plan.summary).toMatchObject({ add: 0, destroy: 0, hasChanges: true });
      expect(plan.summary.resources.every((r) => r.action === 'update')).toBe(true);
      expect(result.outcome).toBe('succeeded');
      expect((result.state!.raw as CloudFormationRawState).status).toBe('UPDATE_COMPLETE');
      expect(t.resourceEvents()).toContainEqual(expect.objectContaining({ id: 'Queue', status: 'updated' }));
      const attrs = await awsJson<{ Attributes: Record<string, string> }>(moto, [
        'sqs', 'get-queue-attributes', '--queue-url', `${moto.endpoint}/123456789012/orders-dev`, '--attribute-names', 'ReceiveMessageWaitTimeSeconds',
      ]);
      expect(attrs.Attributes.ReceiveMessageWaitTimeSeconds).toBe('20');
      prior = result.state!.raw as CloudFormationRawState;
    });

    it('reports drift detection as not supported by this endpoint (moto has no detect-stack-drift)', async () => {
      const t = makeContext({ blueprintId, operation: 'drift', files: { 'template.yaml': template }, env: moto.env, priorState: prior });
      try {
        const report = await executor.detectDrift(t.ctx);
        expect(report.unsupported).toMatch(/not supported by this endpoint \(127\.0\.0\.1:\d+\)/);
        expect(report.drifted).toBe(false);
      } finally {
        t.dispose();
      }
    });

    it('destroys it: the plan shows every resource as delete, apply deletes the stack', async () => {
      const { t, plan, result } = await deploy({ blueprintId, operation: 'destroy', files: { 'template.yaml': template }, priorState: prior });
      expect(plan.summary).toMatchObject({ add: 0, change: 0, destroy: 2, hasChanges: true });
      expect(plan.summary.resources.every((r) => r.action === 'delete')).toBe(true);
      expect(result.outcome).toBe('succeeded');
      expect(result.state!.resources).toEqual([]);
      expect((result.state!.raw as CloudFormationRawState).status).toBe('DELETE_COMPLETE');
      expect(t.resourceEvents().filter((e) => e.status === 'deleted').map((e) => e.id).sort()).toEqual(['Bucket', 'Queue']);
      // The stack is gone. (moto keeps a queue it updated through a change set after the stack's deletion,
      // so the queue itself is not checked here; AWS deletes every resource of the stack.)
      const gone = await awsJson(moto, ['cloudformation', 'describe-stacks', '--stack-name', 'iac-orders-dev']).catch((e: Error) => e);
      expect(String(gone)).toMatch(/does not exist/);
    });
  });

  it('fails the plan of an invalid template with a ValidationError and creates nothing', async () => {
    const t = makeContext({ blueprintId: 'broken', files: { 'template.yaml': fixture('invalid.yaml') }, env: moto.env });
    try {
      const err = await executor.plan(t.ctx).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toMatch(/Template template\.yaml is not valid: .*fifo/);
      await executor.cleanup(t.ctx, 'failed');
      const stacks = await awsJson<{ StackSummaries: Array<{ StackName: string }> }>(moto, ['cloudformation', 'list-stacks']);
      expect(stacks.StackSummaries.map((x) => x.StackName)).not.toContain('iac-broken-dev');
    } finally {
      t.dispose();
    }
  });

  it('returns the state as it stands when execute-change-set fails, with the last events in the log', async () => {
    await awsJson(moto, ['s3api', 'create-bucket', '--bucket', 'taken-by-someone-else']);
    const clash = `AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: taken-by-someone-else\n`;
    const { t, result } = await deploy({ blueprintId: 'clash', files: { 'template.yaml': clash } });
    expect(result.outcome).toBe('failed');
    expect(result.error).toMatch(/execute-change-set failed: .*not available/);
    // Invariant 1: the state is returned even after the failure (AWS would roll the stack back; moto
    // leaves it as it was when the call failed).
    expect(result.state).not.toBeNull();
    expect((result.state!.raw as CloudFormationRawState).stackName).toBe('iac-clash-dev');
    expect(t.logs().some((l) => /^Last \d+ event\(s\) of stack iac-clash-dev/.test(l))).toBe(true);
  });

  it('a cancel before the change set runs deletes it and applies nothing; a timeout says timed_out', async () => {
    const t = makeContext({ blueprintId: 'stopped', files: { 'template.yaml': template }, variables: { QueueName: 'stopped-q' }, env: moto.env });
    try {
      const plan = await executor.plan(t.ctx);
      t.controller.abort(new TimeoutError('Deployment timed out after 1000 ms'));
      const result = await executor.apply(t.ctx, plan);
      expect(result).toMatchObject({ outcome: 'timed_out', error: 'Deployment timed out after 1000 ms' });
      expect(t.logs().some((l) => /Deleted change set iac-.* \(cancelled before it ran\)/.test(l))).toBe(true);
      // The empty review stack went with its change set: nothing was created.
      const stacks = await awsJson<{ StackSummaries: Array<{ StackName: string; StackStatus: string }> }>(moto, ['cloudformation', 'list-stacks']);
      expect(stacks.StackSummaries.filter((x) => x.StackName === 'iac-stopped-dev' && x.StackStatus !== 'DELETE_COMPLETE')).toEqual([]);
    } finally {
      t.dispose();
    }
  });

  it('rejects a variable the template does not declare, before any change set exists', async () => {
    const t = makeContext({ blueprintId: 'typo', files: { 'template.yaml': template }, variables: { QueueName: 'q', Queuename: 'x' }, env: moto.env });
    try {
      await expect(executor.plan(t.ctx)).rejects.toThrow(/declares no parameter named "Queuename"/);
    } finally {
      t.dispose();
    }
  });

  it('refuses to apply a plan whose template differs from the bundle', async () => {
    const t = makeContext({ blueprintId: 'moved', files: { 'template.yaml': template }, variables: { QueueName: 'moved-q' }, env: moto.env });
    try {
      const plan = await executor.plan(t.ctx);
      const other = makeContext({ blueprintId: 'moved', deploymentId: t.ctx.deploymentId, files: { 'template.yaml': `${template}\n# edited\n` }, variables: { QueueName: 'moved-q' }, env: moto.env });
      const result = await executor.apply(other.ctx, plan);
      other.dispose();
      expect(result.outcome).toBe('failed');
      expect(result.error).toMatch(/template differs from the one planned/);
      await executor.cleanup(t.ctx, 'failed');
      const err = await awsJson(moto, ['cloudformation', 'describe-stacks', '--stack-name', 'iac-moved-dev']).catch((e: Error) => e);
      expect(String(err)).toMatch(/does not exist/);
    } finally {
      t.dispose();
    }
  });

});
