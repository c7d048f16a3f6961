import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStateStore, Orchestrator, ForbiddenError, InvalidStateError } from '../../src/index.js';
import { ScriptedExecutor } from '../../src/testing/index.js';
import { deployInput, harness, res, waitFor, unlocked, type Harness } from './helpers.js';

let h: Harness;
afterEach(async () => h?.dispose());

describe('approval gate', () => {
  it('production stops at awaiting_approval and approve applies exactly the saved plan', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('web')] }, { environment: 'production', options: { autoApprove: true } }));
    const waiting = await waitFor(h.orch, d.id, ['awaiting_approval']);
    expect(waiting.plan?.add).toBe(1);
    expect(h.executor.calls).toEqual([`plan:${d.id}`]);
    expect((await h.store.getLock(d.stackKey))?.deploymentId).toBe(d.id);
    await h.orch.approve(d.id, { comment: 'lgtm' }, { id: 'alice', canApprove: true });
    const done = await waitFor(h.orch, d.id);
    expect(done.status).toBe('completed');
    expect(done.approval).toMatchObject({ decision: 'approved', by: 'alice', comment: 'lgtm' });
    // one plan, one apply of that plan: no second planning pass after approval
    expect(h.executor.calls).toEqual([`plan:${d.id}`, `apply:${d.id}`]);
  });

  it('an approver may auto-approve production; others may not', async () => {
    h = await harness();
    const byApprover = await h.orch.deploy(deployInput({ resources: [res('a')] }, { environment: 'prod' }), { id: 'ops', canApprove: true });
    expect((await waitFor(h.orch, byApprover.id)).status).toBe('completed');
    const byDeployer = await h.orch.deploy(deployInput({ resources: [res('b')] }, { environment: 'prod', blueprintId: 'other' }), { id: 'dev', canApprove: false });
    await waitFor(h.orch, byDeployer.id, ['awaiting_approval']);
    await expect(h.orch.approve(byDeployer.id, {}, { id: 'dev', canApprove: false })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('dev and staging honour autoApprove=false by waiting for approval', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('a')] }, { environment: 'staging', options: { autoApprove: false } }));
    expect((await waitFor(h.orch, d.id, ['awaiting_approval'])).status).toBe('awaiting_approval');
  });

  it('reject ends the deployment cancelled, applies nothing and frees the stack', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('a')] }, { environment: 'production' }));
    await waitFor(h.orch, d.id, ['awaiting_approval']);
    await h.orch.reject(d.id, { comment: 'not today' }, { id: 'bob', canApprove: true });
    const done = await waitFor(h.orch, d.id);
    expect(done).toMatchObject({ status: 'cancelled', error: 'Plan rejected by bob: not today' });
    expect(h.executor.world.size).toBe(0);
    expect(await unlocked(h.store, d.stackKey)).toBeNull();
    await expect(h.orch.approve(d.id)).rejects.toBeInstanceOf(InvalidStateError);
  });

  it('approval fails when the stack moved underneath the plan (invariant 3)', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('a')] }, { environment: 'production' }));
    await waitFor(h.orch, d.id, ['awaiting_approval']);
    // An admin force-unlocks and another change lands on the stack meanwhile.
    await h.orch.unlockState(d.id, { force: true });
    // Let the waiting run notice the lost lease (renewal every ttl/3): it must stay approvable.
    await new Promise((r) => setTimeout(r, 900));
    expect((await h.orch.get(d.id)).status).toBe('awaiting_approval');
    const other = await h.orch.deploy(deployInput({ resources: [res('z')] }, { environment: 'production' }), { id: 'ops', canApprove: true });
    expect((await waitFor(h.orch, other.id)).stateVersion).toBe(1);
    await h.orch.approve(d.id);
    const done = await waitFor(h.orch, d.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/moved from version 0 to 1 since this plan was made/);
    expect(h.executor.world.has('a')).toBe(false);
  });

  it('a plan made by one orchestrator is approved and applied by another sharing the store', async () => {
    h = await harness();
    const exB = new ScriptedExecutor();
    const b = new Orchestrator({ store: h.store as MemoryStateStore, executors: [exB], workDir: h.workDir, lockTtlMs: 2000, cancelPollMs: 50 });
    try {
      const d = await h.orch.deploy(deployInput({ resources: [res('a')] }, { environment: 'production' }));
      await waitFor(h.orch, d.id, ['awaiting_approval']);
      await b.approve(d.id, {}, { id: 'carol', canApprove: true });
      const done = await waitFor(b, d.id);
      expect(done.status, done.error ?? '').toBe('completed');
      expect(exB.calls).toEqual([`apply:${d.id}`]);
      expect(h.executor.calls).toEqual([`plan:${d.id}`]);
      expect(await unlocked(h.store, d.stackKey)).toBeNull();
    } finally {
      await b.close(1000);
    }
  });
});
