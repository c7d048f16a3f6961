import { describe, expect, it } from 'vitest';
import { buildCreateChangeSetArgs } from '../../src/commands/create-change-set.js';

describe('buildCreateChangeSetArgs', () => {
  it('defaults: stack, change set, type and template file; JSON output, no colour', () => {
    expect(buildCreateChangeSetArgs({ stackName: 'iac-web-dev', changeSetName: 'iac-d1', changeSetType: 'CREATE', templatePath: '/w/template.yaml' })).toEqual([
      'cloudformation', 'create-change-set',
      '--stack-name', 'iac-web-dev',
      '--change-set-name', 'iac-d1',
      '--change-set-type', 'CREATE',
      '--template-body', 'file:///w/template.yaml',
      '--output', 'json', '--color', 'off',
    ]);
  });

  it('everything: parameters from a file, capabilities, tags as one JSON argument, role, description, endpoint', () => {
    const argv = buildCreateChangeSetArgs({
      stackName: 's',
      changeSetName: 'c',
      changeSetType: 'UPDATE',
      templatePath: '/w/template.json',
      parametersPath: '/w/parameters.json',
      capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'],
      tags: { team: 'a,b=c', 'iac-orchestrator:environment': 'prod' },
      roleArn: 'arn:aws:iam::123456789012:role/cfn',
      description: 'iac-orchestrator deployment d1',
      global: { endpointUrl: 'http://127.0.0.1:5000', region: 'eu-west-1' },
    });
    expect(argv).toEqual([
      'cloudformation', 'create-change-set',
      '--stack-name', 's',
      '--change-set-name', 'c',
      '--change-set-type', 'UPDATE',
      '--template-body', 'file:///w/template.json',
      '--parameters', 'file:///w/parameters.json',
      '--capabilities', 'CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND',
      '--tags', '[{"Key":"team","Value":"a,b=c"},{"Key":"iac-orchestrator:environment","Value":"prod"}]',
      '--role-arn', 'arn:aws:iam::123456789012:role/cfn',
      '--description', 'iac-orchestrator deployment d1',
      '--output', 'json', '--color', 'off',
      '--region', 'eu-west-1',
      '--endpoint-url', 'http://127.0.0.1:5000',
    ]);
  });

  it('never puts a parameter value in argv: they go through the file', () => {
    const argv = buildCreateChangeSetArgs({ stackName: 's', changeSetName: 'c', changeSetType: 'CREATE', templatePath: '/w/t.yaml', parametersPath: '/w/parameters.json' });
    expect(argv.filter((a) => a.startsWith('file://'))).toEqual(['file:///w/t.yaml', 'file:///w/parameters.json']);
  });
});
