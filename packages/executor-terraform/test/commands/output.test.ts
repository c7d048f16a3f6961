import { describe, expect, it } from 'vitest';
import { buildOutputArgs } from '../../src/commands/output.js';

describe('buildOutputArgs', () => {
  it('defaults: all outputs as JSON', () => {
    expect(buildOutputArgs()).toEqual(['output', '-json', '-no-color']);
  });
  it('one named output; a name that is not an identifier is refused', () => {
    expect(buildOutputArgs({ name: 'vm_ip' })).toEqual(['output', '-json', '-no-color', 'vm_ip']);
    expect(() => buildOutputArgs({ name: '-state=/etc/x' })).toThrow(RangeError);
  });
});
