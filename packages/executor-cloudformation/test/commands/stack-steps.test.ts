import { describe, expect, it } from 'vitest';
import { buildDescribeStacksArgs } from '../../src/commands/describe-stacks.js';
import { buildDescribeStackEventsArgs } from '../../src/commands/describe-stack-events.js';
import { buildListStackResourcesArgs } from '../../src/commands/list-stack-resources.js';
import { buildDeleteStackArgs } from '../../src/commands/delete-stack.js';
import { buildCancelUpdateStackArgs } from '../../src/commands/cancel-update-stack.js';
import { buildValidateTemplateArgs } from '../../src/commands/validate-template.js';
import { buildGetTemplateSummaryArgs } from '../../src/commands/get-template-summary.js';
import { buildVersionArgs, parseVersion } from '../../src/commands/version.js';

const TAIL = ['--output', 'json', '--color', 'off'];
const G = { region: 'us-east-2', endpointUrl: 'http://127.0.0.1:5000' };
const GTAIL = [...TAIL, '--region', 'us-east-2', '--endpoint-url', 'http://127.0.0.1:5000'];

describe('stack steps', () => {
  it('validate-template and get-template-summary read the template from the work dir', () => {
    expect(buildValidateTemplateArgs({ templatePath: '/w/template.yaml' })).toEqual(['cloudformation', 'validate-template', '--template-body', 'file:///w/template.yaml', ...TAIL]);
    expect(buildGetTemplateSummaryArgs({ templatePath: '/w/t.json', global: G })).toEqual(['cloudformation', 'get-template-summary', '--template-body', 'file:///w/t.json', ...GTAIL]);
  });

  it('describe-stacks', () => {
    expect(buildDescribeStacksArgs({ stackName: 'iac-web-dev' })).toEqual(['cloudformation', 'describe-stacks', '--stack-name', 'iac-web-dev', ...TAIL]);
    expect(buildDescribeStacksArgs({ stackName: 'arn:aws:cloudformation:x', global: G })).toEqual(['cloudformation', 'describe-stacks', '--stack-name', 'arn:aws:cloudformation:x', ...GTAIL]);
  });

  it('describe-stack-events reads one page of the newest events', () => {
    expect(buildDescribeStackEventsArgs({ stackName: 's' })).toEqual(['cloudformation', 'describe-stack-events', '--stack-name', 's', '--max-items', '100', ...TAIL]);
    expect(buildDescribeStackEventsArgs({ stackName: 's', maxItems: 10, startingToken: 't', global: G })).toEqual([
      'cloudformation', 'describe-stack-events', '--stack-name', 's', '--max-items', '10', '--starting-token', 't', ...GTAIL,
    ]);
  });

  it('list-stack-resources', () => {
    expect(buildListStackResourcesArgs({ stackName: 's' })).toEqual(['cloudformation', 'list-stack-resources', '--stack-name', 's', ...TAIL]);
    expect(buildListStackResourcesArgs({ stackName: 's', global: G })).toEqual(['cloudformation', 'list-stack-resources', '--stack-name', 's', ...GTAIL]);
  });

  it('delete-stack, with the service role when one is set', () => {
    expect(buildDeleteStackArgs({ stackName: 'id' })).toEqual(['cloudformation', 'delete-stack', '--stack-name', 'id', ...TAIL]);
    expect(buildDeleteStackArgs({ stackName: 'id', roleArn: 'arn:aws:iam::1:role/r', global: G })).toEqual([
      'cloudformation', 'delete-stack', '--stack-name', 'id', '--role-arn', 'arn:aws:iam::1:role/r', ...GTAIL,
    ]);
  });

  it('cancel-update-stack', () => {
    expect(buildCancelUpdateStackArgs({ stackName: 'id' })).toEqual(['cloudformation', 'cancel-update-stack', '--stack-name', 'id', ...TAIL]);
    expect(buildCancelUpdateStackArgs({ stackName: 'id', global: G })).toEqual(['cloudformation', 'cancel-update-stack', '--stack-name', 'id', ...GTAIL]);
  });

  it('--version, and its output of v1 and v2', () => {
    expect(buildVersionArgs()).toEqual(['--version']);
    expect(parseVersion('aws-cli/1.45.11 Python/3.11.7 Linux/6.18.44 botocore/1.43.11')).toBe('1.45.11');
    expect(parseVersion('aws-cli/2.17.0 Python/3.11.8 Linux/5.15 exe/x86_64.ubuntu.22')).toBe('2.17.0');
    expect(parseVersion('command not found')).toBeNull();
  });
});
