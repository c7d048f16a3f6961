import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, InvalidStateError, NotFoundError, StateLockedError, VersionNotRetainedError } from '../../src/index.js';
import { deployInput, harness, res, waitFor, type Harness } from './helpers.js';

let h: Harness;
afterEach(async () => h?.dispose());

const apply = async (value: string, extra: Record<string, unknown> = {}) => waitFor(h.orch, (await h.orch.deploy(deployInput({ resources: [res('a', value)] }, extra))).id);

describe('state versions, rollback and retention', () => {
  it('rollback re-applies the code of the target version and marks the original rolled_back', async () => {
    h = await harness();
    await apply('v1');
    await apply('v2');
    const bad = await apply('v3');
    expect(bad.stateVersion).toBe(3);
    const r = await h.orch.rollback(bad.id, { targetVersion: 1, reason: 'Critical bug in new version' });
    expect(r.deploymentId).toBe(bad.id);
    const rb = await waitFor(h.orch, r.rollbackDeploymentId);
    expect(rb).toMatchObject({ status: 'completed', operation: 'rollback', targetVersion: 1, reason: 'Critical bug in new version', stateVersion: 4 });
    expect(h.executor.world.get('a')).toBe('v1');
    expect(await h.orch.get(bad.id)).toMatchObject({ status: 'rolled_back', rolledBackBy: rb.id });
    const history = await h.orch.stateHistory(bad.id, { limit: 10 });
    expect(history.map((v) => `${v.version}:${v.reason}`)).toEqual(['4:rollback', '3:applied', '2:applied', '1:applied']);
  });

  it('keeps raw state and code for the last 10 of 15 applies; older ones stay as metadata and refuse rollback', async () => {
    h = await harness();
    let last = await apply('v1');
    for (let i = 2; i <= 15; i++) last = await apply(`v${i}`);
    const history = await h.orch.stateHistory(last.id, { limit: 100 });
    expect(history).toHaveLength(15);
    expect(history.filter((v) => v.retained).map((v) => v.version)).toEqual([15, 14, 13, 12, 11, 10, 9, 8, 7, 6]);
    const old = await h.store.getStateVersion(last.stackKey, 3);
    expect(old).toMatchObject({ version: 3, retained: false, raw: null });
    expect(old?.resources.map((r) => r.id)).toEqual(['a']);
    await expect(h.orch.rollback(last.id, { targetVersion: 3 })).rejects.toThrow(VersionNotRetainedError);
    await expect(h.orch.rollback(last.id, { targetVersion: 3 })).rejects.toThrow('State version 3 is no longer retained: only the last 10 versions keep their state and code');
    await expect(h.orch.rollback(last.id, { targetVersion: 99 })).rejects.toThrow(NotFoundError);
    const ok = await h.orch.rollback(last.id, { targetVersion: 6 });
    expect((await waitFor(h.orch, ok.rollbackDeploymentId)).status).toBe('completed');
    expect(h.executor.world.get('a')).toBe('v6');
  });

  it('deployments of one stack are serialised: one writer at a time, every version built on the last', async () => {
    h = await harness({ concurrency: 4 });
    const ids = await Promise.all([1, 2, 3, 4].map(async (i) => (await h.orch.deploy(deployInput({ resources: [res('a', `v${i}`, { sleepMs: 50 })] }))).id));
    let maxApplying = 0;
    const timer = setInterval(async () => {
      const all = await Promise.all(ids.map((id) => h.orch.get(id)));
      maxApplying = Math.max(maxApplying, all.filter((d) => d.status === 'applying' || d.status === 'planning').length);
    }, 5);
    const done = await Promise.all(ids.map((id) => waitFor(h.orch, id)));
    clearInterval(timer);
    expect(done.every((d) => d.status === 'completed')).toBe(true);
    expect(maxApplying).toBe(1);
    expect(done.map((d) => d.stateVersion).sort()).toEqual([1, 2, 3, 4]);
  });

  it('a held lock fails a deployment with StateLockedError naming the holder when no wait is allowed', async () => {
    h = await harness({ lockWaitMs: 0 });
    const first = await apply('v1');
    const lock = await h.orch.lockState(first.id, { operation: 'apply', who: 'user@example.com' });
    expect(lock).toMatchObject({ operation: 'apply', who: 'user@example.com' });
    expect(lock).not.toHaveProperty('token');
    await expect(h.orch.lockState(first.id, { operation: 'apply', who: 'other@example.com' })).rejects.toThrow(StateLockedError);
    const blocked = await waitFor(h.orch, (await h.orch.deploy(deployInput({ resources: [res('a', 'v2')] }))).id);
    expect(blocked.status).toBe('failed');
    expect(blocked.error).toContain('State is already locked by user@example.com');
    expect((await h.orch.getState(first.id)).locked).toBe(true);
    await expect(h.orch.unlockState(first.id, { lockId: 'wrong' })).rejects.toThrow(ConflictError);
    expect(await h.orch.unlockState(first.id, { lockId: lock.lockId })).toMatchObject({ unlocked: true });
    expect((await h.orch.getState(first.id)).locked).toBe(false);
  });

  it('a deployment waits in pending for a manual lock and runs once it is released', async () => {
    h = await harness({ lockWaitMs: 10_000 });
    const first = await apply('v1');
    const lock = await h.orch.lockState(first.id, { operation: 'maintenance', who: 'ops' });
    const contention: string[] = [];
    h.orch.on('lockContention', (e) => contention.push(e.holder?.who ?? '?'));
    const d = await h.orch.deploy(deployInput({ resources: [res('a', 'v2')] }));
    await new Promise((r) => setTimeout(r, 300));
    expect((await h.orch.get(d.id)).status).toBe('pending');
    expect(contention).toEqual(['ops']);
    await h.orch.unlockState(first.id, { lockId: lock.lockId });
    expect((await waitFor(h.orch, d.id)).status).toBe('completed');
  });

  it("unlock by lockId refuses a running deployment's lock; force unlock is explicit and audited", async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('a')] }, { environment: 'production' }));
    await waitFor(h.orch, d.id, ['awaiting_approval']);
    const held = (await h.orch.getState(d.id)).lock!;
    await expect(h.orch.unlockState(d.id, { lockId: held.lockId })).rejects.toThrow(InvalidStateError);
    const r = await h.orch.unlockState(d.id, { force: true }, { id: 'admin' });
    expect(r).toMatchObject({ unlocked: true, lock: { lockId: held.lockId } });
    const audit = await h.orch.audit({ deploymentId: d.id });
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['deployment.create', 'state.read', 'lock.force-release']));
    expect(audit.find((a) => a.action === 'lock.force-release')?.who).toBe('admin');
  });
});
