import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidStateError, Orchestrator, type Deployment } from '../../src/index.js';
import { deployInput, harness, res, waitFor, type Harness } from './helpers.js';

let h: Harness;
afterEach(async () => h?.dispose());

const prod = (blueprintId: string, value: string) => deployInput({ resources: [res('web', value)] }, { environment: 'production', blueprintId });

describe('phases as jobs: waiting costs nothing', () => {
  it('with one runner slot, 4 production plans awaiting approval do not delay an unrelated dev deployment; approving one applies exactly its stored plan', async () => {
    h = await harness({ concurrency: 1 });
    const waiting: Deployment[] = [];
    for (let i = 0; i < 4; i++) waiting.push(await h.orch.deploy(prod(`shop-${i}`, `v${i}`)));
    for (const d of waiting) await waitFor(h.orch, d.id, ['awaiting_approval']);
    // Nothing is held for them: no job runs, yet each stack stays locked by its deployment.
    expect(h.orch.activeRuns()).toEqual([]);
    for (const d of waiting) expect((await h.store.getLock(d.stackKey))?.deploymentId).toBe(d.id);

    const dev = await h.orch.deploy(deployInput({ resources: [res('api')] }, { blueprintId: 'unrelated' }));
    const devDone = await waitFor(h.orch, dev.id, undefined, 10_000);
    expect(devDone.status).toBe('completed');
    for (const d of waiting) expect((await h.orch.get(d.id)).status).toBe('awaiting_approval');

    // The code of shop-2 changes after its plan was shown: approval must apply the plan that was shown.
    const chosen = waiting[2];
    const stored = await h.store.getPlan(chosen.id);
    const approved = await h.orch.approve(chosen.id, { comment: 'ship it' }, { id: 'alice', canApprove: true });
    expect(approved.status).toBe('applying');
    expect(approved.approval).toMatchObject({ decision: 'approved', by: 'alice' });
    const done = await waitFor(h.orch, chosen.id);
    expect(done.status).toBe('completed');
    expect(h.executor.calls.filter((c) => c.endsWith(chosen.id))).toEqual([`plan:${chosen.id}`, `apply:${chosen.id}`]);
    expect(done.plan).toEqual(stored?.summary);
    expect(h.executor.world.get('web')).toBe('v2');
    for (const d of waiting.filter((w) => w !== chosen)) expect((await h.orch.get(d.id)).status).toBe('awaiting_approval');
  });
});

describe('per-stack order', () => {
  it('runs the deployments of one stack one at a time in arrival order, without holding a slot while they wait', async () => {
    h = await harness({ concurrency: 2 });
    const first = await h.orch.deploy(prod('shop', 'v1'));
    await waitFor(h.orch, first.id, ['awaiting_approval']);
    const queued: Deployment[] = [];
    for (let i = 2; i <= 4; i++) queued.push(await h.orch.deploy(deployInput({ resources: [res('web', `v${i}`)] }, { environment: 'production', blueprintId: 'shop' }), { id: 'ops', canApprove: true }));
    // Each found the stack held and let go of its job: an unrelated deployment still gets a slot at once.
    const other = await waitFor(h.orch, (await h.orch.deploy(deployInput({ resources: [res('x')] }, { blueprintId: 'other' }))).id);
    expect(other.status).toBe('completed');
    expect((await Promise.all(queued.map((d) => h.orch.get(d.id)))).map((d) => [d.status, d.queuePosition])).toEqual([
      ['pending', 1],
      ['pending', 2],
      ['pending', 3],
    ]);
    expect((await h.orch.get(first.id)).queuePosition).toBeUndefined();

    const order: string[] = [];
    h.orch.on('status', (e) => e.status === 'planning' && order.push(e.deploymentId));
    await h.orch.approve(first.id, {}, { id: 'alice', canApprove: true });
    const done = await Promise.all(queued.map((d) => waitFor(h.orch, d.id)));
    expect(done.map((d) => d.status)).toEqual(['completed', 'completed', 'completed']);
    expect(order).toEqual(queued.map((d) => d.id));
    expect(done.map((d) => d.stateVersion)).toEqual([2, 3, 4]);
    expect(h.executor.world.get('web')).toBe('v4');
  });

  it('a cancelled deployment leaves the line and the next one moves up', async () => {
    h = await harness();
    const first = await h.orch.deploy(prod('shop', 'v1'));
    await waitFor(h.orch, first.id, ['awaiting_approval']);
    const second = await h.orch.deploy(prod('shop', 'v2'));
    const third = await h.orch.deploy(prod('shop', 'v3'));
    await expect.poll(async () => (await h.orch.get(third.id)).queuePosition).toBe(2);
    expect((await h.orch.cancel(second.id)).status).toBe('cancelled');
    expect((await h.orch.get(third.id)).queuePosition).toBe(1);
    // Rejecting the head lets the next one plan; reject answers with the record after the change.
    const rejected = await h.orch.reject(first.id, { comment: 'no' }, { id: 'bob', canApprove: true });
    expect(rejected).toMatchObject({ status: 'cancelled', error: 'Plan rejected by bob: no' });
    expect((await waitFor(h.orch, third.id, ['awaiting_approval'])).queuePosition).toBeUndefined();
    expect(h.executor.calls).not.toContain(`plan:${second.id}`);
  });
});

