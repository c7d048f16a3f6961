import { describe, expect, it } from 'vitest';
import { buildDetectStackDriftArgs } from '../../src/commands/detect-stack-drift.js';
import { buildDescribeStackDriftDetectionStatusArgs } from '../../src/commands/describe-stack-drift-detection-status.js';
import { buildDescribeStackResourceDriftsArgs } from '../../src/commands/describe-stack-resource-drifts.js';
import { buildCfnLintArgs } from '../../src/commands/cfn-lint.js';

const TAIL = ['--output', 'json', '--color', 'off'];
const G = { endpointUrl: 'http://e' };

describe('drift steps and cfn-lint', () => {
  it('detect-stack-drift → describe-stack-drift-detection-status → describe-stack-resource-drifts', () => {
    expect(buildDetectStackDriftArgs({ stackName: 'id' })).toEqual(['cloudformation', 'detect-stack-drift', '--stack-name', 'id', ...TAIL]);
    expect(buildDetectStackDriftArgs({ stackName: 'id', global: G })).toEqual(['cloudformation', 'detect-stack-drift', '--stack-name', 'id', ...TAIL, '--endpoint-url', 'http://e']);
    expect(buildDescribeStackDriftDetectionStatusArgs({ detectionId: 'd-1' })).toEqual(['cloudformation', 'describe-stack-drift-detection-status', '--stack-drift-detection-id', 'd-1', ...TAIL]);
    expect(buildDescribeStackResourceDriftsArgs({ stackName: 'id', global: G })).toEqual(['cloudformation', 'describe-stack-resource-drifts', '--stack-name', 'id', ...TAIL, '--endpoint-url', 'http://e']);
  });

  it('cfn-lint: JSON findings, the region, and `--` before the template path', () => {
    expect(buildCfnLintArgs({ templatePath: '/w/template.yaml' })).toEqual(['--format', 'json', '--', '/w/template.yaml']);
    expect(buildCfnLintArgs({ templatePath: '/w/t.yaml', regions: ['eu-west-1'] })).toEqual(['--format', 'json', '--regions', 'eu-west-1', '--', '/w/t.yaml']);
  });
});
