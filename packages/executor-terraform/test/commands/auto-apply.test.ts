import { describe, expect, it } from 'vitest';
import { buildAutoApplyArgs } from '../../src/commands/auto-apply.js';

describe('buildAutoApplyArgs', () => {
  it('defaults: plans and applies in one process, non-interactive, JSON stream, no plan file', () => {
    expect(buildAutoApplyArgs()).toEqual(['apply', '-input=false', '-no-color', '-json', '-auto-approve']);
  });
  it('every option set: destroy, parallelism, variable files in order (values never on the command line)', () => {
    expect(buildAutoApplyArgs({ destroy: true, parallelism: 4, varFiles: ['/w/a.json', '/w/b.json'], json: false })).toEqual([
      'apply',
      '-input=false',
      '-no-color',
      '-auto-approve',
      '-destroy',
      '-parallelism=4',
      '-var-file=/w/a.json',
      '-var-file=/w/b.json',
    ]);
  });
  it('refuses a parallelism Terraform would reject', () => {
    expect(() => buildAutoApplyArgs({ parallelism: 0 })).toThrow(RangeError);
  });
});
