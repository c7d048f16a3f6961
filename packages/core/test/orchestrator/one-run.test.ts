import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeBundle, type Deployment } from '../../src/index.js';
import type { RunHost } from '../../src/orchestrator/host.js';
import { firstJob } from '../../src/orchestrator/admission.js';
import { markOneRun } from '../../src/orchestrator/one-run-marker.js';
import { onStalledJob } from '../../src/orchestrator/runner.js';
import { scriptedFiles } from '../../src/testing/index.js';
import { deployInput, harness, res, unlocked, waitFor, type Harness } from './helpers.js';

let h: Harness;
afterEach(async () => h?.dispose());

const hostOf = (x: Harness): RunHost => (x.orch as unknown as { host: RunHost }).host;

/**
 * What a runner that died while its executor was planning leaves: a plan job reported stalled, its
 * deployment still `planning`, a lock nobody renews, and the tool's state file in the work dir.
 */
async function diedWhilePlanning(x: Harness, id: string): Promise<Deployment> {
  const code = { resources: [res('a'), res('b')] };
  const bundle = makeBundle(scriptedFiles(code));
  await x.store.putBundle(bundle);
  const template = await waitFor(x.orch, (await x.orch.deploy(deployInput(code, { blueprintId: id, options: { dryRun: true } }))).id);
  const lock = await x.store.acquireLock({ stackKey: template.stackKey, operation: 'apply', who: 'dead', ttlMs: 60_000, deploymentId: id });
  const d: Deployment = {
    ...template,
    id,
    status: 'planning',
    options: { ...template.options, dryRun: false },
    approval: { decision: 'approved', by: null, at: new Date().toISOString(), comment: 'auto-approved' },
    owner: 'some-other-host:4242:abcd',
    baseVersion: 0,
    plan: null,
    lock: { lockId: lock.lockId, token: lock.token },
    bundleDigest: bundle.digest,
  };
  await x.store.putDeployment(d);
  const wd = join(x.workDir, id);
  await mkdir(wd, { recursive: true });
  await writeFile(join(wd, 'state.json'), JSON.stringify({ serial: 1, resources: { a: { type: 'scripted_thing', value: 'v1' } }, outputs: {}, sensitiveOutputs: [] }));
  return d;
}

describe('a plan job that plans and applies in one tool run', () => {
  it('is never run again when its runner dies: it ends failed (interrupted) with the state its tool left', async () => {
    h = await harness();
    const d = await diedWhilePlanning(h, 'one-run-1');
    await markOneRun(hostOf(h), d.id, 0);

    expect(await onStalledJob(hostOf(h), { job: firstJob(d), attempt: 1 })).toBeUndefined();
    const after = await h.orch.get(d.id);
    expect(after.status).toBe('failed');
    expect(after.error).toMatch(/^Deployment interrupted/);
    expect(after.stateVersion).toBe(1);
    const v = await h.store.getStateVersion(d.stackKey, 1);
    expect(v).toMatchObject({ reason: 'recovered', deploymentId: d.id });
    expect(v?.resources.map((r) => r.id)).toEqual(['a']);
    expect(await unlocked(h.store, d.stackKey)).toBeNull();
  });

  it('while a saved-plan job that dies while planning is run once more (it changed nothing yet)', async () => {
    h = await harness();
    const d = await diedWhilePlanning(h, 'two-step-1');
    expect(await onStalledJob(hostOf(h), { job: firstJob(d), attempt: 1 })).toBe('retry');
    expect((await h.orch.get(d.id)).status).toBe('planning');
  });
});
