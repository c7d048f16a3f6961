import { describe, expect, it } from 'vitest';
import { buildShowArgs } from '../../src/commands/show.js';

describe('buildShowArgs', () => {
  it('defaults: the current state as JSON', () => {
    expect(buildShowArgs()).toEqual(['show', '-json', '-no-color']);
  });
  it('a saved plan or state file', () => {
    expect(buildShowArgs({ path: '/w/tfplan' })).toEqual(['show', '-json', '-no-color', '/w/tfplan']);
  });
});
