import { describe, expect, it } from 'vitest';
import { buildDescribeChangeSetArgs } from '../../src/commands/describe-change-set.js';
import { buildExecuteChangeSetArgs } from '../../src/commands/execute-change-set.js';
import { buildDeleteChangeSetArgs } from '../../src/commands/delete-change-set.js';
import { buildListChangeSetsArgs } from '../../src/commands/list-change-sets.js';

const ARN = 'arn:aws:cloudformation:us-east-1:123456789012:changeSet/iac-d1/abc';
const G = { endpointUrl: 'http://localhost:4566' };

describe('change set steps', () => {
  it('describe-change-set: by ARN by default; by name with its stack and a page token', () => {
    expect(buildDescribeChangeSetArgs({ changeSetName: ARN })).toEqual(['cloudformation', 'describe-change-set', '--change-set-name', ARN, '--output', 'json', '--color', 'off']);
    expect(buildDescribeChangeSetArgs({ changeSetName: 'iac-d1', stackName: 'iac-web-dev', nextToken: 'tok', global: G })).toEqual([
      'cloudformation', 'describe-change-set', '--change-set-name', 'iac-d1', '--stack-name', 'iac-web-dev', '--next-token', 'tok',
      '--output', 'json', '--color', 'off', '--endpoint-url', 'http://localhost:4566',
    ]);
  });

  it('execute-change-set: exactly the planned change set, by ARN', () => {
    expect(buildExecuteChangeSetArgs({ changeSetId: ARN })).toEqual(['cloudformation', 'execute-change-set', '--change-set-name', ARN, '--output', 'json', '--color', 'off']);
    expect(buildExecuteChangeSetArgs({ changeSetId: ARN, global: G })).toContain('--endpoint-url');
  });

  it('delete-change-set: by ARN, or by name with the stack', () => {
    expect(buildDeleteChangeSetArgs({ changeSetName: ARN })).toEqual(['cloudformation', 'delete-change-set', '--change-set-name', ARN, '--output', 'json', '--color', 'off']);
    expect(buildDeleteChangeSetArgs({ changeSetName: 'iac-d1', stackName: 's', global: G })).toEqual([
      'cloudformation', 'delete-change-set', '--change-set-name', 'iac-d1', '--stack-name', 's', '--output', 'json', '--color', 'off', '--endpoint-url', 'http://localhost:4566',
    ]);
  });

  it('list-change-sets of a stack', () => {
    expect(buildListChangeSetsArgs({ stackName: 's' })).toEqual(['cloudformation', 'list-change-sets', '--stack-name', 's', '--output', 'json', '--color', 'off']);
  });
});
