import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, deployBody, terraformAvailable } from './support/harness.js';
import { terraformCode } from './support/stub-generator.js';

/** Issue 12, unbounded logs: a deployment's log is capped (ORCHESTRATOR_MAX_LOG_BYTES) and says so. */
describe.skipIf(!terraformAvailable())('REST: per-deployment log size cap with real terraform', () => {
  const api = new ApiHarness();
  const cap = 2048;
  beforeAll(async () => {
    await api.start({ orchestrator: { maxLogBytes: cap } });
  });
  afterAll(() => api.stop());

  it('a chatty run keeps at most the cap, then one truncation marker, and still completes', async () => {
    const r = await api.call('POST', '/api/deployments', { role: 'deployer', body: deployBody({ files: { 'main.tf': terraformCode({ extra: 60 }) } }) });
    const done = await api.waitForStatus(r.body.deploymentId, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    const logs = (await api.call('GET', `/api/deployments/${r.body.deploymentId}/logs?limit=5000`, { role: 'viewer' })).body.logs as Array<{ message: string; level: string }>;
    const last = logs[logs.length - 1];
    expect(last).toMatchObject({ level: 'warn', message: `Log truncated: this deployment's log reached ${cap} bytes; further lines are not kept (ORCHESTRATOR_MAX_LOG_BYTES)` });
    const kept = logs.slice(0, -1).reduce((n, e) => n + Buffer.byteLength(e.message), 0);
    expect(kept).toBeLessThanOrEqual(cap);
    expect(logs.filter((e) => e.message.startsWith('Log truncated')).length).toBe(1);
  });
});
