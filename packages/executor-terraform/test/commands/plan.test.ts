import { describe, expect, it } from 'vitest';
import { buildPlanArgs } from '../../src/commands/plan.js';

describe('buildPlanArgs', () => {
  it('defaults: non-interactive, -json stream, saved plan in tfplan', () => {
    expect(buildPlanArgs()).toEqual(['plan', '-input=false', '-no-color', '-json', '-out=tfplan']);
  });
  it('every option set', () => {
    expect(buildPlanArgs({ out: '/w/plan', refreshOnly: true, parallelism: 4, json: false, lock: false, varFiles: ['/w/a.json', '/w/b.json'] })).toEqual([
      'plan',
      '-input=false',
      '-no-color',
      '-out=/w/plan',
      '-refresh-only',
      '-parallelism=4',
      '-lock=false',
      '-var-file=/w/a.json',
      '-var-file=/w/b.json',
    ]);
  });
  it('refuses nonsense before it reaches the CLI', () => {
    expect(() => buildPlanArgs({ destroy: true, refreshOnly: true })).toThrow(RangeError);
    expect(() => buildPlanArgs({ parallelism: 0 })).toThrow(/positive integer/);
    expect(() => buildPlanArgs({ parallelism: 1.5 })).toThrow(RangeError);
  });
});
