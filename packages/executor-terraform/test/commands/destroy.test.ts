import { describe, expect, it } from 'vitest';
import { buildDestroyPlanArgs } from '../../src/commands/destroy.js';

describe('buildDestroyPlanArgs', () => {
  it('defaults: a saved -destroy plan', () => {
    expect(buildDestroyPlanArgs()).toEqual(['plan', '-input=false', '-no-color', '-json', '-out=tfplan', '-destroy']);
  });
  it('every option set', () => {
    expect(buildDestroyPlanArgs({ out: 'd.tfplan', parallelism: 2, varFiles: ['v.json'], json: true, lock: false })).toEqual([
      'plan',
      '-input=false',
      '-no-color',
      '-json',
      '-out=d.tfplan',
      '-destroy',
      '-parallelism=2',
      '-lock=false',
      '-var-file=v.json',
    ]);
  });
});
