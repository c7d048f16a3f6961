import { describe, expect, it } from 'vitest';
import { buildApplyArgs } from '../../src/commands/apply.js';

describe('buildApplyArgs', () => {
  it('defaults: applies the saved plan tfplan, never -auto-approve, no variables', () => {
    const args = buildApplyArgs();
    expect(args).toEqual(['apply', '-input=false', '-no-color', '-json', 'tfplan']);
    expect(args.some((a) => a.startsWith('-var') || a === '-auto-approve')).toBe(false);
  });
  it('every option set; the plan file comes last', () => {
    expect(buildApplyArgs({ planFile: '/w/tfplan', parallelism: 16, json: false })).toEqual(['apply', '-input=false', '-no-color', '-parallelism=16', '/w/tfplan']);
  });
});
