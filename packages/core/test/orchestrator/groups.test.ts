import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStateStore, ForbiddenError, InvalidStateError, Orchestrator, ValidationError, groupMemberId, stackKeyOf, type ApplyResult, type Deployment, type DeploymentGroupInput, type ExecutorContext, type PlanResult } from '../../src/index.js';
import { ScriptedExecutor } from '../../src/testing/index.js';
import { deployInput, harness, res, unlocked, waitFor, type Harness } from './helpers.js';

/** The scripted executor, whose apply fails on the targets named, and which keeps each run's env. */
class TargetedExecutor extends ScriptedExecutor {
  readonly envs = new Map<string, Record<string, string>>();
  constructor(private readonly failOn: string[] = []) {
    super();
  }
  override async plan(ctx: ExecutorContext): Promise<PlanResult> {
    this.envs.set(ctx.deploymentId, ctx.env);
    return super.plan(ctx);
  }
  override async apply(ctx: ExecutorContext, plan: PlanResult): Promise<ApplyResult> {
    if (ctx.stack.target && this.failOn.includes(ctx.stack.target)) {
      this.calls.push(`apply:${ctx.deploymentId}`);
      return { outcome: 'failed', state: null, error: `apply of ${ctx.stack.target} failed` };
    }
    return super.apply(ctx, plan);
  }
}

const TARGETS = [
  { name: 'eu', region: 'eu-west-1' },
  { name: 'us', region: 'us-east-1', variables: { size: 'large' } },
  { name: 'ap', region: 'ap-south-1' },
];
const groupInput = (over: Record<string, unknown> = {}): DeploymentGroupInput => {
  const { options, ...base } = deployInput({ resources: [res('web')] });
  return { ...base, targets: TARGETS, order: 'canary', ...over, options: { ...options, ...((over.options as object) ?? {}) } } as DeploymentGroupInput;
};

let h: Harness;
afterEach(async () => h?.dispose());

async function settled(orch: Orchestrator, id: string): Promise<Deployment[]> {
  const g = await orch.getGroup(id);
  return Promise.all(g.targets.map((t) => waitFor(orch, t.deploymentId)));
}

