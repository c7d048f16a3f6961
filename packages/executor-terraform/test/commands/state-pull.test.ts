import { describe, expect, it } from 'vitest';
import { buildStatePullArgs } from '../../src/commands/state-pull.js';

describe('buildStatePullArgs', () => {
  it('is `state pull`, which takes no flags', () => {
    expect(buildStatePullArgs()).toEqual(['state', 'pull']);
  });
});
