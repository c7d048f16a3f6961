import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStateStore, Orchestrator, groupMemberId, type Deployment, type DeploymentGroupInput } from '../../src/index.js';
import { deployInput, harness, res, type Harness } from './helpers.js';

/**
 * A deployment group whose creation failed part-way (a store error or a crash before its first target,
 * stored last, was written): the caller got an error and the group cannot be found, so none of its
 * members may ever run, whatever the group's order (found by a security review: a parallel group's
 * members were started by the next recover()).
 */
class FlakyStore extends MemoryStateStore {
  /** Fail the write of a group's first target once. */
  failFirstTarget = true;
  /** After that failure, fail every deployment write (the process is as good as dead). */
  crashAfter = false;
  down = false;
  override async putDeployment(d: Deployment): Promise<void> {
    if (this.down) throw new Error('store unavailable');
    if (this.failFirstTarget && d.group?.index === 0) {
      this.failFirstTarget = false;
      this.down = this.crashAfter;
      throw new Error('store unavailable');
    }
    return super.putDeployment(d);
  }
  override async replaceDeployment(d: Deployment, revision: number): Promise<boolean> {
    if (this.down) throw new Error('store unavailable');
    return super.replaceDeployment(d, revision);
  }
}

const groupInput = (order: 'parallel' | 'canary'): DeploymentGroupInput => {
  const { options, ...base } = deployInput({ resources: [res('web')] });
  const targets = [
    { name: 'eu', region: 'eu-west-1' },
    { name: 'us', region: 'us-east-1' },
    { name: 'ap', region: 'ap-south-1' },
  ];
  return { ...base, options, order, targets } as DeploymentGroupInput;
};

let h: Harness | undefined;
let first: Orchestrator | undefined;
afterEach(async () => {
  await first?.close(0);
  await h?.dispose();
  first = h = undefined;
});

/** Runs deployGroup on a store that fails part-way; returns the members that reached the store. */
async function failedCreation(store: FlakyStore, order: 'parallel' | 'canary'): Promise<Deployment[]> {
  first = new Orchestrator({ store, executors: [], runner: false, instanceId: 'host:1:same' });
  first.registerExecutor((await harness()).executor); // validation only: this orchestrator runs nothing
  await expect(first.deployGroup(groupInput(order))).rejects.toThrow(/store unavailable/);
  store.down = false;
  const stored = (await store.listDeployments({ limit: 100 })).items;
  expect(stored.map((d) => d.group?.index).sort()).toEqual([1, 2]); // stored last-first: the first target is missing
  await expect(first.getGroup(stored[0]!.group!.id)).rejects.toThrow(/not found/);
  return stored;
}

describe.each(['parallel', 'canary'] as const)('a %s group whose creation failed part-way', (order) => {
  it('ends the members already stored at once, and recovery never deploys them', async () => {
    const store = new FlakyStore();
    const stored = await failedCreation(store, order);
    for (const d of stored) {
      expect(await store.getDeployment(d.id)).toMatchObject({ status: 'cancelled', error: expect.stringMatching(/was not completely created/), startedAt: null });
    }
    // The process restarts (same instance id, as a pod with a stable id) and recovers.
    h = await harness({ store: store as never, instanceId: 'host:1:same' });
    const r = await h.orch.recover();
    expect(r.requeued).toEqual([]);
    expect(h.executor.calls).toEqual([]);
  });

  it('after a crash mid-creation: a restart does not start the members, and ends them once the creation cannot be under way', async () => {
    const store = new FlakyStore();
    store.crashAfter = true; // the best-effort cleanup fails too: the members stay pending
    const stored = await failedCreation(store, order);
    for (const d of stored) expect((await store.getDeployment(d.id))!.status).toBe('pending');

    h = await harness({ store: store as never, instanceId: 'host:1:same' });
    // Right after the crash a creation might still be under way in another process: nothing is ended,
    // and nothing is started either (planMayStart refuses a member whose group has no first target).
    const soon = await h.orch.recover();
    expect(soon.requeued).toEqual([]);
    for (const d of stored) expect((await store.getDeployment(d.id))!.status).toBe('pending');

    // Later (the members are older than lockTtlMs): recovery ends them, as no creation can still be running.
    const longAgo = new Date(Date.now() - 3_600_000).toISOString();
    for (const d of stored) await store.putDeployment({ ...(await store.getDeployment(d.id))!, createdAt: longAgo });
    const later = await h.orch.recover();
    expect(later.requeued).toEqual([]);
    for (const d of stored) {
      expect(await store.getDeployment(d.id)).toMatchObject({ status: 'cancelled', error: `Not deployed: deployment group ${d.group!.id} was not completely created (its creation failed part-way)` });
      expect(d.id).toBe(groupMemberId(d.group!.id, d.group!.index));
    }
    expect(h.executor.calls).toEqual([]);
    const audit = (await store.listAudit({ limit: 100 })).filter((a) => a.action === 'deployment.cancel');
    expect(audit.map((a) => a.deploymentId).sort()).toEqual(stored.map((d) => d.id).sort());
  });
});
