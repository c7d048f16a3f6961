import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regionEnv, ValidationError } from '@iac-orchestrator/core';
import { CloudFormationExecutor, type CloudFormationRawState } from '@iac-orchestrator/executor-cloudformation';
import { findCommand, prerequisite } from '../../../test-support/prerequisites.js';
import { hasMoto, startMoto, type Moto } from '../../../test-support/moto.js';
import { fixture, makeContext } from './helpers/context.js';
import { awsJson } from './helpers/aws.js';

const ok =
  prerequisite('moto_server', hasMoto(), 'pip install "moto[server]"') &&
  prerequisite('aws', findCommand('aws') !== null, 'pip install awscli (the AWS CLI v1)');

/**
 * Invariant 4 (one writer per stack) at the cloud side: a plain deployment and two targets of a deployment
 * group in the SAME region are three orchestrator stacks (three locks, three state lineages), so they must
 * drive three CloudFormation stacks; destroying one target leaves the others' stacks and resources alone.
 */
describe.skipIf(!ok)('deployment group targets on moto_server: one CloudFormation stack per target', { timeout: 240_000 }, () => {
  let moto: Moto;
  const executor = new CloudFormationExecutor({ pollIntervalMs: 100 });
  const template = fixture('bucket-queue.yaml');
  const blueprintId = 'shop';
  const region = 'us-east-1';
  const targets = { plain: undefined, blue: { name: 'blue', region }, green: { name: 'green', region } } as const;

  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
  });

  async function run(target: { name: string; region: string } | undefined, queue: string, operation: 'apply' | 'destroy' = 'apply', priorState: unknown = null) {
    // The orchestrator puts a target's region into the env (core's regionEnv), over the configured one.
    const env = { ...moto.env, ...regionEnv('aws', target?.region) };
    const t = makeContext({ blueprintId, files: { 'template.yaml': template }, variables: { QueueName: queue }, env, operation, priorState, ...(target ? { target } : {}) });
    try {
      const plan = await executor.plan(t.ctx);
      const result = await executor.apply(t.ctx, plan);
      await executor.cleanup(t.ctx, result.outcome === 'succeeded' ? 'completed' : 'failed');
      expect(result.outcome, result.error ?? '').toBe('succeeded');
      return result.state!.raw as CloudFormationRawState;
    } finally {
      t.dispose();
    }
  }

  const stackNames = async () =>
    (await awsJson<{ StackSummaries: Array<{ StackName: string; StackStatus: string }> }>(moto, ['cloudformation', 'list-stacks'])).StackSummaries.filter((s) => s.StackStatus !== 'DELETE_COMPLETE').map((s) => s.StackName).sort();
  const queues = async () => ((await awsJson<{ QueueUrls?: string[] }>(moto, ['sqs', 'list-queues'])).QueueUrls ?? []).map((u) => u.split('/').pop()).sort();

  it('deploys the plain stack and two same-region targets as three stacks, and destroys one target alone', async () => {
    const plain = await run(targets.plain, 'shop-plain');
    const blue = await run(targets.blue, 'shop-blue');
    const green = await run(targets.green, 'shop-green');
    expect(plain.stackName).toBe('iac-shop-dev'); // a plain deployment keeps its name
    expect(blue.stackName).toMatch(/^iac-shop-dev-blue-[0-9a-f]{8}$/);
    expect(green.stackName).toMatch(/^iac-shop-dev-green-[0-9a-f]{8}$/);
    expect(new Set([plain.stackId, blue.stackId, green.stackId]).size).toBe(3);
    expect(await stackNames()).toEqual([plain.stackName, blue.stackName, green.stackName].sort());
    // Each stack holds its own queue: the green apply did not update the blue stack's queue away.
    expect(await queues()).toEqual(['shop-blue', 'shop-green', 'shop-plain']);

    await run(targets.blue, 'shop-blue', 'destroy', blue);
    expect(await stackNames()).toEqual([plain.stackName, green.stackName].sort());
    // (moto keeps a queue created through a change set after its stack's deletion, so the queues are not
    // counted again; AWS deletes every resource of the stack.) The others' stacks still hold their resources.
    for (const s of [plain, green]) {
      const r = await awsJson<{ StackResources: Array<{ LogicalResourceId: string }> }>(moto, ['cloudformation', 'describe-stack-resources', '--stack-name', s.stackName]);
      expect(r.StackResources.map((x) => x.LogicalResourceId).sort()).toEqual(['Bucket', 'Queue']);
    }
  });

  it('refuses an explicit stackName for a group target before calling AWS (it would be shared by every target)', async () => {
    const t = makeContext({ blueprintId, files: { 'template.yaml': template }, env: moto.env, options: { stackName: 'shared-stack' }, target: targets.blue });
    try {
      await expect(executor.plan(t.ctx)).rejects.toBeInstanceOf(ValidationError);
      await expect(executor.plan(t.ctx)).rejects.toThrow(/each target of a deployment group needs its own/);
      expect(await stackNames()).not.toContain('shared-stack');
    } finally {
      t.dispose();
    }
  });
});
