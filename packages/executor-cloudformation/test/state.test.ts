import { describe, expect, it } from 'vitest';
import { MASK } from '@iac-orchestrator/core';
import { normaliseResource, snapshotOf, type CloudFormationRawState } from '../src/state.js';
import type { DescribeStacksOutput } from '../src/commands/describe-stacks.js';
import type { ListStackResourcesOutput } from '../src/commands/list-stack-resources.js';
import { templateDigest } from '../src/template.js';
import { recorded } from './helpers/recorded.js';

// moto fills `Outputs` only for a stack made by create-stack, not after a change set (AWS fills them after
// either). The executor reads outputs from describe-stacks the same way after every operation, so the
// mapping is checked on the create-stack recording, which has them.
const withOutputs = recorded<DescribeStacksOutput>('describe-stacks-with-outputs').stdout.Stacks![0];
const resources = recorded<ListStackResourcesOutput>('list-stack-resources').stdout.StackResourceSummaries!;

describe('snapshot of a stack', () => {
  const template = { fileName: 'template.yaml', body: 'x', digest: templateDigest('x') };
  const snap = snapshotOf({
    stackName: withOutputs.StackName,
    stack: withOutputs,
    resources,
    template,
    parameters: [{ ParameterKey: 'QueueName', ParameterValue: 'rec-q' }, { ParameterKey: 'ApiToken', UsePreviousValue: true }],
    noEchoKeys: ['ApiToken'],
    secrets: new Set(['rec-token-1']),
  });
  const raw = snap.raw as CloudFormationRawState;

  it('outputs are the describe-stacks outputs by key', () => {
    expect(snap.outputs).toEqual({
      BucketName: expect.stringMatching(/^iac-rec-outputs-bucket-/),
      QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/rec-q',
      TokenConfigured: 'yes',
    });
    expect(raw.outputs).toEqual(snap.outputs);
  });

  it('a NoEcho parameter is masked in the stored description (moto echoes it; AWS shows ****)', () => {
    expect(withOutputs.Parameters).toContainEqual({ ParameterKey: 'ApiToken', ParameterValue: 'rec-token-1' });
    expect(raw.stack?.Parameters).toContainEqual({ ParameterKey: 'ApiToken', ParameterValue: MASK });
    expect(JSON.stringify(snap)).not.toContain('rec-token-1');
  });

  it('an output equal to a secret is masked', () => {
    const s = snapshotOf({ stackName: 's', stack: { ...withOutputs, Outputs: [{ OutputKey: 'Token', OutputValue: 'rec-token-1' }] }, resources: [], template: null, parameters: [], noEchoKeys: [], secrets: new Set(['rec-token-1']) });
    expect(s.outputs).toEqual({ Token: MASK });
  });

  it('raw keeps what a rollback and the next plan need: stack id and name, template, parameters', () => {
    expect(raw).toMatchObject({ kind: 'cloudformation-stack', formatVersion: 1, stackName: 'iac-rec-outputs', stackId: withOutputs.StackId, status: 'CREATE_COMPLETE', template });
    expect(raw.parameters).toContainEqual({ ParameterKey: 'ApiToken', UsePreviousValue: true });
    expect(JSON.parse(JSON.stringify(raw))).toEqual(raw);
  });

  it('normalised resources: logical id, type, physical id, status', () => {
    expect(snap.resources.map((r) => [r.id, r.type, r.status, r.physicalId === r.name])).toEqual([
      ['Bucket', 'AWS::S3::Bucket', 'created', true],
      ['Queue', 'AWS::SQS::Queue', 'created', true],
    ]);
    expect(normaliseResource({ LogicalResourceId: 'T', ResourceType: 'AWS::SNS::Topic', ResourceStatus: 'UPDATE_FAILED', ResourceStatusReason: 'denied' })).toMatchObject({
      id: 'T',
      name: 'T',
      status: 'failed',
      attributes: { resourceStatus: 'UPDATE_FAILED', resourceStatusReason: 'denied' },
    });
  });

  it('a deleted stack has no resources and no template', () => {
    const s = snapshotOf({ stackName: 's', stack: { ...withOutputs, StackStatus: 'DELETE_COMPLETE', Outputs: [] }, resources, template, parameters: [], noEchoKeys: [], secrets: new Set() });
    expect(s.resources).toEqual([]);
    expect((s.raw as CloudFormationRawState).template).toBeNull();
  });
});
