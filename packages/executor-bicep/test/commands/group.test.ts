import { describe, expect, it } from 'vitest';
import { buildGroupCreateArgs } from '../../src/commands/group-create.js';
import { buildGroupExistsArgs } from '../../src/commands/group-exists.js';

describe('resource group argv', () => {
  it('exists', () => {
    expect(buildGroupExistsArgs({ resourceGroup: 'rg-a' })).toEqual(['group', 'exists', '--name', 'rg-a', '--output', 'json', '--only-show-errors']);
  });
  it('create: defaults (no tags) and with tags', () => {
    expect(buildGroupCreateArgs({ resourceGroup: 'rg-a', location: 'westeurope' })).toEqual(['group', 'create', '--name', 'rg-a', '--location', 'westeurope', '--output', 'json', '--only-show-errors']);
    expect(buildGroupCreateArgs({ resourceGroup: 'rg-a', location: 'eastus', tags: { a: '1', 'managed-by': 'x y' } })).toEqual([
      'group', 'create', '--name', 'rg-a', '--location', 'eastus', '--tags', 'a=1', 'managed-by=x y', '--output', 'json', '--only-show-errors',
    ]);
  });
});
