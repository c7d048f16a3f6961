import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, deployBody, terraformAvailable } from './support/harness.js';
import { StubGenerator, terraformCode } from './support/stub-generator.js';

/** Reads a server-sent-event stream to its end and returns its events. */
async function readEvents(url: string, token: string, headers: Record<string, string> = {}): Promise<Array<{ event: string; data: any; id?: string }>> {
  const res = await fetch(url, { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}`, ...headers } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const text = await res.text(); // the server ends the stream when the deployment ends
  return text
    .split('\n\n')
    .filter((f) => f.includes('event: '))
    .map((frame) => {
      const get = (k: string) => frame.split('\n').find((l) => l.startsWith(`${k}: `))?.slice(k.length + 2);
      return { event: get('event')!, data: JSON.parse(get('data')!), id: get('id') };
    });
}

describe.skipIf(!terraformAvailable())('REST lifecycle with real terraform, code from a stub IaC generator', () => {
  const gen = new StubGenerator();
  const api = new ApiHarness();
  let first = '';
  let second = '';

  beforeAll(async () => {
    await gen.start();
    gen.addCodeJob('gen-v1', terraformCode());
    gen.addFilesJob('gen-v2', { 'main.tf': terraformCode({ ip: '10.0.1.6', extra: 1 }) });
    await api.start({ generatorUrl: gen.url, orchestrator: { stateRetention: 2 } });
  });
  afterAll(async () => {
    await api.stop();
    await gen.close();
  });

  it('POST /api/deployments answers 202 and the deployment completes with the spec shape', async () => {
    const r = await api.call('POST', '/api/deployments', { role: 'deployer', body: deployBody({ generationJobId: 'gen-v1' }) });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ deploymentId: expect.any(String), status: 'pending', message: 'Deployment started' });
    first = r.body.deploymentId;
    const d = await api.waitForStatus(first, ['completed', 'failed']);
    expect(d.error).toBeNull();
    expect(d).toMatchObject({ id: first, blueprintId: 'abc-123', status: 'completed', environment: 'dev', targetCloud: 'azure', format: 'terraform' });
    expect(d.state).toMatchObject({ stateId: expect.stringMatching(/^[0-9a-f-]{36}$/), version: 1, locked: false });
    expect(d.state.resources.map((x: { id: string }) => x.id).sort()).toEqual(['terraform_data.rg', 'terraform_data.web']);
    expect(d.state.resources.every((x: { status: string }) => x.status === 'created')).toBe(true);
    expect(d.outputs).toEqual({ vm_ip: '10.0.1.5', resource_group: 'prod-rg' });
    expect(d.requestedBy).toBe('deployer-user');
    expect(Date.parse(d.completedAt)).toBeGreaterThanOrEqual(Date.parse(d.createdAt));
    expect(JSON.stringify(d)).not.toMatch(/"token"/);
  });

  it('GET /:id/logs returns the stored log lines with a cursor', async () => {
    const r = await api.call('GET', `/api/deployments/${first}/logs`, { role: 'viewer' });
    expect(r.status).toBe(200);
    expect(r.body.deploymentId).toBe(first);
    expect(r.body.logs.length).toBeGreaterThan(0);
    expect(r.body.logs[0]).toEqual({ timestamp: expect.any(String), level: expect.any(String), message: expect.any(String), resource: null });
    expect(r.body.logs.some((l: { resource: string | null }) => l.resource === 'terraform_data.web')).toBe(true);
    const rest = await api.call('GET', `/api/deployments/${first}/logs?cursor=${r.body.nextCursor}`, { role: 'viewer' });
    expect(rest.body.logs).toEqual([]);
    const paged = await api.call('GET', `/api/deployments/${first}/logs?limit=1`, { role: 'viewer' });
    expect(paged.body.logs).toEqual([r.body.logs[0]]);
  });

  it('GET /:id/logs as text/event-stream follows a running deployment live and ends with it', async () => {
    const r = await api.call('POST', '/api/deployments', { role: 'deployer', body: deployBody({ generationJobId: 'gen-v2' }) });
    expect(r.status).toBe(202);
    second = r.body.deploymentId;
    const events = await readEvents(`${api.url}/api/deployments/${second}/logs`, 'viewer-token-0123456789abcdef');
    const logs = events.filter((e) => e.event === 'log').map((e) => e.data);
    const stored = await api.call('GET', `/api/deployments/${second}/logs?limit=5000`, { role: 'viewer' });
    // Exactly the stored entries, in order, once each.
    expect(logs).toEqual(stored.body.logs);
    expect(events.filter((e) => e.event === 'status').map((e) => e.data.status)).toContain('applying');
    expect(events.at(-1)).toMatchObject({ event: 'end', data: { deploymentId: second, status: 'completed' } });

    // A reconnecting client sends the last id it saw and gets only what followed, then the end.
    const resumeAt = events.filter((e) => e.event === 'log' && e.id !== undefined)[0];
    expect(resumeAt).toBeDefined();
    const resumed = await readEvents(`${api.url}/api/deployments/${second}/logs`, 'viewer-token-0123456789abcdef', { 'last-event-id': resumeAt.id! });
    expect(resumed.filter((e) => e.event === 'log').map((e) => e.data)).toEqual(stored.body.logs.slice(Number(resumeAt.id)));
    expect(resumed.at(-1)).toMatchObject({ event: 'end', data: { status: 'completed' } });
  });

  it('GET /api/deployments filters by blueprintId, environment and status, and pages with a cursor', async () => {
    const all = await api.call('GET', '/api/deployments?blueprintId=abc-123', { role: 'viewer' });
    expect(all.status).toBe(200);
    expect(all.body.deployments.map((d: { id: string }) => d.id)).toEqual([second, first]);
    const page1 = await api.call('GET', '/api/deployments?blueprintId=abc-123&environment=dev&status=completed&limit=1', { role: 'viewer' });
    expect(page1.body.deployments.map((d: { id: string }) => d.id)).toEqual([second]);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await api.call('GET', `/api/deployments?blueprintId=abc-123&limit=1&cursor=${encodeURIComponent(page1.body.nextCursor)}`, { role: 'viewer' });
    expect(page2.body.deployments.map((d: { id: string }) => d.id)).toEqual([first]);
    const none = await api.call('GET', '/api/deployments?environment=production', { role: 'viewer' });
    expect(none.body).toEqual({ deployments: [], nextCursor: null });
  });

  it('GET /:id/state and /:id/state/history show the versions (without raw state), audited with who', async () => {
    const s = await api.call('GET', `/api/deployments/${first}/state`, { role: 'viewer' });
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({ version: 2, locked: false, lock: null, outputs: { vm_ip: '10.0.1.6' } });
    expect(s.body.resources).toHaveLength(3);
    const h = await api.call('GET', `/api/deployments/${first}/state/history?limit=10`, { role: 'viewer' });
    expect(h.status).toBe(200);
    expect(h.body.versions.map((v: { version: number; deploymentId: string }) => [v.version, v.deploymentId])).toEqual([
      [2, second],
      [1, first],
    ]);
    expect(h.body.versions.every((v: object) => !('raw' in v))).toBe(true);
    const audit = await api.orchestrator.audit({ deploymentId: first });
    expect(audit.filter((a) => a.action === 'state.read').map((a) => a.who)).toContain('viewer-user');
    expect(audit.filter((a) => a.action === 'state.history').map((a) => a.who)).toContain('viewer-user');
  });

  it('POST /:id/rollback restores version 1 as a new deployment; the original becomes rolled_back', async () => {
    const r = await api.call('POST', `/api/deployments/${second}/rollback`, { role: 'deployer', body: { targetVersion: 1, reason: 'Critical production bug' } });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ deploymentId: second, rollbackDeploymentId: expect.any(String), status: expect.any(String) });
    const rb = await api.waitForStatus(r.body.rollbackDeploymentId, ['completed', 'failed']);
    expect(rb.error).toBeNull();
    expect(rb).toMatchObject({ operation: 'rollback', rollbackOf: second, targetVersion: 1, reason: 'Critical production bug', outputs: { vm_ip: '10.0.1.5' } });
    expect(rb.state.version).toBe(3);
    expect((await api.waitForStatus(second, ['rolled_back'])).rolledBackBy).toBe(r.body.rollbackDeploymentId);
    const s = await api.call('GET', `/api/deployments/${first}/state`, { role: 'viewer' });
    expect(s.body.resources).toHaveLength(2);
  });

  it('a version past STATE_BACKUP_RETENTION is 410, an unknown one 404', async () => {
    const gone = await api.call('POST', `/api/deployments/${first}/rollback`, { role: 'deployer', body: { targetVersion: 1 } });
    expect(gone.status).toBe(410);
    expect(gone.body.error).toMatch(/no longer retained/);
    const unknown = await api.call('POST', `/api/deployments/${first}/rollback`, { role: 'deployer', body: { targetVersion: 99 } });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: 'State version 99 not found for this stack' });
  });

  it('POST /:id/drift checks the stack against its state', async () => {
    const r = await api.call('POST', `/api/deployments/${first}/drift`, { role: 'deployer' });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ deploymentId: expect.any(String), message: 'Drift detection started' });
    const d = await api.waitForStatus(r.body.deploymentId, ['completed', 'failed']);
    expect(d.error).toBeNull();
    expect(d.operation).toBe('drift');
    expect(d.drift).toMatchObject({ drifted: false });
  });

  it('POST /api/deployments/:id/destroy removes the stack resources', async () => {
    const r = await api.call('POST', `/api/deployments/${first}/destroy`, { role: 'deployer', body: { autoApprove: true, reason: 'cleanup' } });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ deploymentId: expect.any(String), message: 'Destroy started' });
    const d = await api.waitForStatus(r.body.deploymentId, ['completed', 'failed']);
    expect(d.error).toBeNull();
    const s = await api.call('GET', `/api/deployments/${first}/state`, { role: 'viewer' });
    expect(s.body.version).toBe(4);
    expect(s.body.resources).toEqual([]);
  });

  it('POST /:id/cancel of a finished deployment is a 409', async () => {
    const r = await api.call('POST', `/api/deployments/${first}/cancel`, { role: 'deployer' });
    expect(r.status).toBe(409);
    expect(r.body.error).toMatch(/already/);
  });

  it('GET /metrics reports outcomes, durations, active deployments and state versions', async () => {
    const r = await api.call('GET', '/metrics', { role: null });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = r.body as string;
    expect(text).toMatch(/iac_orchestrator_deployments_total\{outcome="completed",format="terraform",operation="apply"\} 2/);
    expect(text).toMatch(/iac_orchestrator_deployments_total\{outcome="completed",format="terraform",operation="rollback"\} 1/);
    expect(text).toMatch(/iac_orchestrator_deployment_duration_seconds_count\{outcome="completed",format="terraform"\} 5/);
    expect(text).toMatch(/iac_orchestrator_active_deployments 0/);
    expect(text).toMatch(/iac_orchestrator_state_versions_total\{reason="applied"\} 2/);
    expect(text).toMatch(/iac_orchestrator_lock_contention_total 0/);
  });

  it('GET /health and GET /ready (store reachable, terraform found with its version)', async () => {
    expect(await api.call('GET', '/health', { role: null })).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await api.call('GET', '/ready', { role: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', ok: true, store: { ok: true } });
    // The sandbox tool processes run in (bubblewrap here when it works, else none, said plainly).
    expect(ready.body.sandbox).toMatchObject({ ok: true, kind: expect.stringMatching(/^(bwrap|none)$/), isolated: expect.any(Boolean), detail: expect.any(String) });
    expect(ready.body.executors).toEqual([expect.objectContaining({ format: 'terraform', ok: true, version: expect.stringMatching(/^terraform \d+\.\d+/) })]);
  });
});
