import { afterEach, describe, expect, it } from 'vitest';
import type { ExecutorContext, PlanResult } from '../../src/index.js';
import { MASK } from '../../src/index.js';
import { ScriptedExecutor } from '../../src/testing/index.js';
import { deployInput, harness, res, waitFor, type Harness } from './helpers.js';

const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const AZURE_SECRET = 'azure-client-secret-value-123';

/** An executor that leaks everything it is given into logs and errors: the orchestrator must mask it all. */
class LeakyExecutor extends ScriptedExecutor {
  seenEnv: Record<string, string> = {};
  override async plan(ctx: ExecutorContext): Promise<PlanResult> {
    this.seenEnv = ctx.env;
    ctx.emit({ type: 'log', level: 'debug', message: `env dump: ${JSON.stringify(ctx.env)} vars: ${JSON.stringify(ctx.variables)}` });
    return super.plan(ctx);
  }
}

let h: Harness;
afterEach(async () => h?.dispose());

describe('secrets never leave (invariant 5)', () => {
  it('masks credentials, sensitive variables and sensitive outputs in logs, events, records and errors', async () => {
    const executor = new LeakyExecutor();
    h = await harness({
      executors: [executor],
      credentials: { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEKEYID', AWS_SECRET_ACCESS_KEY: AWS_SECRET, AZURE_CLIENT_SECRET: AZURE_SECRET, AWS_REGION: 'us-east-1' },
    });
    const events: string[] = [];
    h.orch.on('log', (e) => events.push(JSON.stringify(e)));
    h.orch.on('status', (e) => events.push(JSON.stringify(e)));
    const d = await h.orch.deploy(
      deployInput(
        { resources: [res('db')], outputs: { endpoint: 'db.internal', password: 'S3cr3t-Passw0rd!' }, sensitiveOutputs: ['password'] },
        { options: { variables: { db_password: 'var-secret-value', size: 'small' }, sensitiveVariables: ['db_password'] } },
      ),
    );
    const done = await waitFor(h.orch, d.id);
    expect(done.status).toBe('completed');
    // Only the target cloud's credentials reach the executor.
    expect(Object.keys(executor.seenEnv).sort()).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_REGION', 'AWS_SECRET_ACCESS_KEY']);
    expect(done.outputs).toEqual({ endpoint: 'db.internal', password: MASK });
    const logs = JSON.stringify((await h.orch.logs(d.id)).entries);
    const state = JSON.stringify(await h.orch.getState(d.id));
    const everything = [logs, state, JSON.stringify(done), ...events].join('\n');
    for (const secret of [AWS_SECRET, 'AKIAEXAMPLEKEYID', 'var-secret-value', 'S3cr3t-Passw0rd!', AZURE_SECRET]) {
      expect(everything).not.toContain(secret);
    }
    expect(logs).toContain(MASK);
    expect(logs).toContain('small'); // non-secret values stay readable
  });

  it('masks a credential that the tool echoes into a failure message', async () => {
    h = await harness({ credentials: { AWS_SECRET_ACCESS_KEY: AWS_SECRET } });
    const d = await h.orch.deploy(deployInput({ resources: [], planError: `InvalidSignature for key ${AWS_SECRET}` }));
    const done = await waitFor(h.orch, d.id);
    expect(done.error).toBe(`InvalidSignature for key ${MASK}`);
  });
});