describe('deployment groups', () => {
  it('a canary group applies the first target, then the rest, each its own stack and state lineage', async () => {
    const executor = new TargetedExecutor();
    h = await harness({ executors: [executor], credentials: { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_REGION: 'us-west-2' } });
    const g = await h.orch.deployGroup(groupInput());
    expect(g.targets.map((t) => [t.name, t.region, t.deploymentId])).toEqual(TARGETS.map((t, i) => [t.name, t.region, groupMemberId(g.id, i)]));
    const [first, ...rest] = await settled(h.orch, g.id);
    expect([first, ...rest].map((d) => d.status)).toEqual(['completed', 'completed', 'completed']);
    // The rest planned only after the first completed: from the records, not from timing.
    for (const d of rest) expect(d.startedAt! >= first!.completedAt!).toBe(true);
    const firstApply = h.executor.calls.indexOf(`apply:${first!.id}`);
    for (const d of rest) expect(h.executor.calls.indexOf(`plan:${d.id}`)).toBeGreaterThan(firstApply);
    // Each target: its own stack key (the plain key plus `/<target>@<region>`), one state version of its own.
    const base = stackKeyOf({ blueprintId: 'bp-1', environment: 'dev', targetCloud: 'aws', format: 'terraform' });
    expect([first, ...rest].map((d) => d.stackKey)).toEqual(TARGETS.map((t) => `${base}/${t.name}@${t.region}`));
    for (const d of [first!, ...rest]) {
      const versions = await h.store.listStateVersions(d.stackKey, { limit: 10 });
      expect(versions.map((v) => [v.version, v.deploymentId])).toEqual([[1, d.id]]);
    }
    // The region reaches the tool over the configured one; the target's variables over the group's.
    expect(executor.envs.get(first!.id)).toMatchObject({ AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' });
    expect(executor.envs.get(rest[0]!.id)).toMatchObject({ AWS_REGION: 'us-east-1' });
    expect(rest[0]!.options.variables).toEqual({ size: 'large' });
    const view = await h.orch.getGroup(g.id);
    expect(view).toMatchObject({ status: 'completed', order: 'canary', targets: TARGETS.map((t) => ({ name: t.name, status: 'completed', stateVersion: 1 })) });
  });

  it('a plain deployment keeps its four-part stack key and shares nothing with the group targets', async () => {
    h = await harness();
    const plain = await h.orch.deploy(deployInput({ resources: [res('web')] }));
    expect(plain.stackKey).toBe('bp-1/dev/aws/terraform');
    expect(plain).not.toHaveProperty('group');
    const g = await h.orch.deployGroup(groupInput({ order: 'parallel' }));
    expect((await waitFor(h.orch, plain.id)).stateVersion).toBe(1);
    expect((await settled(h.orch, g.id)).map((d) => [d.status, d.stateVersion])).toEqual([['completed', 1], ['completed', 1], ['completed', 1]]);
  });

  it('a canary whose first target fails leaves the others untouched: cancelled, no tool run, no lock, no state', async () => {
    const executor = new TargetedExecutor(['eu']);
    h = await harness({ executors: [executor] });
    const g = await h.orch.deployGroup(groupInput());
    const [first, ...rest] = await settled(h.orch, g.id);
    expect(first).toMatchObject({ status: 'failed', error: 'apply of eu failed' });
    for (const d of rest) {
      expect(d.status).toBe('cancelled');
      expect(d.error).toMatch(/^Not deployed: the canary target "eu" of deployment group .* ended failed \(apply of eu failed\)$/);
      expect(d.startedAt).toBeNull();
      expect(executor.calls.filter((c) => c.endsWith(d.id))).toEqual([]);
      expect(await h.store.listStateVersions(d.stackKey, { limit: 10 })).toEqual([]);
      expect(await h.store.getLock(d.stackKey)).toBeNull();
    }
    expect((await h.orch.getGroup(g.id)).status).toBe('failed');
  });

  it('parallel runs every target at once, each to its own state', async () => {
    h = await harness();
    const g = await h.orch.deployGroup(groupInput({ order: 'parallel' }));
    const all = await settled(h.orch, g.id);
    expect(all.map((d) => d.status)).toEqual(['completed', 'completed', 'completed']);
    expect(new Set(all.map((d) => d.stackKey)).size).toBe(3);
  });

  it('production: every target plans, one approval for the group applies exactly those plans, canary order', async () => {
    h = await harness();
    const g = await h.orch.deployGroup(groupInput({ environment: 'production' }), { id: 'dev', canApprove: false });
    const ids = g.targets.map((t) => t.deploymentId);
    for (const id of ids) await waitFor(h.orch, id, ['awaiting_approval']);
    expect((await h.orch.getGroup(g.id)).status).toBe('awaiting_approval');
    await expect(h.orch.approve(ids[1]!, {}, { id: 'alice', canApprove: true })).rejects.toBeInstanceOf(InvalidStateError);
    await expect(h.orch.approveGroup(g.id, {}, { id: 'dev', canApprove: false })).rejects.toBeInstanceOf(ForbiddenError);
    const plans = await Promise.all(ids.map((id) => h.store.getPlan(id)));
    await h.orch.approveGroup(g.id, { comment: 'all regions' }, { id: 'alice', canApprove: true });
    const [first, ...rest] = await settled(h.orch, g.id);
    expect([first, ...rest].map((d) => d.status)).toEqual(['completed', 'completed', 'completed']);
    for (const d of [first!, ...rest]) expect(d.approval).toMatchObject({ decision: 'approved', by: 'alice', comment: 'all regions' });
    // Three plans, then the first apply, then the others': no plan after the approval.
    const calls = h.executor.calls;
    expect(calls.slice(0, 3).sort()).toEqual(ids.map((id) => `plan:${id}`).sort());
    expect(calls[3]).toBe(`apply:${ids[0]}`);
    expect(calls.slice(4).sort()).toEqual([`apply:${ids[1]}`, `apply:${ids[2]}`].sort());
    for (const d of rest) expect(d.completedAt! >= first!.completedAt!).toBe(true);
    expect(plans.every((p) => p !== null)).toBe(true);
    const audit = await h.orch.audit({ deploymentId: ids[0] });
    expect(audit.find((a) => a.action === 'deployment-group.approve')).toMatchObject({ who: 'alice', detail: { groupId: g.id, comment: 'all regions', deployments: ids } });
    await expect(h.orch.approveGroup(g.id, {}, { id: 'alice', canApprove: true })).rejects.toBeInstanceOf(InvalidStateError);
  });

  it('production canary: a failing first apply cancels the approved plans of the others, which never apply', async () => {
    const executor = new TargetedExecutor(['eu']);
    h = await harness({ executors: [executor] });
    const g = await h.orch.deployGroup(groupInput({ environment: 'production' }));
    for (const t of g.targets) await waitFor(h.orch, t.deploymentId, ['awaiting_approval']);
    await h.orch.approveGroup(g.id, {}, { id: 'alice', canApprove: true });
    const [first, ...rest] = await settled(h.orch, g.id);
    expect(first!.status).toBe('failed');
    for (const d of rest) {
      expect(d).toMatchObject({ status: 'cancelled', error: expect.stringMatching(/canary target "eu"/) });
      expect(executor.calls).not.toContain(`apply:${d.id}`);
      expect(await h.store.listStateVersions(d.stackKey, { limit: 10 })).toEqual([]);
      expect(await unlocked(h.store, d.stackKey)).toBeNull();
      expect(await h.store.getPlan(d.id)).toBeNull();
    }
  });

  it('rejecting a group ends every target cancelled and applies nothing', async () => {
    h = await harness();
    const g = await h.orch.deployGroup(groupInput({ environment: 'production', order: 'parallel' }));
    for (const t of g.targets) await waitFor(h.orch, t.deploymentId, ['awaiting_approval']);
    const after = await h.orch.rejectGroup(g.id, { comment: 'no' }, { id: 'bob', canApprove: true });
    expect(after.status).toBe('cancelled');
    expect(after.targets.map((t) => t.error)).toEqual(['Plan rejected by bob: no', 'Plan rejected by bob: no', 'Plan rejected by bob: no']);
    expect(h.executor.calls.filter((c) => c.startsWith('apply:'))).toEqual([]);
  });

  it.each([
    ['no targets', { targets: [] }, /targets: at least one target/],
    ['duplicate target names', { targets: [TARGETS[0], { ...TARGETS[1], name: 'eu' }] }, /duplicate target name "eu"/],
    ['too many targets', { targets: Array.from({ length: 21 }, (_, i) => ({ name: `t${i}`, region: 'eu-west-1' })) }, /at most 20 targets/],
    ['a bad order', { order: 'zigzag' }, /order/],
    ['a bad region', { targets: [{ name: 'eu', region: 'West Europe' }] }, /region must be/],
    ['no code', { files: undefined }, /generationJobId are required/],
  ])('refuses %s with a ValidationError, storing nothing', async (_what, over, message) => {
    h = await harness();
    await expect(h.orch.deployGroup(groupInput(over) as never)).rejects.toThrow(message);
    await expect(h.orch.deployGroup(groupInput(over) as never)).rejects.toBeInstanceOf(ValidationError);
    expect((await h.store.listDeployments({ limit: 100 })).items).toEqual([]);
    expect(await h.store.listAudit({ limit: 100 })).toEqual([]);
  });

  it('survives a restart: recover() starts the rest of a canary whose first target completed, or stops them', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'groups-restart-'));
    const store = new FileStateStore({ dataDir });
    // A process that only takes requests: the group is stored and its canary's plan enqueued, nothing runs.
    const api = new Orchestrator({ store, executors: [new ScriptedExecutor()], runner: false });
    const ok = await api.deployGroup(groupInput());
    const bad = await api.deployGroup(groupInput({ blueprintId: 'bp-2' }));
    // The process that ran the canaries stopped right after recording their end.
    const end = async (id: string, status: 'completed' | 'failed') => {
      const d = (await store.getDeployment(id))!;
      await store.putDeployment({ ...d, status, error: status === 'failed' ? 'boom' : null, completedAt: new Date().toISOString(), revision: d.revision + 1 });
    };
    await end(ok.targets[0]!.deploymentId, 'completed');
    await end(bad.targets[0]!.deploymentId, 'failed');
    await api.close(0); // closes its store too
    // The next process: a new store over the same files, a new runner.
    h = await harness({ store: new FileStateStore({ dataDir }) as never });
    const { requeued } = await h.orch.recover();
    expect(requeued).toEqual([]);
    expect((await settled(h.orch, ok.id)).map((d) => d.status)).toEqual(['completed', 'completed', 'completed']);
    const stopped = await settled(h.orch, bad.id);
    expect(stopped.map((d) => d.status)).toEqual(['failed', 'cancelled', 'cancelled']);
    expect(h.executor.calls.filter((c) => stopped.some((d) => c.endsWith(d.id)))).toEqual([]);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('the group is found by its id only', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('web')] }));
    await expect(h.orch.getGroup(d.id)).rejects.toThrow(/not found/);
    await expect(h.orch.getGroup('../etc')).rejects.toBeInstanceOf(ValidationError);
  });
});

