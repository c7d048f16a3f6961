import { describe, expect, it } from 'vitest';
import { buildVersionArgs } from '../../src/commands/version.js';
import { compareVersions } from '../../src/binary.js';

describe('buildVersionArgs', () => {
  it('asks for the machine-readable version', () => {
    expect(buildVersionArgs()).toEqual(['version', '-json']);
  });
  it('compares versions numerically', () => {
    expect(compareVersions('1.10.0', '1.9.5')).toBeGreaterThan(0);
    expect(compareVersions('1.4.0', '1.4.0')).toBe(0);
    expect(compareVersions('v1.3.9', '1.4.0')).toBeLessThan(0);
    expect(compareVersions('1.11.4-beta1', '1.11.4')).toBe(0);
  });
});
