import { afterEach, describe, expect, it } from 'vitest';
import { InvalidStateError, Orchestrator } from '../../src/index.js';
import { ScriptedExecutor } from '../../src/testing/index.js';
import { deployInput, harness, res, waitFor, unlocked, type Harness } from './helpers.js';

let h: Harness;
afterEach(async () => h?.dispose());

describe('cancellation and timeouts', () => {
  it('cancels while pending (queued behind the concurrency limit): nothing runs', async () => {
    h = await harness({ concurrency: 1 });
    const a = await h.orch.deploy(deployInput({ resources: [res('a', 'v', { sleepMs: 300 })] }, { blueprintId: 'one' }));
    const b = await h.orch.deploy(deployInput({ resources: [res('b')] }, { blueprintId: 'two' }));
    await h.orch.cancel(b.id);
    expect((await waitFor(h.orch, b.id)).status).toBe('cancelled');
    expect(h.executor.calls).not.toContain(`plan:${b.id}`);
    expect((await waitFor(h.orch, a.id)).status).toBe('completed');
  });

  it('cancels while planning: the executor sees the abort', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('a')], planSleepMs: 5000 }));
    await waitFor(h.orch, d.id, ['planning']);
    await h.orch.cancel(d.id);
    const done = await waitFor(h.orch, d.id);
    expect(done.status).toBe('cancelled');
    expect(await unlocked(h.store, d.stackKey)).toBeNull();
  });

  it('cancels while awaiting approval', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('a')] }, { environment: 'production' }));
    await waitFor(h.orch, d.id, ['awaiting_approval']);
    await h.orch.cancel(d.id);
    expect((await waitFor(h.orch, d.id)).status).toBe('cancelled');
    expect(h.executor.calls).toEqual([`plan:${d.id}`]);
    expect(await unlocked(h.store, d.stackKey)).toBeNull();
  });

  it('cancels mid-apply: the partial state is saved and the lock released (invariant 1)', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('fast'), res('slow', 'v', { sleepMs: 10_000 })] }));
    await new Promise<void>((resolve) => h.orch.on('resource', (e) => e.id === 'slow' && e.status === 'creating' && resolve()));
    await h.orch.cancel(d.id);
    const done = await waitFor(h.orch, d.id);
    expect(done.status).toBe('cancelled');
    expect(done.stateVersion).toBe(1);
    const v = await h.store.getStateVersion(d.stackKey, 1);
    expect(v?.reason).toBe('partial');
    expect(v?.resources.map((r) => r.id)).toEqual(['fast']);
    expect(await unlocked(h.store, d.stackKey)).toBeNull();
  });

  it('refuses to cancel a finished deployment', async () => {
    h = await harness();
    const d = await waitFor(h.orch, (await h.orch.deploy(deployInput({ resources: [res('a')] }))).id);
    await expect(h.orch.cancel(d.id)).rejects.toBeInstanceOf(InvalidStateError);
  });

  it('a cancel asked through another orchestrator (an API-only one on the same store and queue) reaches the running job at once', async () => {
    h = await harness();
    // No runner: it only stores and enqueues, as an API process does; the job runs in h.orch.
    const other = new Orchestrator({ store: h.store, executors: [new ScriptedExecutor()], workDir: h.workDir, queue: h.orch.queue, runner: false });
    const d = await h.orch.deploy(deployInput({ resources: [res('slow', 'v', { sleepMs: 10_000 })] }));
    await waitFor(h.orch, d.id, ['applying']);
    const asked = await other.cancel(d.id);
    expect(asked.cancelRequestedAt).not.toBeNull();
    const started = Date.now();
    expect((await waitFor(h.orch, d.id)).status).toBe('cancelled');
    // No polling left: the abort reaches the executor through the queue, not a 1 s store poll.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(h.executor.calls).toEqual([`plan:${d.id}`, `apply:${d.id}`]);
  });

  it('times out (MAX_DEPLOYMENT_TIMEOUT_MS) mid-apply: failed, partial state saved, lock released', async () => {
    h = await harness({ maxDeploymentTimeoutMs: 400 });
    const d = await h.orch.deploy(deployInput({ resources: [res('a'), res('slow', 'v', { sleepMs: 10_000 })] }));
    const done = await waitFor(h.orch, d.id);
    expect(done.status).toBe('failed');
    expect(done.error).toBe('Deployment timed out after 400 ms');
    expect((await h.store.getStateVersion(d.stackKey))?.resources.map((r) => r.id)).toEqual(['a']);
    expect(await unlocked(h.store, d.stackKey)).toBeNull();
  });

  it('a per-deployment timeout below the cap applies during planning too', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('a')], planSleepMs: 10_000 }, { options: { timeoutMs: 200 } }));
    expect(await waitFor(h.orch, d.id)).toMatchObject({ status: 'failed', error: 'Deployment timed out after 200 ms' });
  });

  it('a plan left waiting past the approval timeout fails and frees the stack', async () => {
    h = await harness({ approvalTimeoutMs: 200 });
    const d = await h.orch.deploy(deployInput({ resources: [res('a')] }, { environment: 'production' }));
    expect(await waitFor(h.orch, d.id)).toMatchObject({ status: 'failed', error: 'Approval timed out after 200 ms' });
    expect(await unlocked(h.store, d.stackKey)).toBeNull();
  });

  it('close() cancels what does not finish within the grace period and releases locks', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('slow', 'v', { sleepMs: 10_000 })] }));
    await waitFor(h.orch, d.id, ['applying']);
    await h.orch.close(100);
    const after = await h.store.getDeployment(d.id);
    expect(after?.status).toBe('cancelled');
    expect(await unlocked(h.store, d.stackKey)).toBeNull();
  });
});

describe('drift checks', () => {
  it('are bounded by the deployment time budget too', async () => {
    const { ScriptedExecutor } = await import('../../src/testing/index.js');
    class HangingDrift extends ScriptedExecutor {
      override detectDrift(ctx: Parameters<ScriptedExecutor['detectDrift']>[0]) {
        return new Promise<never>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
      }
    }
    h = await harness({ executors: [new HangingDrift()], maxDeploymentTimeoutMs: 300 });
    const d = await waitFor(h.orch, (await h.orch.deploy(deployInput({ resources: [res('a')] }))).id);
    const drift = await waitFor(h.orch, (await h.orch.detectDrift(d.id)).id);
    expect(drift).toMatchObject({ status: 'failed', error: 'Deployment timed out after 300 ms' });
  });
});
