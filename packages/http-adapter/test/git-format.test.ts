import picocolors from 'picocolors';
import { describe, expect, it } from 'vitest';
import { formatDeployment, formatHistory } from '../src/cli/format.js';
import type { DeploymentView, StateVersionView } from '../src/api-contract.js';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const source = { git: { url: 'https://git.example.com/team/infra.git', ref: 'v2', path: 'envs/dev', commit: COMMIT } };

describe('the CLI shows where Git code came from', () => {
  it('status prints URL, ref, path and commit; history the short commit of each version', () => {
    const d = { id: 'd1', blueprintId: 'web', status: 'completed', environment: 'dev', targetCloud: 'aws', format: 'terraform', source, state: { stateId: 's', version: 2, resources: [], locked: false }, outputs: {}, error: null, createdAt: 't0', completedAt: 't1' } as DeploymentView;
    expect(formatDeployment(d, picocolors.createColors(false))).toContain(`  git https://git.example.com/team/infra.git v2 envs/dev/ @ ${COMMIT}`);
    expect(formatDeployment({ ...d, source: null }, picocolors.createColors(false)).join('\n')).not.toContain('git ');
    const v = { version: 2, stateId: 's', stackKey: 'k', deploymentId: 'd1', reason: 'applied', retained: true, source, resources: [], outputs: {}, createdAt: 't1' } as StateVersionView;
    expect(formatHistory([v, { ...v, version: 1, source: null }])).toEqual([
      `v2  applied    t1  0 resource(s)  deployment d1  git ${COMMIT.slice(0, 12)}`,
      'v1  applied    t1  0 resource(s)  deployment d1',
    ]);
  });
});
