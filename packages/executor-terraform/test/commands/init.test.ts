import { describe, expect, it } from 'vitest';
import { buildInitArgs } from '../../src/commands/init.js';

describe('buildInitArgs', () => {
  it('defaults: non-interactive, backend configured', () => {
    expect(buildInitArgs()).toEqual(['init', '-input=false', '-no-color']);
  });
  it('every option set', () => {
    expect(buildInitArgs({ backend: false, lockfileReadonly: true, reconfigure: true, upgrade: true })).toEqual([
      'init',
      '-input=false',
      '-no-color',
      '-backend=false',
      '-lockfile=readonly',
      '-reconfigure',
      '-upgrade',
    ]);
  });
});
