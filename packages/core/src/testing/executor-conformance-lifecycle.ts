import assert from 'node:assert/strict';
import { MASK } from '@iac-orchestrator/core';
import type { PlanSummary } from '@iac-orchestrator/core';
import {
  assertCreatingBeforeCreated,
  assertJsonValue,
  assertNothingForgotten,
  assertResourceEvents,
  assertSnapshot,
  assertSummary,
} from './executor-conformance-checks.js';
import type { ExecutorConformanceIt, ExecutorFactory } from './executor-conformance-fixtures.js';
import { ConformanceRun, jsonRoundTrip, resourceEvents } from './executor-conformance-harness.js';

/** What the lifecycle steps hand on to each other: one stack taken from nothing to created, updated, destroyed. */
interface Lifecycle {
  run?: ConformanceRun;
  /** The raw state after the last successful step, as the orchestrator would have stored it (JSON). */
  raw?: unknown;
  createdIds?: string[];
  /** Why an earlier step failed: later steps stop instead of testing on a broken stack. */
  broken?: string;
}

/**
 * The create → no-op → update → destroy lifecycle on one stack, one test per step. The steps share one
 * factory call (a real cloud stack cannot be re-created per test cheaply); the last step (or the first
 * failure) closes it. Every apply runs in a FRESH EMPTY work dir with the plan read back from JSON.
 */
