import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStateStore, StoreUnavailableError, type StateStore } from '../../src/index.js';
import { deployInput, harness, res, waitFor, type Harness } from './helpers.js';

/** A real MemoryStateStore behind a switch that makes every call fail as an unreachable store does. */
function switchable(inner: MemoryStateStore): { store: StateStore; setDown(down: boolean): void } {
  let down = false;
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function' || prop === 'capabilities') return v;
      return (...args: unknown[]) => (down ? Promise.reject(new StoreUnavailableError('connect ECONNREFUSED 127.0.0.1:6379')) : v.apply(target, args));
    },
  });
  return { store, setDown: (d) => (down = d) };
}

let h: Harness;
afterEach(async () => h?.dispose());

describe('the store unreachable when the apply ends', () => {
  it('keeps the state on local disk, acknowledges nothing, and writes it once the store is back', async () => {
    const inner = new MemoryStateStore();
    const { store, setDown } = switchable(inner);
    h = await harness({ store: store as MemoryStateStore, lockTtlMs: 300 });
    const d = await h.orch.deploy(deployInput({ resources: [res('a'), res('b', 'v', { sleepMs: 200 })] }));
    await new Promise<void>((resolve) => h.orch.on('resource', (e) => e.id === 'b' && e.status === 'creating' && resolve()));
    setDown(true);
    // The run cannot store anything now; wait until it has given up on its own.
    await new Promise<void>((resolve) => {
      const t = setInterval(() => h.orch.activeRuns().length === 0 && (clearInterval(t), resolve()), 20);
    });
    const spool = join(h.workDir, 'unsaved-state');
    expect(await readdir(spool)).toEqual([`${d.id}.json`]);
    setDown(false);
    expect(await inner.getStateVersion(d.stackKey)).toBeNull(); // nothing was acknowledged as stored
    expect((await inner.getDeployment(d.id))?.status).not.toBe('completed');
    await new Promise((r) => setTimeout(r, 400)); // the dead run's lease lapses
    await h.orch.recover();
    const v = await inner.getStateVersion(d.stackKey);
    expect(v?.version).toBe(1);
    expect(v?.resources.map((r) => r.id)).toEqual(['a', 'b']);
    expect(await readdir(spool)).toEqual([]);
    const after = await waitFor(h.orch, d.id);
    expect(after.status).toBe('failed');
    expect(after.stateVersion).toBe(1);
  });
});
