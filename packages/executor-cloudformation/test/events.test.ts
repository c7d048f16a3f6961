import { describe, expect, it } from 'vitest';
import { mapStackEvent, newEventsSince, resourceStatusOf } from '../src/events.js';
import type { StackEvent } from '../src/commands/describe-stack-events.js';
import { recorded } from './helpers/recorded.js';
import documented from './fixtures/aws-documented/failed-first-create-events.json' with { type: 'json' };

describe('resourceStatusOf: CloudFormation statuses → the spec resource statuses', () => {
  it.each([
    ['CREATE_IN_PROGRESS', 'creating'],
    ['CREATE_COMPLETE', 'created'],
    ['CREATE_FAILED', 'failed'],
    ['UPDATE_IN_PROGRESS', 'updating'],
    ['UPDATE_COMPLETE', 'updated'],
    ['UPDATE_FAILED', 'failed'],
    ['DELETE_IN_PROGRESS', 'deleting'],
    ['DELETE_COMPLETE', 'deleted'],
    ['DELETE_SKIPPED', 'deleted'],
    ['DELETE_FAILED', 'failed'],
    ['IMPORT_FAILED', 'failed'],
    ['REVIEW_IN_PROGRESS', null],
    ['IMPORT_IN_PROGRESS', null],
  ])('%s → %s', (cfn, spec) => {
    expect(resourceStatusOf(cfn)).toBe(spec);
  });
});

describe('mapStackEvent on events recorded from moto', () => {
  const events = recorded<{ StackEvents: StackEvent[] }>('describe-stack-events-after-create').stdout.StackEvents;
  const stackName = events[0].StackName!;

  it('maps the stack-level events to log lines, not resource statuses (moto sends only these)', () => {
    const mapped = events.map((e) => mapStackEvent(e, stackName));
    expect(mapped.every((m) => m.resource === null)).toBe(true);
    expect(mapped.map((m) => m.log.message).reverse()).toEqual([
      `Stack ${stackName}: REVIEW_IN_PROGRESS: User Initiated`,
      `Stack ${stackName}: CREATE_IN_PROGRESS: User Initiated`,
      `Stack ${stackName}: CREATE_COMPLETE`,
    ]);
    expect(mapped.every((m) => m.log.level === 'info' && m.log.resource === null)).toBe(true);
  });

  it('reads the events of an update and a delete after the marker, oldest first', () => {
    const afterUpdate = recorded<{ StackEvents: StackEvent[] }>('describe-stack-events-after-update').stdout.StackEvents;
    const marker = events[0].EventId; // newest event before the update
    const { events: fresh, reachedMarker } = newEventsSince(afterUpdate, marker);
    expect(reachedMarker).toBe(true);
    expect(fresh.map((e) => e.ResourceStatus)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']);
    const afterDelete = recorded<{ StackEvents: StackEvent[] }>('describe-stack-events-after-delete').stdout.StackEvents;
    expect(newEventsSince(afterDelete, afterUpdate[0].EventId).events.map((e) => e.ResourceStatus)).toEqual(['DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
  });

  it('without a marker every event is new', () => {
    expect(newEventsSince(events, null).events).toHaveLength(events.length);
  });
});

// moto emits no per-resource event, so this sequence is hand-written in AWS's documented shape
// (fixtures/aws-documented/), not recorded.
describe('mapStackEvent on a failed first create in AWS’s documented shape', () => {
  const events = [...(documented.StackEvents as StackEvent[])].reverse();
  const mapped = events.map((e) => mapStackEvent(e, 'iac-web-dev'));

  it('reports each resource step as it happens, and the failure with its reason', () => {
    expect(mapped.flatMap((m) => (m.resource ? [`${m.resource.id}:${m.resource.status}`] : []))).toEqual([
      'Bucket:creating',
      'Queue:creating',
      'Bucket:created',
      'Queue:failed',
      'Bucket:deleting',
      'Bucket:deleted',
    ]);
    const failure = mapped.find((m) => m.resource?.status === 'failed')!;
    expect(failure.resource).toMatchObject({ id: 'Queue', resourceType: 'AWS::SQS::Queue', message: expect.stringContaining('VisibilityTimeout') });
    expect(failure.log).toEqual({ level: 'error', resource: 'Queue', message: expect.stringMatching(/^Queue \(AWS::SQS::Queue\): CREATE_FAILED: .*VisibilityTimeout/) });
  });

  it('logs the stack rolling back as a warning and names physical ids', () => {
    expect(mapped.find((m) => /ROLLBACK_IN_PROGRESS/.test(m.log.message))?.log.level).toBe('warn');
    expect(mapped.find((m) => m.resource?.id === 'Bucket')?.resource?.name).toBe('iac-web-dev-bucket-abc');
  });

  it('a nested stack is a resource, not the stack itself', () => {
    const nested = mapStackEvent(
      { EventId: 'n', StackId: 'arn:stack/parent/1', LogicalResourceId: 'Network', PhysicalResourceId: 'arn:stack/child/2', ResourceType: 'AWS::CloudFormation::Stack', ResourceStatus: 'CREATE_COMPLETE' },
      'parent',
    );
    expect(nested.resource).toMatchObject({ id: 'Network', status: 'created' });
  });

  it('a resource retained by its DeletionPolicy is deleted from the stack, with a warning', () => {
    const skipped = mapStackEvent({ EventId: 's', LogicalResourceId: 'Logs', ResourceType: 'AWS::S3::Bucket', ResourceStatus: 'DELETE_SKIPPED' }, 'x');
    expect(skipped.resource?.status).toBe('deleted');
    expect(skipped.log.level).toBe('warn');
    expect(skipped.log.message).toMatch(/retained by its DeletionPolicy/);
  });
});
