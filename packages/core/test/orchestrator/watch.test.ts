import { afterEach, describe, expect, it } from 'vitest';
import { InvalidStateError, Orchestrator, TimeoutError, type DeploymentEvent } from '../../src/index.js';
import { ScriptedExecutor } from '../../src/testing/index.js';
import { deployInput, harness, res, type Harness } from './helpers.js';

let h: Harness;
afterEach(async () => h?.dispose());

async function collect(events: AsyncIterable<DeploymentEvent>, onEvent?: (e: DeploymentEvent) => Promise<void>): Promise<DeploymentEvent[]> {
  const all: DeploymentEvent[] = [];
  for await (const e of events) {
    all.push(e);
    await onEvent?.(e);
  }
  return all;
}

describe('watch(id)', () => {
  it('starts with the current record, numbers every event in order, and ends after the terminal status', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('web', 'v1', { sleepMs: 50 }), res('db')], outputs: { url: 'x' } }, { environment: 'production' }));
    const events = await collect(h.orch.watch(d.id), async (e) => {
      if (e.type === 'status' && e.status === 'awaiting_approval') await h.orch.approve(d.id, {}, { id: 'alice', canApprove: true });
    });
    expect(events[0]).toMatchObject({ seq: 0, type: 'status', status: 'pending', previous: null, deployment: { id: d.id } });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    const statuses = events.filter((e) => e.type === 'status').map((e) => e.status);
    expect(statuses).toEqual(['pending', 'planning', 'awaiting_approval', 'applying', 'completed']);
    const kinds = new Set(events.map((e) => e.type));
    expect([...kinds].sort()).toEqual(['log', 'resource', 'stateVersion', 'status']);
    expect(events.filter((e) => e.type === 'resource').map((e) => e.type === 'resource' && `${e.id}:${e.status}`)).toEqual(expect.arrayContaining(['web:created', 'db:created']));
    expect(events.at(-1)).toMatchObject({ type: 'status', status: 'completed', previous: 'applying' });
    // every event belongs to this deployment
    expect(events.every((e) => e.deploymentId === d.id)).toBe(true);
  });

  it('of a finished deployment yields its record once and ends', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('a')] }));
    await h.orch.waitFor(d.id, 'completed');
    const events = await collect(h.orch.watch(d.id));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ seq: 0, type: 'status', status: 'completed', previous: null });
  });

  it('ends when its signal aborts, and lets go of its listeners', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('a')] }, { environment: 'production' }));
    await h.orch.waitFor(d.id, 'awaiting_approval');
    const before = h.orch.listenerCount('status');
    const stop = new AbortController();
    const events = await collect(h.orch.watch(d.id, { signal: stop.signal }), async () => stop.abort());
    expect(events).toHaveLength(1);
    expect(h.orch.listenerCount('status')).toBe(before);
  });

  it('follows a deployment run by another process on the same store (status read from the store)', async () => {
    h = await harness();
    const elsewhere = new Orchestrator({ store: h.store, executors: [new ScriptedExecutor()], workDir: h.workDir });
    try {
      const d = await h.orch.deploy(deployInput({ resources: [res('a', 'v1', { sleepMs: 200 })] }));
      const done = await elsewhere.waitFor(d.id, ['completed'], { pollMs: 50, timeoutMs: 30_000 });
      expect(done.status).toBe('completed');
    } finally {
      await elsewhere.close(1000);
    }
  });
});

describe('waitFor(id, statuses)', () => {
  it('right after deploy() returns `pending`, waits for the plan so approve() succeeds (the README flow)', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('web')] }, { environment: 'production' }));
    expect(d.status).toBe('pending');
    const waiting = await h.orch.waitFor(d.id, 'awaiting_approval', { timeoutMs: 30_000 });
    expect(waiting.plan?.add).toBe(1);
    await h.orch.approve(d.id, { comment: 'lgtm' }, { id: 'alice', canApprove: true });
    const done = await h.orch.waitFor(d.id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
  });

  it('rejects with InvalidStateError naming the end status and its error when the deployment ends otherwise', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('a')], planError: 'bad code' }));
    const err = await h.orch.waitFor(d.id, 'awaiting_approval').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidStateError);
    expect((err as Error).message).toMatch(/ended failed while waiting for awaiting_approval: .*bad code/);
  });

  it('rejects with TimeoutError after timeoutMs, and with the signal reason when aborted', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('a')] }, { environment: 'production' }));
    await expect(h.orch.waitFor(d.id, 'completed', { timeoutMs: 300 })).rejects.toBeInstanceOf(TimeoutError);
    const stop = new AbortController();
    const reason = new Error('caller gave up');
    const waiting = h.orch.waitFor(d.id, 'completed', { signal: stop.signal });
    stop.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });
});
