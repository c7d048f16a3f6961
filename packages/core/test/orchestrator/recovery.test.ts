import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeBundle, Orchestrator } from '../../src/index.js';
import { ScriptedExecutor, scriptedFiles } from '../../src/testing/index.js';
import { deployInput, harness, res, waitFor, unlocked, type Harness } from './helpers.js';

let h: Harness;
afterEach(async () => h?.dispose());

describe('recover() after a crash', () => {
  it('marks a dead process\'s applying deployment failed (interrupted), saves what its tool left, frees the stack', async () => {
    h = await harness({ lockTtlMs: 300 });
    // What a process killed mid-apply leaves behind: a record in `applying`, a lock nobody renews, and the
    // tool's state file in the deployment's work dir.
    const bundle = makeBundle(scriptedFiles({ resources: [res('a'), res('b')] }));
    await h.store.putBundle(bundle);
    const template = await h.orch.deploy(deployInput({ resources: [res('a'), res('b')] }, { options: { dryRun: true } }));
    await waitFor(h.orch, template.id);
    const lock = await h.store.acquireLock({ stackKey: template.stackKey, operation: 'apply', who: 'dead', ttlMs: 300, deploymentId: 'crashed-1' });
    const crashed = { ...template, id: 'crashed-1', status: 'applying' as const, options: { ...template.options, dryRun: false }, owner: 'some-other-host:4242:abcd', baseVersion: 0, lock: { lockId: lock.lockId, token: lock.token }, bundleDigest: bundle.digest };
    await h.store.putDeployment(crashed);
    const wd = join(h.workDir, 'crashed-1');
    await mkdir(wd, { recursive: true });
    await writeFile(join(wd, 'state.json'), JSON.stringify({ serial: 1, resources: { a: { type: 'scripted_thing', value: 'v1' } }, outputs: { pw: 'recovered-secret-7d1f' }, sensitiveOutputs: ['pw'] }));

    // While its lease still runs, the owner may be alive: leave it alone.
    expect((await h.orch.recover()).recovered).toEqual([]);
    await new Promise((r) => setTimeout(r, 400));
    expect((await h.orch.recover()).recovered).toEqual(['crashed-1']);

    const d = await h.orch.get('crashed-1');
    expect(d.status).toBe('failed');
    expect(d.error).toMatch(/^Deployment interrupted/);
    expect(d.stateVersion).toBe(1);
    const v = await h.store.getStateVersion(d.stackKey, 1);
    expect(v).toMatchObject({ reason: 'recovered', deploymentId: 'crashed-1' });
    expect(v?.resources.map((r) => r.id)).toEqual(['a']);
    // The secret the recovery found masked that run's records, not the process-wide redactor (per-run scope).
    expect(JSON.stringify(d)).not.toContain('recovered-secret-7d1f');
    expect(h.orch.redactor.redact('x recovered-secret-7d1f')).toBe('x recovered-secret-7d1f');
    expect(await unlocked(h.store, d.stackKey)).toBeNull();
    // The stack is usable again, and the next apply builds on the recovered version.
    const next = await waitFor(h.orch, (await h.orch.deploy(deployInput({ resources: [res('a'), res('b')] }))).id);
    expect(next).toMatchObject({ status: 'completed', stateVersion: 2 });
    expect(next.plan?.resources.map((r) => `${r.id}:${r.action}`)).toEqual(['b:create']);
  });

  it('leaves deployments of a live owner alone, and plans awaiting approval stay approvable', async () => {
    h = await harness({ lockTtlMs: 300 });
    const running = await h.orch.deploy(deployInput({ resources: [res('slow', 'v', { sleepMs: 1500 })] }));
    const waiting = await h.orch.deploy(deployInput({ resources: [res('x')] }, { environment: 'production', blueprintId: 'other' }));
    await waitFor(h.orch, running.id, ['applying']);
    await waitFor(h.orch, waiting.id, ['awaiting_approval']);
    const peer = new Orchestrator({ store: h.store, executors: [new ScriptedExecutor()], workDir: h.workDir, lockTtlMs: 300 });
    await new Promise((r) => setTimeout(r, 500));
    expect((await peer.recover()).recovered).toEqual([]);
    expect((await waitFor(h.orch, running.id)).status).toBe('completed');
    expect((await h.orch.get(waiting.id)).status).toBe('awaiting_approval');
    await peer.close(100);
  });
});

describe('recover() racing live runs', () => {
  it('never marks a deployment that is just ending as interrupted', async () => {
    h = await harness({ lockTtlMs: 1000 });
    const peer = new Orchestrator({ store: h.store, executors: [new ScriptedExecutor()], workDir: h.workDir, lockTtlMs: 1000 });
    let stop = false;
    const recovering = (async () => {
      const hits: string[] = [];
      while (!stop) {
        hits.push(...(await peer.recover()).recovered);
        await new Promise((r) => setImmediate(r));
      }
      return hits;
    })();
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await h.orch.deploy(deployInput({ resources: [res('a', `v${i}`)] }, { blueprintId: `race-${i % 3}` }))).id);
    const done = await Promise.all(ids.map((id) => waitFor(h.orch, id)));
    stop = true;
    expect(await recovering).toEqual([]);
    expect(done.map((d) => d.status)).toEqual(ids.map(() => 'completed'));
    await peer.close(100);
  });
});
