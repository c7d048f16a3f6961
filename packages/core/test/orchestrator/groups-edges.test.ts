import { afterEach, describe, expect, it } from 'vitest';
import { InvalidStateError, ValidationError, regionEnv, stackKeyOf, type DeploymentGroupInput, type ExecutorContext, type PlanResult } from '../../src/index.js';
import { ScriptedExecutor } from '../../src/testing/index.js';
import { deployInput, harness, res, waitFor, type Harness } from './helpers.js';

/** The scripted executor, whose plan fails for the targets named. */
class PlanFailsOn extends ScriptedExecutor {
  constructor(private readonly targets: string[]) {
    super();
  }
  override async plan(ctx: ExecutorContext): Promise<PlanResult> {
    if (ctx.stack.target && this.targets.includes(ctx.stack.target)) throw new Error(`plan of ${ctx.stack.target} failed`);
    return super.plan(ctx);
  }
}

const groupInput = (over: Record<string, unknown> = {}, applyMs = 0): DeploymentGroupInput => {
  const { options, ...base } = deployInput({ resources: [res('web', 'v1', { sleepMs: applyMs })] });
  const targets = [
    { name: 'eu', region: 'eu-west-1' },
    { name: 'us', region: 'us-east-1' },
  ];
  return { ...base, targets, order: 'canary', ...over, options: { ...options, ...((over.options as object) ?? {}) } } as DeploymentGroupInput;
};

let h: Harness;
afterEach(async () => h?.dispose());

describe('deployment group edges', () => {
  it('cancelling the canary while it runs stops the rest, which never run', async () => {
    h = await harness();
    // A canary whose apply lasts long enough to be cancelled midway (the sleep is aborted by the cancel).
    const g = await h.orch.deployGroup(groupInput({}, 30_000));
    const [first, second] = g.targets.map((t) => t.deploymentId) as [string, string];
    await waitFor(h.orch, first, ['applying']);
    await h.orch.cancel(first);
    expect((await waitFor(h.orch, first)).status).toBe('cancelled');
    const after = await waitFor(h.orch, second);
    expect(after).toMatchObject({ status: 'cancelled', error: expect.stringMatching(/canary target "eu" .* ended cancelled/), startedAt: null });
    expect(h.executor.calls.filter((c) => c.endsWith(second))).toEqual([]);
  });

  it('a group with a failed plan cannot be approved; rejecting it cancels what still waits', async () => {
    h = await harness({ executors: [new PlanFailsOn(['us'])] });
    const g = await h.orch.deployGroup(groupInput({ environment: 'production', order: 'parallel' }));
    const [eu, us] = g.targets.map((t) => t.deploymentId) as [string, string];
    await waitFor(h.orch, eu, ['awaiting_approval']);
    expect((await waitFor(h.orch, us)).status).toBe('failed');
    await expect(h.orch.approveGroup(g.id, {}, { id: 'alice', canApprove: true })).rejects.toThrow(/target "us" is failed/);
    await expect(h.orch.approveGroup(g.id, {}, { id: 'alice', canApprove: true })).rejects.toBeInstanceOf(InvalidStateError);
    expect((await h.orch.get(eu)).status).toBe('awaiting_approval');
    const rejected = await h.orch.rejectGroup(g.id, {}, { id: 'alice', canApprove: true });
    expect(rejected.targets.map((t) => t.status)).toEqual(['cancelled', 'failed']);
    expect(rejected.status).toBe('failed');
  });

  it('a dry run group plans every target at once and ends planned', async () => {
    h = await harness();
    const g = await h.orch.deployGroup(groupInput({ options: { dryRun: true } }));
    for (const t of g.targets) expect((await waitFor(h.orch, t.deploymentId)).status).toBe('planned');
    expect((await h.orch.getGroup(g.id)).status).toBe('planned');
    expect(h.executor.calls.filter((c) => c.startsWith('apply:'))).toEqual([]);
  });

  it('a target keeps its stack for destroy: the destroy runs on that target stack, in its region', async () => {
    h = await harness();
    const g = await h.orch.deployGroup(groupInput({ order: 'parallel' }));
    const us = await waitFor(h.orch, g.targets[1]!.deploymentId);
    const d = await h.orch.destroy(us.id, { autoApprove: true });
    expect(d).toMatchObject({ stackKey: us.stackKey, target: 'us', region: 'us-east-1' });
    expect(d).not.toHaveProperty('group');
    expect((await waitFor(h.orch, d.id)).status).toBe('completed');
    expect((await h.store.listStateVersions(us.stackKey, { limit: 10 })).map((v) => v.reason)).toEqual(['destroyed', 'applied']);
  });
});

describe('stack identity and region of a target', () => {
  const ref = { blueprintId: 'web', environment: 'prod', targetCloud: 'aws', format: 'terraform' };
  it('adds `<target>@<region>` only for a target; a plain key is unchanged', () => {
    expect(stackKeyOf(ref)).toBe('web/prod/aws/terraform');
    expect(stackKeyOf({ ...ref, target: 'eu', region: 'eu-west-1' })).toBe('web/prod/aws/terraform/eu@eu-west-1');
    expect(() => stackKeyOf({ ...ref, target: 'eu' })).toThrow(ValidationError);
  });
  it('passes the region in each cloud’s own variables; none for azure or an unknown cloud', () => {
    expect(regionEnv('aws', 'eu-west-1')).toEqual({ AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1' });
    expect(regionEnv('gcp', 'europe-west1')).toEqual({ GOOGLE_REGION: 'europe-west1', CLOUDSDK_COMPUTE_REGION: 'europe-west1' });
    expect(regionEnv('azure', 'westeurope')).toEqual({});
    expect(regionEnv('aws', null)).toEqual({});
  });
});