describe('terminal is final', () => {
  it('the resurrection race: a deployment failed by another process is never planned, applied or completed afterwards', async () => {
    // A: the orchestrator that accepted the deployment, its only runner slot busy with another stack. B: a
    // peer on the same store whose recovery judged the queued deployment abandoned and failed it (what
    // today's recovery did to deployments queued for a slot longer than lockWaitMs + 2 leases).
    h = await harness({ concurrency: 1 });
    const busy = await h.orch.deploy(deployInput({ resources: [res('slow', 'v', { sleepMs: 400 })] }, { blueprintId: 'busy' }));
    const d = await h.orch.deploy(deployInput({ resources: [res('a')] }, { blueprintId: 'victim' }));
    const queued = (await h.store.getDeployment(d.id))!;
    expect(queued.status).toBe('pending');
    const failedByB = { ...queued, status: 'failed' as const, error: 'Deployment interrupted: the process running it stopped', completedAt: new Date().toISOString(), revision: queued.revision + 1 };
    expect(await h.store.replaceDeployment(failedByB, queued.revision)).toBe(true);
    const seen: string[] = [];
    h.orch.on('status', (e) => e.deploymentId === d.id && seen.push(e.status));
    await waitFor(h.orch, busy.id);
    await new Promise((r) => setTimeout(r, 300));
    expect((await h.orch.get(d.id)).status).toBe('failed');
    expect(seen).toEqual([]);
    expect(h.executor.calls).not.toContain(`plan:${d.id}`);
    // And no write of any status may move it: the store itself refuses (invariant 8).
    const stored = (await h.store.getDeployment(d.id))!;
    await expect(h.store.replaceDeployment({ ...stored, status: 'planning', revision: stored.revision + 1 }, stored.revision)).rejects.toBeInstanceOf(InvalidStateError);
  });
});

describe('issue 13 fixes in the run flow', () => {
  it('getState() right after the completed event shows the stack unlocked', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('a')] }));
    const locked = await new Promise<boolean>((resolve) => {
      h.orch.on('status', (e) => {
        if (e.deploymentId === d.id && e.status === 'completed') void h.orch.getState(d.id).then((s) => resolve(s.locked));
      });
    });
    expect(locked).toBe(false);
  });

  it('recover() enqueues a pending deployment left by a dead process, and it runs', async () => {
    h = await harness();
    // What a process killed right after accepting a deployment leaves: a pending record, its job lost.
    const template = await waitFor(h.orch, (await h.orch.deploy(deployInput({ resources: [res('a')] }, { options: { dryRun: true } }))).id);
    const orphan: Deployment = { ...template, id: 'orphan-1', status: 'pending', options: { ...template.options, dryRun: false }, plan: null, approval: { decision: 'approved', by: null, at: template.createdAt, comment: 'auto-approved' }, owner: `${hostname()}:999999:dead`, completedAt: null, startedAt: null, revision: 0 };
    await h.store.putDeployment(orphan);
    const { requeued, recovered } = await h.orch.recover();
    expect(requeued).toEqual(['orphan-1']);
    expect(recovered).toEqual([]);
    expect(await waitFor(h.orch, 'orphan-1')).toMatchObject({ status: 'completed', stateVersion: 1 });
  });
});

describe('a runner shutting down', () => {
  it('stops taking jobs and lets a running apply finish within the grace; what it had not started stays pending for the next runner', async () => {
    h = await harness({ concurrency: 1 });
    const running = await h.orch.deploy(deployInput({ resources: [res('slow', 'v', { sleepMs: 600 })] }, { blueprintId: 'running' }));
    const waiting = await h.orch.deploy(deployInput({ resources: [res('later')] }, { blueprintId: 'waiting' }));
    await waitFor(h.orch, running.id, ['applying']);
    await h.orch.close(10_000);
    expect(await h.store.getDeployment(running.id)).toMatchObject({ status: 'completed', stateVersion: 1 });
    expect((await h.store.getDeployment(waiting.id))?.status).toBe('pending');
    expect(h.executor.calls).not.toContain(`plan:${waiting.id}`);
    // The next life of the process picks it up: its job was lost with the in-process queue, recover()
    // enqueues it again. (Same instance id: in one test process a pid cannot be seen to die.)
    const next = new Orchestrator({ store: h.store, executors: [h.executor], workDir: h.workDir, lockTtlMs: 2000, instanceId: h.orch.options.instanceId });
    try {
      expect((await next.recover()).requeued).toEqual([waiting.id]);
      expect((await waitFor(next, waiting.id)).status).toBe('completed');
    } finally {
      await next.close(1000);
    }
  });
});
