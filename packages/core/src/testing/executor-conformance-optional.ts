import assert from 'node:assert/strict';
import { FORMAT_PATTERN } from '@iac-orchestrator/core';
import { assertSnapshot } from './executor-conformance-checks.js';
import { skipTest, type ExecutorConformanceIt, type ExecutorFactory } from './executor-conformance-fixtures.js';
import { withRun } from './executor-conformance-harness.js';

/** Identity, readiness, and the extras the orchestrator calls on deployments that never got far. */
export function optionalConformance(it: ExecutorConformanceIt, factory: ExecutorFactory): void {
  it('declares a format (the stack\'s) and a name', async () => {
    await withRun(factory, 'basics', async (run) => {
      assert.ok(FORMAT_PATTERN.test(run.executor.format), `format "${run.executor.format}" does not match ${FORMAT_PATTERN} (lowercase letters, digits, "-")`);
      assert.equal(run.executor.format, run.under.stack.format, 'the factory\'s stack must be of the executor\'s format');
      assert.ok(typeof run.executor.name === 'string' && run.executor.name.length > 0, 'name must be a non-empty string');
    });
  });

  it('check() reports the CLI and its version without throwing', async (t) => {
    await withRun(factory, 'basics', async (run) => {
      if (!run.executor.check) return skipTest(t, 'the executor has no check()');
      let check;
      try {
        check = await run.executor.check();
      } catch (e) {
        assert.fail(`check() threw (it must not): ${e instanceof Error ? e.message : String(e)}`);
      }
      assert.equal(check.ok, true, `check() says the tool is not ready: ${check.detail ?? 'no detail'}`);
      assert.ok(typeof check.version === 'string' && check.version.trim().length > 0, 'check() must report the CLI and its version');
    });
  });

  it('cleanup() of a deployment cancelled before it planned (empty work dir) does not throw', async (t) => {
    await withRun(factory, 'basics', async (run) => {
      if (!run.executor.cleanup) return skipTest(t, 'the executor has no cleanup()');
      const rc = await run.context({ bundle: run.under.create });
      await assert.doesNotReject(Promise.resolve(run.executor.cleanup(rc.ctx, 'cancelled')), 'cleanup on an empty work dir threw');
    });
  });

  it('recoverState() on an empty work dir returns null or a snapshot without throwing', async (t) => {
    await withRun(factory, 'basics', async (run) => {
      if (!run.executor.recoverState) return skipTest(t, 'the executor has no recoverState()');
      const rc = await run.context({ bundle: run.under.create });
      let snapshot;
      try {
        snapshot = await run.executor.recoverState(rc.ctx);
      } catch (e) {
        assert.fail(`recoverState() threw (it must not): ${e instanceof Error ? e.message : String(e)}`);
      }
      if (snapshot !== null) assertSnapshot(snapshot, 'recoverState on an empty work dir');
    });
  });
}
