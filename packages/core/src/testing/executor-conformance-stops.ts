import assert from 'node:assert/strict';
import { CancelledError } from '@iac-orchestrator/core';
import { assertNothingForgotten, assertResourceEvents, assertSnapshot } from './executor-conformance-checks.js';
import { skipTest, type ConformanceBundle, type ExecutorConformanceIt, type ExecutorFactory } from './executor-conformance-fixtures.js';
import { withRun, type ConformanceRun, type RecordingContext } from './executor-conformance-harness.js';

const DEFAULT_CANCEL_AFTER_MS = 5_000;

/**
 * Applies that do not succeed: a tool failure and a cancel. Both must return (never throw) with the state
 * the tool left, holding everything it reported created (invariant 1). Each runs on its own stack (the
 * factory's environment plus `-failing` / `-slow`) and applies in the work dir of its plan.
 */
export function stopConformance(it: ExecutorConformanceIt, factory: ExecutorFactory): void {
  it('`failing`: apply returns outcome "failed" with an error and a state holding what it created', async (t) => {
    await withRun(factory, 'failing', async (run) => {
      const failing = run.under.failing;
      if (!failing) return skipTest(t, `failing scenario: ${run.under.unsupported?.failing ?? 'the factory gives no failing fixture'}`);
      const { applyCtx, result } = await run.deploy({ bundle: failing, stackSuffix: '-failing' });
      assert.equal(result.outcome, 'failed', `apply of failing: expected outcome "failed", got "${result.outcome}"`);
      assert.ok(typeof result.error === 'string' && result.error.trim().length > 0, 'apply of failing: a failed apply must say why (error)');
      assertSnapshot(result.state, 'apply of failing');
      const unreadable = run.under.unsupported?.partialState;
      if (unreadable) console.warn(`[skipped] partial-state check after a failure: ${unreadable}`);
      else assert.ok(result.state.resources.length > 0, 'apply of failing: the fixture creates a resource before failing, but the state holds none');
      assertNothingForgotten(applyCtx.events, result.state, 'apply of failing');
      assertResourceEvents(applyCtx.events, 'apply of failing');
      await recoverFrom(run, applyCtx, failing, '-failing', 'after a failed apply');
      await assert.doesNotReject(Promise.resolve(run.executor.cleanup?.(applyCtx.ctx, 'failed')), 'cleanup after a failed apply must not throw');
    });
  });

  it('`slow`: an apply cancelled through the signal (CancelledError) returns outcome "cancelled" with its state', async (t) => {
    await withRun(factory, 'slow', async (run) => {
      const slow = run.under.slow;
      if (!slow) return skipTest(t, `cancel scenario: ${run.under.unsupported?.slow ?? 'the factory gives no slow fixture'}`);
      let applying = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const cancel = (rc: RecordingContext) => {
        if (!rc.ctx.signal.aborted) rc.controller.abort(new CancelledError());
      };
      try {
        const { applyCtx, result } = await run.deploy({
          bundle: slow,
          stackSuffix: '-slow',
          // Cancel once something exists (so the returned state has something to keep), or after a while.
          onEvent: (e, rc) => {
            if (applying && e.type === 'resource' && e.status === 'created') cancel(rc);
          },
          beforeApply: (rc) => {
            applying = true;
            timer = setTimeout(() => cancel(rc), slow.cancelAfterMs ?? DEFAULT_CANCEL_AFTER_MS);
          },
        });
        assert.ok(applyCtx.ctx.signal.aborted, 'apply of slow: it finished before the suite cancelled it; make the slow fixture slower');
        assert.equal(result.outcome, 'cancelled', `apply of slow: expected outcome "cancelled" after a CancelledError abort, got "${result.outcome}" (${result.error ?? 'no error'})`);
        assertSnapshot(result.state, 'apply of slow (cancelled)');
        assertNothingForgotten(applyCtx.events, result.state, 'apply of slow (cancelled)');
        assertResourceEvents(applyCtx.events, 'apply of slow (cancelled)');
        await assert.doesNotReject(Promise.resolve(run.executor.cleanup?.(applyCtx.ctx, 'cancelled')), 'cleanup after a cancelled apply must not throw');
      } finally {
        clearTimeout(timer);
      }
    });
  });
}

/** `recoverState` on the work dir an apply left (as `recover()` does after a crash): null or a snapshot. */
async function recoverFrom(run: ConformanceRun, applied: RecordingContext, bundle: ConformanceBundle, stackSuffix: string, label: string): Promise<void> {
  if (!run.executor.recoverState) return;
  const rc = await run.context({ bundle, stackSuffix, reuse: applied, priorState: applied.ctx.priorState });
  let snapshot;
  try {
    snapshot = await run.executor.recoverState(rc.ctx);
  } catch (e) {
    assert.fail(`recoverState ${label} threw (it must not): ${e instanceof Error ? e.message : String(e)}`);
  }
  if (snapshot !== null) assertSnapshot(snapshot, `recoverState ${label}`);
}
