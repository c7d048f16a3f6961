import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, deployBody, terraformAvailable } from './support/harness.js';
import { terraformCode } from './support/stub-generator.js';

/**
 * Issue 12, manual locks: the holder is the authenticated caller, the lockId (the secret that releases
 * the lock) is shown only to its holder and admins, and someone else's lock takes an admin's force.
 */
describe.skipIf(!terraformAvailable())('REST: manual state locks belong to the caller who took them', () => {
  const api = new ApiHarness();
  let id = '';
  beforeAll(async () => {
    await api.start();
    const r = await api.call('POST', '/api/deployments', { role: 'deployer', body: deployBody({ files: { 'main.tf': terraformCode() } }) });
    id = r.body.deploymentId;
    await api.waitForStatus(id, ['completed']);
  });
  afterAll(() => api.stop());

  it('holder = authenticated caller; lockId only for the holder and admins; 409 names the holder, not the secret', async () => {
    const taken = await api.call('POST', `/api/deployments/${id}/state/lock`, { role: 'deployer', body: { operation: 'maintenance', who: 'admin-user' } });
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({ who: 'deployer-user', lockId: expect.any(String), info: 'on behalf of admin-user' });
    const lockId: string = taken.body.lockId;

    const asViewer = await api.call('GET', `/api/deployments/${id}/state`, { role: 'viewer' });
    expect(asViewer.body).toMatchObject({ locked: true, lock: { who: 'deployer-user', operation: 'maintenance' } });
    expect(asViewer.body.lock.lockId).toBeUndefined();
    expect(JSON.stringify(asViewer.body)).not.toContain(lockId);
    const asApprover = await api.call('GET', `/api/deployments/${id}/state`, { role: 'approver' });
    expect(JSON.stringify(asApprover.body)).not.toContain(lockId);
    expect((await api.call('GET', `/api/deployments/${id}/state`, { role: 'deployer' })).body.lock.lockId).toBe(lockId);
    expect((await api.call('GET', `/api/deployments/${id}/state`, { role: 'admin' })).body.lock.lockId).toBe(lockId);

    const contended = await api.call('POST', `/api/deployments/${id}/state/lock`, { role: 'approver', body: { operation: 'apply', who: 'deployer-user' } });
    expect(contended).toMatchObject({ status: 409, body: { error: 'State is already locked', lock: { who: 'deployer-user', operation: 'maintenance' } } });
    expect(JSON.stringify(contended.body)).not.toContain(lockId);
  });

  it('someone else\'s lock is not released by its lockId alone: it takes an admin\'s force', async () => {
    const lockId: string = (await api.call('GET', `/api/deployments/${id}/state`, { role: 'deployer' })).body.lock.lockId;
    const byOther = await api.call('POST', `/api/deployments/${id}/state/unlock`, { role: 'approver', body: { lockId } });
    expect(byOther).toMatchObject({ status: 403, body: { error: 'The lock is held by deployer-user: only its holder can release it (an admin can force-unlock)' } });
    const byAdminWithoutForce = await api.call('POST', `/api/deployments/${id}/state/unlock`, { role: 'admin', body: { lockId } });
    expect(byAdminWithoutForce.status).toBe(403);
    expect((await api.call('GET', `/api/deployments/${id}/state`, { role: 'viewer' })).body.locked).toBe(true);
    expect((await api.call('POST', `/api/deployments/${id}/state/unlock`, { role: 'approver', body: { force: true } })).status).toBe(403);
    const forced = await api.call('POST', `/api/deployments/${id}/state/unlock`, { role: 'admin', body: { force: true } });
    expect(forced).toMatchObject({ status: 200, body: { unlocked: true } });
  });

  it('the holder releases their own lock with its lockId', async () => {
    const taken = await api.call('POST', `/api/deployments/${id}/state/lock`, { role: 'approver', body: { operation: 'apply', who: 'approver-user' } });
    expect(taken.body).toMatchObject({ who: 'approver-user', info: '' });
    expect((await api.call('POST', `/api/deployments/${id}/state/unlock`, { role: 'approver', body: { lockId: 'wrong' } })).status).toBe(409);
    const released = await api.call('POST', `/api/deployments/${id}/state/unlock`, { role: 'approver', body: { lockId: taken.body.lockId } });
    expect(released).toMatchObject({ status: 200, body: { unlocked: true } });
    expect((await api.call('GET', `/api/deployments/${id}/state`, { role: 'viewer' })).body).toMatchObject({ locked: false, lock: null });
  });
});
