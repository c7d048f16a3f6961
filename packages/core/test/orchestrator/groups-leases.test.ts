import { afterEach, describe, expect, it } from 'vitest';
import { StateLockedError, type ApplyResult, type DeploymentGroupInput, type ExecutorContext, type PlanResult } from '../../src/index.js';
import { ScriptedExecutor } from '../../src/testing/index.js';
import { deployInput, harness, res, waitFor, type Harness } from './helpers.js';

/** The scripted executor, whose apply of the target named waits until the test opens the gate. */
class GatedExecutor extends ScriptedExecutor {
  private open!: () => void;
  readonly gate = new Promise<void>((resolve) => (this.open = resolve));
  entered = false;
  constructor(private readonly target: string) {
    super();
  }
  release(): void {
    this.open();
  }
  override async apply(ctx: ExecutorContext, plan: PlanResult): Promise<ApplyResult> {
    if (ctx.stack.target === this.target) {
      this.entered = true;
      await this.gate;
    }
    return super.apply(ctx, plan);
  }
}

const groupInput = (): DeploymentGroupInput => {
  const { options, ...base } = deployInput({ resources: [res('web')] }, { environment: 'production' });
  return { ...base, options, order: 'canary', targets: [{ name: 'eu', region: 'eu-west-1' }, { name: 'us', region: 'us-east-1' }] } as DeploymentGroupInput;
};

let h: Harness | undefined;
let executor: GatedExecutor | undefined;
afterEach(async () => {
  executor?.release();
  await h?.dispose();
  h = executor = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the lock of a canary group’s later target, between the group approval and its apply', () => {
  it('outlives its plan-time lease while the first target applies: no other writer can take the stack', async () => {
    executor = new GatedExecutor('eu');
    // Short leases so the plan-time lease (approvalTimeoutMs + lockTtlMs) lapses within the test.
    h = await harness({ executors: [executor], lockTtlMs: 1000, approvalTimeoutMs: 1500 });
    const g = await h.orch.deployGroup(groupInput());
    const [first, later] = g.targets.map((t) => t.deploymentId) as [string, string];
    for (const id of [first, later]) await waitFor(h.orch, id, ['awaiting_approval']);
    const follower = await h.orch.get(later);
    const planned = (await h.store.getLock(follower.stackKey))!;
    expect(planned.deploymentId).toBe(later);

    await h.orch.approveGroup(g.id, {}, { id: 'alice', canApprove: true });
    await waitFor(h.orch, first, ['applying']);
    for (; !executor.entered; ) await sleep(20);
    // The first target is still applying (held at the gate) when the follower's plan-time lease has passed.
    for (; Date.now() <= Date.parse(planned.expiresAt) + 100; ) await sleep(50);
    expect((await h.orch.get(first)).status).toBe('applying');
    const held = (await h.store.getLock(follower.stackKey))!;
    expect(held).toMatchObject({ lockId: planned.lockId, token: planned.token, deploymentId: later });
    expect(Date.parse(held.expiresAt)).toBeGreaterThan(Date.parse(planned.expiresAt));
    // Another writer of the target's stack (a new deployment, a manual lock) is refused.
    await expect(h.store.acquireLock({ stackKey: follower.stackKey, operation: 'apply', who: 'intruder', info: 'x', ttlMs: 60_000 })).rejects.toBeInstanceOf(StateLockedError);

    executor.release();
    expect((await waitFor(h.orch, first)).status).toBe('completed');
    const done = await waitFor(h.orch, later);
    expect(done).toMatchObject({ status: 'completed', error: null });
    expect(executor.calls.filter((c) => c.startsWith('apply:'))).toEqual([`apply:${first}`, `apply:${later}`]);
  });

  it('renews only the lock the target holds (fenced): a lock another writer took meanwhile is left as it is', async () => {
    executor = new GatedExecutor('eu');
    h = await harness({ executors: [executor] });
    const g = await h.orch.deployGroup(groupInput());
    const [first, later] = g.targets.map((t) => t.deploymentId) as [string, string];
    for (const id of [first, later]) await waitFor(h.orch, id, ['awaiting_approval']);
    const { stackKey } = await h.orch.get(later);
    // An administrator frees the target's stack and someone else locks it before the group is approved.
    await h.store.forceReleaseLock(stackKey);
    const other = await h.store.acquireLock({ stackKey, operation: 'apply', who: 'someone-else', info: 'manual', ttlMs: 60_000 });
    await h.orch.approveGroup(g.id, {}, { id: 'alice', canApprove: true });
    expect(await h.store.getLock(stackKey)).toMatchObject({ lockId: other.lockId, expiresAt: other.expiresAt, who: 'someone-else' });
    executor.release();
    expect((await waitFor(h.orch, first)).status).toBe('completed');
    // The target's apply finds its stack held by another writer: it never applies over it.
    expect((await waitFor(h.orch, later)).status).toBe('failed');
    expect(executor.calls).not.toContain(`apply:${later}`);
    expect(await h.store.getLock(stackKey)).toMatchObject({ lockId: other.lockId });
  });
});
