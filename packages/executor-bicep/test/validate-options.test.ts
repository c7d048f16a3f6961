import { describe, expect, it } from 'vitest';
import { ValidationError } from '@iac-orchestrator/core';
import { BicepExecutor } from '../src/index.js';

// Pure option checks: no az, no stand-in needed.
describe('BicepExecutor.validateOptions', () => {
  const ex = new BicepExecutor({ azBinary: 'az' });
  it('accepts the known options', () => {
    expect(() => ex.validateOptions({ resourceGroup: 'rg-web-prod', location: 'westeurope', mode: 'Complete', createResourceGroup: true })).not.toThrow();
  });
  it.each([
    [{ bogus: 1 }, 'options.executor.bogus'],
    [{ mode: 'Everything' }, 'options.executor.mode'],
    [{ resourceGroup: 'bad name!' }, 'options.executor.resourceGroup'],
    [{ createResourceGroup: 'yes' }, 'options.executor.createResourceGroup'],
  ])('refuses %j naming %s', (options, field) => {
    const err = (() => {
      try {
        ex.validateOptions(options);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe(field);
  });
});
