import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, deployBody, terraformAvailable } from './support/harness.js';
import { terraformCode } from './support/stub-generator.js';

const prod = (over: Record<string, unknown> = {}) =>
  deployBody({ blueprintId: 'gated', environment: 'production', files: { 'main.tf': terraformCode() }, options: { autoApprove: true }, ...over });

describe.skipIf(!terraformAvailable())('REST approval gate, manual locks and roles', () => {
  const api = new ApiHarness();
  beforeAll(() => api.start());
  afterAll(() => api.stop());

  it('a deployer cannot auto-approve production: the plan waits, and only an approver may approve it', async () => {
    const r = await api.call('POST', '/api/deployments', { role: 'deployer', body: prod() });
    expect(r.status).toBe(202);
    const waiting = await api.waitForStatus(r.body.deploymentId, ['awaiting_approval', 'failed', 'completed']);
    expect(waiting.status).toBe('awaiting_approval');
    expect(waiting.plan).toMatchObject({ add: 2, change: 0, destroy: 0, hasChanges: true });
    expect(await api.call('POST', `/api/deployments/${waiting.id}/approve`, { role: 'deployer' })).toMatchObject({ status: 403, body: { error: 'This action needs the approver role' } });
    const ok = await api.call('POST', `/api/deployments/${waiting.id}/approve`, { role: 'approver', body: { comment: 'LGTM' } });
    expect(ok.status).toBe(200);
    const done = await api.waitForStatus(waiting.id, ['completed', 'failed']);
    expect(done).toMatchObject({ status: 'completed', approval: { decision: 'approved', by: 'approver-user', comment: 'LGTM' } });
    expect(await api.call('POST', `/api/deployments/${waiting.id}/approve`, { role: 'approver' })).toMatchObject({ status: 409 });
  });

  it('an approver may auto-approve production', async () => {
    const r = await api.call('POST', '/api/deployments', { role: 'approver', body: prod({ files: { 'main.tf': terraformCode({ ip: '10.0.9.9' }) } }) });
    const done = await api.waitForStatus(r.body.deploymentId, ['completed', 'failed', 'awaiting_approval']);
    expect(done.status).toBe('completed');
    expect(done.outputs.vm_ip).toBe('10.0.9.9');
  });

  it('reject and cancel end a waiting plan without applying it', async () => {
    const a = await api.call('POST', '/api/deployments', { role: 'deployer', body: prod({ files: { 'main.tf': terraformCode({ extra: 2 }) } }) });
    await api.waitForStatus(a.body.deploymentId, ['awaiting_approval']);
    const rejected = await api.call('POST', `/api/deployments/${a.body.deploymentId}/reject`, { role: 'approver', body: { comment: 'not now' } });
    expect(rejected.status).toBe(200);
    expect(await api.waitForStatus(a.body.deploymentId, ['cancelled'])).toMatchObject({ approval: { decision: 'rejected', by: 'approver-user' } });

    const b = await api.call('POST', '/api/deployments', { role: 'deployer', body: prod({ files: { 'main.tf': terraformCode({ extra: 3 }) } }) });
    await api.waitForStatus(b.body.deploymentId, ['awaiting_approval']);
    expect((await api.call('POST', `/api/deployments/${b.body.deploymentId}/cancel`, { role: 'viewer' })).status).toBe(403);
    expect((await api.call('POST', `/api/deployments/${b.body.deploymentId}/cancel`, { role: 'deployer' })).status).toBe(200);
    expect((await api.waitForStatus(b.body.deploymentId, ['cancelled'])).status).toBe('cancelled');
    const state = await api.call('GET', `/api/deployments/${b.body.deploymentId}/state`, { role: 'viewer' });
    expect(state.body.resources).toHaveLength(2); // still what the approved apply made
  });

  it('lock / unlock: lockId, 409 "State is already locked" with the holder, force for admins only, audited with who', async () => {
    const list = await api.call('GET', '/api/deployments?blueprintId=gated&status=completed', { role: 'viewer' });
    const id = list.body.deployments[0].id as string;
    expect(await api.call('POST', `/api/deployments/${id}/state/lock`, { role: 'viewer', body: { operation: 'apply', who: 'v@example.com' } })).toMatchObject({ status: 403 });
    const lock = await api.call('POST', `/api/deployments/${id}/state/lock`, { role: 'deployer', body: { operation: 'apply', who: 'user@example.com' } });
    expect(lock.status).toBe(200);
    // The holder is the authenticated caller; the `who` sent is kept as information (issue 12).
    expect(lock.body).toMatchObject({ lockId: expect.any(String), operation: 'apply', who: 'deployer-user', info: 'on behalf of user@example.com', expiresAt: expect.any(String) });
    expect(lock.body).not.toHaveProperty('token');

    const again = await api.call('POST', `/api/deployments/${id}/state/lock`, { role: 'deployer', body: { operation: 'plan', who: 'other@example.com' } });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error: 'State is already locked', lock: expect.objectContaining({ who: 'deployer-user', operation: 'apply' }) });
    expect(again.body.lock).not.toHaveProperty('lockId');

    const state = await api.call('GET', `/api/deployments/${id}/state`, { role: 'viewer' });
    expect(state.body).toMatchObject({ locked: true, lock: { who: 'deployer-user' } });
    expect(state.body.lock).not.toHaveProperty('lockId');

    // A deployment of the locked stack does not run under someone else's lock.
    const blocked = await api.call('POST', '/api/deployments', { role: 'approver', body: prod() });
    const failed = await api.waitForStatus(blocked.body.deploymentId, ['failed', 'completed']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/locked/i);

    expect(await api.call('POST', `/api/deployments/${id}/state/unlock`, { role: 'deployer', body: { lockId: 'wrong-lock' } })).toMatchObject({ status: 409 });
    expect(await api.call('POST', `/api/deployments/${id}/state/unlock`, { role: 'deployer', body: {} })).toMatchObject({ status: 400, body: { field: 'lockId' } });
    expect(await api.call('POST', `/api/deployments/${id}/state/unlock`, { role: 'approver', body: { force: true } })).toMatchObject({
      status: 403,
      body: { error: 'Forcing an unlock needs the admin role' },
    });
    const forced = await api.call('POST', `/api/deployments/${id}/state/unlock`, { role: 'admin', body: { force: true } });
    expect(forced).toMatchObject({ status: 200, body: { unlocked: true, lock: { lockId: lock.body.lockId } } });

    const relock = await api.call('POST', `/api/deployments/${id}/state/lock`, { role: 'deployer', body: { operation: 'apply', who: 'user@example.com' } });
    const released = await api.call('POST', `/api/deployments/${id}/state/unlock`, { role: 'deployer', body: { lockId: relock.body.lockId } });
    expect(released).toMatchObject({ status: 200, body: { unlocked: true } });
    expect((await api.call('GET', `/api/deployments/${id}/state`, { role: 'viewer' })).body.locked).toBe(false);

    const audit = await api.orchestrator.audit({ deploymentId: id });
    const who = (action: string) => audit.filter((a) => a.action === action).map((a) => a.who);
    expect(who('lock.acquire')).toEqual(['deployer-user', 'deployer-user']);
    expect(who('lock.force-release')).toEqual(['admin-user']);
    expect(who('lock.release')).toEqual(['deployer-user']);
    expect(who('state.read')).toContain('viewer-user');
    expect(JSON.stringify(audit)).not.toContain('token-0123456789');

    const metrics = (await api.call('GET', '/metrics', { role: null })).body as string;
    const contention = Number(/iac_orchestrator_lock_contention_total (\d+)/.exec(metrics)?.[1]);
    expect(contention).toBeGreaterThanOrEqual(2);
  });
});

describe.skipIf(!terraformAvailable())('REST without tokens (loopback service)', () => {
  const api = new ApiHarness();
  beforeAll(() => api.start({ tokens: false }));
  afterAll(() => api.stop());

  it('every caller is the local admin: no token needed, production auto-approve applies, audited as "local"', async () => {
    const r = await api.call('POST', '/api/deployments', { role: null, body: prod() });
    expect(r.status).toBe(202);
    const done = await api.waitForStatus(r.body.deploymentId, ['completed', 'failed', 'awaiting_approval'], 'viewer');
    expect(done.status).toBe('completed');
    expect(done.requestedBy).toBe('local');
  });
});