export function lifecycleConformance(it: ExecutorConformanceIt, factory: ExecutorFactory): void {
  const lc: Lifecycle = {};

  const step = (name: string, fn: (run: ConformanceRun) => Promise<void>, last = false) =>
    it(`lifecycle: ${name}`, async () => {
      try {
        if (lc.broken) throw new Error(`not run: an earlier lifecycle step failed (${lc.broken})`);
        lc.run ??= await ConformanceRun.open(factory, 'lifecycle');
        await fn(lc.run);
      } catch (e) {
        lc.broken ??= name;
        throw e;
      } finally {
        if ((last || lc.broken) && lc.run) {
          const run = lc.run;
          lc.run = undefined;
          await run.close();
        }
      }
    });

  step('plans `create` (add > 0, JSON artifact), applies it from a fresh work dir and returns resources, outputs and masked secrets', async (run) => {
    const { create } = run.under;
    const { plan, planCtx, applyCtx, result } = await run.deploy({ bundle: create, freshApplyDir: true });
    assertSummary(plan.summary, 'plan of create');
    assert.ok(plan.summary.add > 0, `plan of create: expected add > 0, got ${JSON.stringify(countsOf(plan.summary))}`);
    assert.equal(plan.summary.hasChanges, true, 'plan of create: hasChanges must be true');
    assertJsonValue(plan.artifact, 'plan of create (artifact)');
    assertResourceEvents(planCtx.events, 'plan of create');

    assert.equal(result.outcome, 'succeeded', `apply of create (fresh work dir): outcome ${result.outcome}, error: ${result.error ?? 'none'}`);
    assertSnapshot(result.state, 'apply of create');
    const state = result.state;
    assert.ok(state.resources.length > 0, 'apply of create: the state holds no resources');
    const ids = new Set(state.resources.map((r) => r.id));
    for (const r of plan.summary.resources.filter((x) => x.action === 'create')) {
      assert.ok(ids.has(r.id), `apply of create: planned create of ${r.id} is not in the state (has: ${[...ids].join(', ')})`);
    }
    assertResourceEvents(applyCtx.events, 'apply of create');
    assert.ok(resourceEvents(applyCtx.events).some((e) => e.status === 'created'), 'apply of create: no resource event with status "created"');
    const noProgress = run.under.unsupported?.inProgressEvents;
    if (noProgress) console.warn(`[skipped] creating-before-created check: ${noProgress}`);
    else assertCreatingBeforeCreated(applyCtx.events, 'apply of create');
    assertNothingForgotten(applyCtx.events, state, 'apply of create');
    await assert.doesNotReject(Promise.resolve(run.executor.cleanup?.(applyCtx.ctx, 'completed')), 'cleanup after create must not throw');
    await assert.doesNotReject(Promise.resolve(run.executor.cleanup?.(planCtx.ctx, 'completed')), 'cleanup of the plan work dir must not throw');
    lc.raw = jsonRoundTrip(state.raw);
    lc.createdIds = [...ids];

    const skipped: string[] = [];
    if (create.output) {
      assert.ok(create.output.name in state.outputs, `apply of create: output "${create.output.name}" missing (outputs: ${Object.keys(state.outputs).join(', ') || 'none'})`);
      if (create.output.value !== undefined) assert.deepEqual(state.outputs[create.output.name], create.output.value, `apply of create: output "${create.output.name}"`);
    } else skipped.push(`plain output check: ${run.under.unsupported?.output ?? 'the factory gives no create.output'}`);
    if (create.sensitiveOutput) {
      const { name, value } = create.sensitiveOutput;
      assert.equal(state.outputs[name], MASK, `apply of create: sensitive output "${name}" must be masked with MASK in outputs`);
      assert.ok(applyCtx.secrets.includes(value), `apply of create: the sensitive output "${name}" was not registered with ctx.secret()`);
      assert.ok(!JSON.stringify({ r: state.resources, o: state.outputs }).includes(value), 'apply of create: the sensitive value appears unmasked in resources or outputs');
    } else skipped.push(`sensitive output check: ${run.under.unsupported?.sensitiveOutput ?? 'the factory gives no create.sensitiveOutput'}`);
    if (skipped.length) console.warn(`[skipped] ${skipped.join('; ')}`);
  });

  step('plans `create` again from the returned raw state: no changes', async (run) => {
    const rc = await run.context({ bundle: run.under.create, priorState: lc.raw });
    const plan = await run.executor.plan(rc.ctx);
    assertSummary(plan.summary, 'second plan of create');
    assert.equal(plan.summary.hasChanges, false, `second plan of create: expected no changes, got ${JSON.stringify(countsOf(plan.summary))} ${describe(plan.summary)}`);
    assert.deepEqual(countsOf(plan.summary), { add: 0, change: 0, destroy: 0 }, 'second plan of create');
    await assert.doesNotReject(Promise.resolve(run.executor.cleanup?.(rc.ctx, 'completed')), 'cleanup of an unapplied plan must not throw');
  });

  step('plans `update` as a change (not a create) and applies it', async (run) => {
    const { plan, planCtx, applyCtx, result } = await run.deploy({ bundle: run.under.update, priorState: lc.raw, freshApplyDir: true });
    assertSummary(plan.summary, 'plan of update');
    assert.equal(plan.summary.hasChanges, true, 'plan of update: hasChanges must be true');
    assert.ok(
      plan.summary.resources.some((r) => r.action === 'update' || r.action === 'replace'),
      `plan of update: expected an update or replace, got ${describe(plan.summary)}`,
    );
    const recreated = plan.summary.resources.filter((r) => r.action === 'create' && lc.createdIds?.includes(r.id));
    assert.deepEqual(recreated.map((r) => r.id), [], 'plan of update: resources that exist are planned as creates (the prior state was lost)');
    assert.equal(result.outcome, 'succeeded', `apply of update: outcome ${result.outcome}, error: ${result.error ?? 'none'}`);
    assertSnapshot(result.state, 'apply of update');
    assertResourceEvents(applyCtx.events, 'apply of update');
    assertNothingForgotten(applyCtx.events, result.state, 'apply of update');
    await assert.doesNotReject(Promise.resolve(run.executor.cleanup?.(applyCtx.ctx, 'completed')), 'cleanup after update must not throw');
    await assert.doesNotReject(Promise.resolve(run.executor.cleanup?.(planCtx.ctx, 'completed')), 'cleanup of the plan work dir must not throw');
    lc.raw = jsonRoundTrip(result.state.raw);
  });

  step(
    "destroy (operation 'destroy' with the prior state) plans only deletes and applies them",
    async (run) => {
      const { plan, applyCtx, result } = await run.deploy({ bundle: run.under.update, operation: 'destroy', priorState: lc.raw, freshApplyDir: true });
      assertSummary(plan.summary, 'plan of destroy');
      assert.ok(plan.summary.destroy > 0, `plan of destroy: expected destroy > 0, got ${JSON.stringify(countsOf(plan.summary))}`);
      assert.equal(plan.summary.add, 0, 'plan of destroy: nothing may be added');
      const notDeletes = plan.summary.resources.filter((r) => r.action !== 'delete' && r.action !== 'no-op' && r.action !== 'read');
      assert.deepEqual(notDeletes, [], 'plan of destroy: only deletes expected');
      assertJsonValue(plan.artifact, 'plan of destroy (artifact)');
      assert.equal(result.outcome, 'succeeded', `apply of destroy: outcome ${result.outcome}, error: ${result.error ?? 'none'}`);
      if (result.state !== null) {
        assertSnapshot(result.state, 'apply of destroy');
        assert.deepEqual(result.state.resources.map((r) => r.id), [], 'apply of destroy: resources are left in the state');
      }
      assertResourceEvents(applyCtx.events, 'apply of destroy');
      assert.ok(resourceEvents(applyCtx.events).some((e) => e.status === 'deleted'), 'apply of destroy: no resource event with status "deleted"');
      await assert.doesNotReject(Promise.resolve(run.executor.cleanup?.(applyCtx.ctx, 'completed')), 'cleanup after destroy must not throw');
    },
    true,
  );
}

const countsOf = (s: PlanSummary) => ({ add: s.add, change: s.change, destroy: s.destroy });
const describe = (s: PlanSummary) => JSON.stringify(s.resources.map((r) => `${r.action} ${r.id}`));
