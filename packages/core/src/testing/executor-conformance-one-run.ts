import assert from 'node:assert/strict';
import { MASK } from '@iac-orchestrator/core';
import type { PlanAndApplyResult, PlanSummary } from '@iac-orchestrator/core';
import { assertNothingForgotten, assertResourceEvents, assertSnapshot, assertSummary } from './executor-conformance-checks.js';
import { skipTest, type ExecutorConformanceIt, type ExecutorFactory } from './executor-conformance-fixtures.js';
import { resourceEvents, type ConformanceRun, type RecordingContext, withRun } from './executor-conformance-harness.js';

/** One `planAndApply` run that records what it reported, and when (by the count of events emitted so far). */
async function planAndApply(run: ConformanceRun, rc: RecordingContext): Promise<{ result: PlanAndApplyResult; planned: PlanSummary[]; plannedAt: number; applyingAt: number }> {
  const planned: PlanSummary[] = [];
  let plannedAt = -1;
  let applyingAt = -1;
  let result: PlanAndApplyResult;
  try {
    result = await run.executor.planAndApply!(rc.ctx, {
      planned: (s) => {
        planned.push(s);
        plannedAt = rc.events.length;
      },
      applying: () => {
        assert.equal(applyingAt, -1, 'planAndApply: applying() was reported twice');
        applyingAt = rc.events.length;
      },
    });
  } catch (e) {
    assert.fail(`planAndApply threw instead of returning a result: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { result, planned, plannedAt, applyingAt };
}

/**
 * The optional `planAndApply` extra (skipped when the executor has none): the plan reported once, before
 * the first change; outputs and masking as after a two-step apply; nothing to change on a second run; and
 * after a failure, like `apply`, a returned (not thrown) result with the state the tool left.
 */
export function oneRunConformance(it: ExecutorConformanceIt, factory: ExecutorFactory): void {
  it('planAndApply() (when present) reports its plan before the first change, applies it, and then finds nothing to change', async (t) => {
    await withRun(factory, 'lifecycle', async (run) => {
      if (!run.executor.planAndApply) return skipTest(t, 'the executor has no planAndApply()');
      const { create } = run.under;
      const rc = await run.context({ bundle: create, stackSuffix: '-one-run' });
      const first = await planAndApply(run, rc);
      assert.equal(first.result.outcome, 'succeeded', `planAndApply of create: ${first.result.error ?? 'no error'}`);
      assert.equal(first.planned.length, 1, 'planAndApply of create: the plan must be reported exactly once');
      assertSummary(first.planned[0]!, 'planAndApply of create (reported plan)');
      assert.ok(first.planned[0]!.add > 0 && first.planned[0]!.hasChanges, 'planAndApply of create: the reported plan adds nothing');
      assert.deepEqual(first.result.plan, first.planned[0], 'planAndApply of create: the returned plan differs from the reported one');
      assert.equal(first.result.changesBegan, true, 'planAndApply of create: changesBegan must be true after it created things');
      const firstChange = rc.events.findIndex((e) => e.type === 'resource');
      assert.ok(first.applyingAt >= 0 && first.applyingAt <= firstChange, 'planAndApply of create: applying() must come before the first resource event');
      assert.ok(first.plannedAt <= first.applyingAt, 'planAndApply of create: the plan must be reported before applying()');
      assertSnapshot(first.result.state, 'planAndApply of create');
      assert.ok(first.result.state.resources.length > 0, 'planAndApply of create: the state holds no resource');
      assertNothingForgotten(rc.events, first.result.state, 'planAndApply of create');
      assertResourceEvents(rc.events, 'planAndApply of create');
      if (create.output?.value !== undefined) assert.deepEqual(first.result.state.outputs[create.output.name], create.output.value, 'planAndApply of create: the plain output');
      if (create.sensitiveOutput) {
        assert.equal(first.result.state.outputs[create.sensitiveOutput.name], MASK, 'planAndApply of create: the sensitive output must be masked');
        assert.ok(rc.secrets.includes(create.sensitiveOutput.value), 'planAndApply of create: the sensitive output must be registered via secret()');
      }

      const again = await run.context({ bundle: create, stackSuffix: '-one-run', priorState: first.result.state.raw });
      const second = await planAndApply(run, again);
      assert.equal(second.result.outcome, 'succeeded', `planAndApply of create again: ${second.result.error ?? 'no error'}`);
      assert.equal(second.planned.length, 1, 'planAndApply of create again: the plan must be reported exactly once');
      assert.equal(second.planned[0]!.hasChanges, false, 'planAndApply of create again: the second run must find nothing to change');
      assert.equal(second.applyingAt, -1, 'planAndApply of create again: nothing changes, so applying() must not be reported');
      assert.equal(resourceEvents(again.events).length, 0, 'planAndApply of create again: nothing changes, yet resource events came');
      await run.executor.cleanup?.(rc.ctx, 'completed');
      await run.executor.cleanup?.(again.ctx, 'completed');
    });
  });

  it('planAndApply() (when present) of `failing` returns outcome "failed" with the state holding what it created', async (t) => {
    await withRun(factory, 'failing', async (run) => {
      if (!run.executor.planAndApply) return skipTest(t, 'the executor has no planAndApply()');
      const failing = run.under.failing;
      if (!failing) return skipTest(t, `failing scenario: ${run.under.unsupported?.failing ?? 'the factory gives no failing fixture'}`);
      const rc = await run.context({ bundle: failing, stackSuffix: '-one-run-failing' });
      const { result, planned } = await planAndApply(run, rc);
      assert.equal(result.outcome, 'failed', `planAndApply of failing: expected outcome "failed", got "${result.outcome}"`);
      assert.ok(typeof result.error === 'string' && result.error.trim().length > 0, 'planAndApply of failing: a failed run must say why (error)');
      assert.equal(planned.length, 1, 'planAndApply of failing: the plan must be reported before the changes');
      assert.equal(result.changesBegan, true, 'planAndApply of failing: it created something, so changesBegan must be true');
      assertSnapshot(result.state, 'planAndApply of failing');
      assertNothingForgotten(rc.events, result.state, 'planAndApply of failing');
      await assert.doesNotReject(Promise.resolve(run.executor.cleanup?.(rc.ctx, 'failed')), 'cleanup after a failed planAndApply must not throw');
    });
  });
}
