import { describe, expect, it } from 'vitest';
import { buildAzBicepBuildArgs, buildBicepBuildArgs } from '../../src/commands/bicep-build.js';

describe('bicep build argv', () => {
  it('standalone bicep', () => {
    expect(buildBicepBuildArgs({ file: '/w/bundle/main.bicep', outFile: '/w/template.json' })).toEqual(['build', '/w/bundle/main.bicep', '--outfile', '/w/template.json']);
  });
  it('az bicep build', () => {
    expect(buildAzBicepBuildArgs({ file: '/w/b/infra.bicep', outFile: '/w/t.json' })).toEqual(['bicep', 'build', '--file', '/w/b/infra.bicep', '--outfile', '/w/t.json', '--only-show-errors']);
  });
});
