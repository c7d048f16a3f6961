import { describe, expect, it } from 'vitest';
import { buildCancelArgs } from '../../src/commands/cancel.js';
import { buildCreateArgs } from '../../src/commands/create.js';
import { buildOperationListArgs } from '../../src/commands/operations.js';
import { buildShowArgs } from '../../src/commands/show.js';
import { buildValidateArgs } from '../../src/commands/validate.js';
import { buildWhatIfArgs } from '../../src/commands/what-if.js';

const inputs = { resourceGroup: 'rg-a', deploymentName: 'iac-1', templateFile: '/w/template.json', parametersFile: '/w/parameters.json', mode: 'Incremental' };
const target = ['--resource-group', 'rg-a', '--name', 'iac-1'];
const tpl = ['--template-file', '/w/template.json', '--parameters', '@/w/parameters.json', '--mode', 'Incremental'];
const json = ['--output', 'json', '--only-show-errors'];

describe('deployment group argv', () => {
  it('validate', () => {
    expect(buildValidateArgs(inputs)).toEqual(['deployment', 'group', 'validate', ...target, ...tpl, ...json]);
  });
  it('what-if: defaults to full payloads, machine-readable', () => {
    expect(buildWhatIfArgs(inputs)).toEqual(['deployment', 'group', 'what-if', ...target, ...tpl, '--result-format', 'FullResourcePayloads', '--no-pretty-print', ...json]);
  });
  it('what-if: everything overridden', () => {
    expect(buildWhatIfArgs({ ...inputs, mode: 'Complete', resultFormat: 'ResourceIdOnly' })).toEqual([
      'deployment', 'group', 'what-if', ...target, '--template-file', '/w/template.json', '--parameters', '@/w/parameters.json', '--mode', 'Complete',
      '--result-format', 'ResourceIdOnly', '--no-pretty-print', ...json,
    ]);
  });
  it('create --no-wait', () => {
    expect(buildCreateArgs(inputs)).toEqual(['deployment', 'group', 'create', ...target, ...tpl, '--no-wait', ...json]);
    expect(buildCreateArgs({ ...inputs, mode: 'Complete' })).toContain('Complete');
  });
  it('show, operation list, cancel', () => {
    expect(buildShowArgs(inputs)).toEqual(['deployment', 'group', 'show', ...target, ...json]);
    expect(buildOperationListArgs(inputs)).toEqual(['deployment', 'operation', 'group', 'list', ...target, ...json]);
    expect(buildCancelArgs(inputs)).toEqual(['deployment', 'group', 'cancel', ...target, '--output', 'none', '--only-show-errors']);
  });
});
