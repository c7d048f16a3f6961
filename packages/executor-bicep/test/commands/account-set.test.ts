import { describe, expect, it } from 'vitest';
import { buildAccountSetArgs } from '../../src/commands/account-set.js';

describe('buildAccountSetArgs', () => {
  it('selects the subscription', () => {
    expect(buildAccountSetArgs({ subscriptionId: 'sub-1' })).toEqual(['account', 'set', '--subscription', 'sub-1', '--output', 'none', '--only-show-errors']);
  });
});
