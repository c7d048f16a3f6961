import { describe, expect, it } from 'vitest';
import { buildResourceDeleteArgs } from '../../src/commands/resource-delete.js';
import { buildAzVersionArgs, buildBicepVersionArgs } from '../../src/commands/version.js';

describe('resource delete and version argv', () => {
  it('deletes by id', () => {
    expect(buildResourceDeleteArgs({ ids: ['/subscriptions/s/resourceGroups/r/providers/A/b/c'] })).toEqual([
      'resource', 'delete', '--ids', '/subscriptions/s/resourceGroups/r/providers/A/b/c', '--output', 'none', '--only-show-errors',
    ]);
    expect(buildResourceDeleteArgs({ ids: ['x', 'y'] })).toEqual(['resource', 'delete', '--ids', 'x', 'y', '--output', 'none', '--only-show-errors']);
    expect(() => buildResourceDeleteArgs({ ids: [] })).toThrow();
  });
  it('versions', () => {
    expect(buildAzVersionArgs()).toEqual(['version', '--output', 'json']);
    expect(buildBicepVersionArgs()).toEqual(['--version']);
  });
});
