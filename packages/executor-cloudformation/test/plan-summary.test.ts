import { describe, expect, it } from 'vitest';
import { isNoChangeReason, summaryOfChangeSet, summaryOfDestroy } from '../src/plan-summary.js';
import type { DescribeChangeSetOutput } from '../src/commands/describe-change-set.js';
import type { ListStackResourcesOutput } from '../src/commands/list-stack-resources.js';
import { recorded } from './helpers/recorded.js';
import documented from './fixtures/aws-documented/change-set-replacement.json' with { type: 'json' };

describe('plan summary from describe-change-set', () => {
  it('a CREATE change set recorded from moto: every resource is added', () => {
    const cs = recorded<DescribeChangeSetOutput>('describe-change-set-create').stdout;
    expect(summaryOfChangeSet(cs.Changes!)).toEqual({
      add: 2,
      change: 0,
      destroy: 0,
      hasChanges: true,
      resources: [
        { id: 'Bucket', type: 'AWS::S3::Bucket', action: 'create' },
        { id: 'Queue', type: 'AWS::SQS::Queue', action: 'create' },
      ],
    });
  });

  it('an UPDATE change set recorded from moto: Modify is an update', () => {
    const cs = recorded<DescribeChangeSetOutput>('describe-change-set-update-modify').stdout;
    const s = summaryOfChangeSet(cs.Changes!);
    // The template changed the queue. moto also lists the untouched bucket as Modify (AWS would not).
    expect(s.resources).toContainEqual({ id: 'Queue', type: 'AWS::SQS::Queue', action: 'update' });
    expect(s).toMatchObject({ add: 0, destroy: 0, change: cs.Changes!.length, hasChanges: true });
    expect(s.resources.every((r) => r.action === 'update')).toBe(true);
  });

  it('a change set without changes, as moto (and AWS) report it: FAILED with the no-change reason', () => {
    const cs = recorded<DescribeChangeSetOutput>('describe-change-set-no-change').stdout;
    expect(cs.Status).toBe('FAILED');
    expect(isNoChangeReason(cs.StatusReason)).toBe(true);
    expect(isNoChangeReason('No updates are to be performed.')).toBe(true);
    expect(isNoChangeReason('Template format error: Unresolved resource dependencies [Foo]')).toBe(false);
  });

  // Replacement and Details come from AWS only (moto leaves them out): hand-written, documented shape.
  it('replacement, conditional replacement, remove and add in AWS’s documented shape', () => {
    const s = summaryOfChangeSet((documented as unknown as DescribeChangeSetOutput).Changes!);
    expect(s.resources).toEqual([
      { id: 'Queue', type: 'AWS::SQS::Queue', action: 'replace', reason: 'replaced: changes QueueName' },
      { id: 'Bucket', type: 'AWS::S3::Bucket', action: 'update', reason: 'changes VersioningConfiguration' },
      { id: 'Topic', type: 'AWS::SNS::Topic', action: 'update', reason: 'changes TopicName; may require replacement' },
      { id: 'OldQueue', type: 'AWS::SQS::Queue', action: 'delete' },
      { id: 'Table', type: 'AWS::DynamoDB::Table', action: 'create' },
    ]);
    // A replacement both adds and destroys, as terraform counts it.
    expect(s).toMatchObject({ add: 2, change: 2, destroy: 2, hasChanges: true });
  });

  it('a destroy plans every live resource of the stack as delete', () => {
    const list = recorded<ListStackResourcesOutput>('list-stack-resources').stdout;
    const s = summaryOfDestroy(list.StackResourceSummaries!);
    expect(s).toMatchObject({ add: 0, change: 0, destroy: 2, hasChanges: true });
    expect(s.resources.map((r) => `${r.id}:${r.action}`)).toEqual(['Bucket:delete', 'Queue:delete']);
  });
});
