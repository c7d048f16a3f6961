import { describe, expect, it } from 'vitest';
import { ValidationError } from '@iac-orchestrator/core';
import { TerraformExecutor } from '../src/index.js';

// Pure option checks: no terraform binary needed.
describe('TerraformExecutor.validateOptions', () => {
  it('accepts no options and refuses any, naming the first', () => {
    const ex = new TerraformExecutor();
    expect(() => ex.validateOptions({})).not.toThrow();
    const err = (() => {
      try {
        ex.validateOptions({ workspace: 'blue' });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe('options.executor.workspace');
  });
});
