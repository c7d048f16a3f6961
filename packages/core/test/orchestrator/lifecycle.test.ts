import { afterEach, describe, expect, it } from 'vitest';
import { deployInput, harness, res, waitFor, unlocked, type Harness } from './helpers.js';
import type { DeploymentStatus, ExecutorContext } from '../../src/index.js';
import { ScriptedExecutor } from '../../src/testing/index.js';

let h: Harness;
afterEach(async () => h?.dispose());

describe('Orchestrator lifecycle', () => {
  it('runs pending → planning → applying → completed and saves a state version', async () => {
    h = await harness();
    const seen: DeploymentStatus[] = [];
    h.orch.on('status', (e) => seen.push(e.status));
    const resources: string[] = [];
    h.orch.on('resource', (e) => resources.push(`${e.id}:${e.status}`));
    const d = await h.orch.deploy(deployInput({ resources: [res('a'), res('b')], outputs: { ip: '10.0.1.5' } }));
    expect(d.status).toBe('pending');
    const done = await waitFor(h.orch, d.id);
    expect(done.status).toBe('completed');
    expect(seen).toEqual(['pending', 'planning', 'applying', 'completed']);
    expect(resources).toEqual(['a:creating', 'a:created', 'b:creating', 'b:created']);
    expect(done.stateVersion).toBe(1);
    expect(done.outputs).toEqual({ ip: '10.0.1.5' });
    expect(done.plan).toMatchObject({ add: 2, change: 0, destroy: 0, hasChanges: true });
    const state = await h.orch.getState(d.id);
    expect(state).toMatchObject({ version: 1, locked: false });
    expect(state.resources.map((r) => r.id)).toEqual(['a', 'b']);
    const logs = await h.orch.logs(d.id);
    expect(logs.entries.some((e) => e.message.includes('Saved state version 1'))).toBe(true);
    expect(await unlocked(h.store, d.stackKey)).toBeNull();
  });

  it('a second deploy of the same code completes without changes and without a new version', async () => {
    h = await harness();
    const input = deployInput({ resources: [res('a')] });
    await waitFor(h.orch, (await h.orch.deploy(input)).id);
    const again = await waitFor(h.orch, (await h.orch.deploy(input)).id);
    expect(again.status).toBe('completed');
    expect(again.plan?.hasChanges).toBe(false);
    expect(again.stateVersion).toBe(1);
    expect(h.executor.calls.filter((c) => c.startsWith('apply'))).toHaveLength(1);
  });

  it('dryRun stops at planned and applies nothing', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('a')] }, { options: { dryRun: true } }));
    const done = await waitFor(h.orch, d.id);
    expect(done.status).toBe('planned');
    expect(done.plan?.add).toBe(1);
    expect(h.executor.world.size).toBe(0);
    expect(await h.store.getStateVersion(d.stackKey)).toBeNull();
    expect(await h.store.getPlan(d.id)).toBeNull();
  });

  it('a failed plan fails the deployment with the executor message and releases the lock', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [], planError: 'Error: Unsupported argument' }));
    const done = await waitFor(h.orch, d.id);
    expect(done).toMatchObject({ status: 'failed', error: 'Error: Unsupported argument' });
    expect(await unlocked(h.store, d.stackKey)).toBeNull();
  });

  it('a partial failure saves exactly what was created (invariant 1) and the next run does not recreate it', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('a'), res('b', 'v1', { fail: true }), res('c')] }));
    const failed = await waitFor(h.orch, d.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('b could not be created');
    expect(failed.stateVersion).toBe(1);
    const v1 = await h.store.getStateVersion(d.stackKey, 1);
    expect(v1?.reason).toBe('partial');
    expect(v1?.resources.map((r) => r.id)).toEqual(['a']);
    const fixed = await waitFor(h.orch, (await h.orch.deploy(deployInput({ resources: [res('a'), res('b'), res('c')] }))).id);
    expect(fixed.status).toBe('completed');
    expect(fixed.plan?.resources.map((r) => `${r.id}:${r.action}`)).toEqual(['b:create', 'c:create']);
  });

  it('destroy plans the removal of everything and records deleted resources', async () => {
    h = await harness();
    const d = await waitFor(h.orch, (await h.orch.deploy(deployInput({ resources: [res('a'), res('b')] }))).id);
    const x = await h.orch.destroy(d.id, { autoApprove: true });
    const done = await waitFor(h.orch, x.id);
    expect(done).toMatchObject({ status: 'completed', operation: 'destroy', stateVersion: 2 });
    expect(done.resources.map((r) => `${r.id}:${r.status}`).sort()).toEqual(['a:deleted', 'b:deleted']);
    expect(h.executor.world.size).toBe(0);
    expect((await h.store.getStateVersion(d.stackKey))?.reason).toBe('destroyed');
  });

  it('drift detection reports resources changed outside the tool', async () => {
    h = await harness();
    const d = await waitFor(h.orch, (await h.orch.deploy(deployInput({ resources: [res('a'), res('b')] }))).id);
    h.executor.world.set('b', 'changed-by-hand');
    const drift = await waitFor(h.orch, (await h.orch.detectDrift(d.id)).id);
    expect(drift.status).toBe('completed');
    expect(drift.drift).toMatchObject({ drifted: true, resources: [{ id: 'b', change: 'modified' }] });
  });

  it('queues beyond the concurrency limit in pending', async () => {
    h = await harness({ concurrency: 1 });
    const a = await h.orch.deploy(deployInput({ resources: [res('a', 'v', { sleepMs: 300 })] }, { blueprintId: 'one' }));
    const b = await h.orch.deploy(deployInput({ resources: [res('b')] }, { blueprintId: 'two' }));
    await waitFor(h.orch, a.id, ['applying']);
    expect((await h.orch.get(b.id)).status).toBe('pending');
    expect((await waitFor(h.orch, b.id)).status).toBe('completed');
  });
});

describe('deployment logs', () => {
  it('stores every line a chatty tool prints, in order, readable by cursor', async () => {
    class Chatty extends ScriptedExecutor {
      override async plan(ctx: ExecutorContext) {
        for (let i = 0; i < 500; i++) ctx.emit({ type: 'log', level: 'info', message: `line ${i}` });
        return super.plan(ctx);
      }
    }
    h = await harness({ executors: [new Chatty()] });
    const d = await waitFor(h.orch, (await h.orch.deploy(deployInput({ resources: [res('a')] }))).id);
    const lines: string[] = [];
    let cursor = 0;
    for (;;) {
      const page = await h.orch.logs(d.id, { cursor, limit: 120 });
      if (page.entries.length === 0) break;
      lines.push(...page.entries.map((e) => e.message));
      cursor = page.nextCursor;
    }
    const numbered = lines.filter((l) => /^line \d+$/.test(l));
    expect(numbered).toEqual(Array.from({ length: 500 }, (_, i) => `line ${i}`));
    expect(lines.at(-1)).toMatch(/Saved state version 1/);
  });
});
