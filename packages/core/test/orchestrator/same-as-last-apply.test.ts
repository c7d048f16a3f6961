import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStateStore, type ExecutorContext, type PlanAndApplyProgress, type PlanAndApplyResult } from '../../src/index.js';
import { ScriptedExecutor } from '../../src/testing/index.js';
import { deployInput, harness, res, waitFor, type Harness } from './helpers.js';

/** Plans and applies in one call (the path that is told), recording what each run was told about the stack's last apply. */
class HintedExecutor extends ScriptedExecutor {
  readonly hints: Array<boolean | undefined> = [];
  async planAndApply(ctx: ExecutorContext, progress: PlanAndApplyProgress): Promise<PlanAndApplyResult> {
    this.hints.push(ctx.sameAsLastApply);
    const plan = await this.plan(ctx);
    progress.planned(plan.summary);
    if (!plan.summary.hasChanges) return { outcome: 'succeeded', state: null, plan: plan.summary, changesBegan: false };
    progress.applying();
    return { ...(await this.apply(ctx, plan)), plan: plan.summary, changesBegan: true };
  }
}

let hs: Harness[] = [];
afterEach(async () => {
  for (const h of hs) await h.dispose();
  hs = [];
});

const code = { resources: [res('a'), res('b')] };
const opts = (vars: Record<string, unknown>, over: Record<string, unknown> = {}) => ({ options: { variables: vars, sensitiveVariables: ['pw'], ...over } });

describe('ExecutorContext.sameAsLastApply (a redeploy of an unchanged stack, told from the store)', () => {
  it('is true only onto the state a completed apply of the same code, variables, secrets and executor options left', async () => {
    const executor = new HintedExecutor();
    const h = await harness({ executors: [executor] });
    hs.push(h);
    const deploy = async (c: typeof code, o: ReturnType<typeof opts>) => {
      const d = await waitFor(h.orch, (await h.orch.deploy(deployInput(c, o))).id);
      expect(d.status).toBe('completed');
      return executor.hints.at(-1);
    };
    const base = { a: 1, pw: 'secret-1' };
    expect(await deploy(code, opts(base))).toBeUndefined(); // a new stack: nothing to tell
    expect(await deploy(code, opts({ pw: 'secret-1', a: 1 }))).toBe(true); // same inputs, any key order
    expect(await deploy(code, opts(base))).toBe(true);
    // A dry run of other code in between changes no state: the stack is still what that apply left.
    const dry = await waitFor(h.orch, (await h.orch.deploy(deployInput({ resources: [res('z')] }, opts(base, { dryRun: true })))).id);
    expect(dry.status).toBe('planned');
    expect(await deploy(code, opts(base))).toBe(true);
    expect(await deploy(code, opts({ a: 2, pw: 'secret-1' }))).toBe(false); // another variable
    expect(await deploy(code, opts({ a: 2, pw: 'secret-1' }))).toBe(true);
    expect(await deploy(code, opts({ a: 2, pw: 'secret-2' }))).toBe(false); // another secret value
    expect(await deploy({ resources: [res('a'), res('b', 'v2')] }, opts({ a: 2, pw: 'secret-2' }))).toBe(false); // other code
    expect(await deploy({ resources: [res('a'), res('b', 'v2')] }, opts({ a: 2, pw: 'secret-2' }, { executor: { refresh: false } }))).toBe(false); // executor options
    const last = { resources: [res('a'), res('b', 'v2')] };
    expect(await deploy(last, opts({ a: 2, pw: 'secret-2' }, { executor: { refresh: false } }))).toBe(true);

  });

  it('is known to another runner sharing the store (a fleet), and is false after a failed apply', async () => {
    const store = new MemoryStateStore();
    const one = new HintedExecutor();
    const two = new HintedExecutor();
    const a = await harness({ store, executors: [one] });
    const b = await harness({ store, executors: [two] });
    hs.push(a, b);
    const first = await waitFor(a.orch, (await a.orch.deploy(deployInput(code, opts({ pw: 'x' })))).id);
    expect(first.status).toBe('completed');
    const again = await waitFor(b.orch, (await b.orch.deploy(deployInput(code, opts({ pw: 'x' })))).id);
    expect(again.status).toBe('completed');
    expect(two.hints).toEqual([true]);

    const failing = { resources: [res('a'), res('c', 'v1', { fail: true })] };
    expect((await waitFor(a.orch, (await a.orch.deploy(deployInput(failing, opts({ pw: 'x' })))).id)).status).toBe('failed');
    await waitFor(b.orch, (await b.orch.deploy(deployInput(failing, opts({ pw: 'x' })))).id);
    expect(two.hints.at(-1)).toBe(false);
  });
});
