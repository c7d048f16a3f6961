import { afterEach, describe, expect, it } from 'vitest';
import type { DeploymentGroupInput } from '../../src/index.js';
import { deployInput, harness, res, waitFor, type Harness } from './helpers.js';

let h: Harness;
afterEach(async () => h?.dispose());

describe('Caller.via: the channel a decision came through', () => {
  it('is recorded in the audit details of approve and reject, beside the principal', async () => {
    h = await harness();
    const a = await h.orch.deploy(deployInput({ resources: [res('a')] }, { environment: 'production' }));
    const b = await h.orch.deploy(deployInput({ resources: [res('b')] }, { environment: 'production', blueprintId: 'other' }));
    await waitFor(h.orch, a.id, ['awaiting_approval']);
    await waitFor(h.orch, b.id, ['awaiting_approval']);
    const via = { channel: 'slack', details: { slackUserId: 'U0ALICE', slackUserName: 'alice', teamId: 'T0ACME' } };
    await h.orch.approve(a.id, { comment: 'ok' }, { id: 'alice', canApprove: true, via });
    await h.orch.reject(b.id, {}, { id: 'alice', canApprove: true, via: { channel: 'slack', details: { comment: 'not mine to set', via: 'spoof' } } });
    expect((await waitFor(h.orch, a.id)).approval).toMatchObject({ decision: 'approved', by: 'alice' });
    const approve = (await h.orch.audit({ deploymentId: a.id })).find((e) => e.action === 'deployment.approve');
    expect(approve).toMatchObject({ who: 'alice', detail: { via: 'slack', slackUserId: 'U0ALICE', slackUserName: 'alice', teamId: 'T0ACME', comment: 'ok' } });
    // details never override what the orchestrator itself records
    const reject = (await h.orch.audit({ deploymentId: b.id })).find((e) => e.action === 'deployment.reject');
    expect(reject?.detail).toMatchObject({ via: 'slack', comment: null });
  });

  it('is recorded for a deployment group decision too: on the group entry and each target’s', async () => {
    h = await harness();
    const groupOf = (blueprintId: string): DeploymentGroupInput => {
      const { options, ...base } = deployInput({ resources: [res('web')] }, { environment: 'production', blueprintId });
      return { ...base, options, order: 'parallel', targets: [{ name: 'eu', region: 'eu-west-1' }, { name: 'us', region: 'us-east-1' }] } as DeploymentGroupInput;
    };
    const approved = await h.orch.deployGroup(groupOf('shop'));
    const rejected = await h.orch.deployGroup(groupOf('other'));
    for (const t of [...approved.targets, ...rejected.targets]) await waitFor(h.orch, t.deploymentId, ['awaiting_approval']);
    const via = { channel: 'slack', details: { slackUserId: 'U0ALICE', teamId: 'T0ACME', groupId: 'spoof', comment: 'spoof' } };
    await h.orch.approveGroup(approved.id, { comment: 'ok' }, { id: 'alice', canApprove: true, via });
    await h.orch.rejectGroup(rejected.id, {}, { id: 'alice', canApprove: true, via });
    for (const [g, decision] of [[approved, 'approve'], [rejected, 'reject']] as const) {
      const ids = g.targets.map((t) => t.deploymentId);
      const group = (await h.orch.audit({ deploymentId: ids[0] })).find((e) => e.action === `deployment-group.${decision}`);
      // the channel's details never override what the orchestrator records (groupId, comment)
      expect(group).toMatchObject({ who: 'alice', detail: { via: 'slack', slackUserId: 'U0ALICE', teamId: 'T0ACME', groupId: g.id, comment: decision === 'approve' ? 'ok' : null, deployments: ids } });
      for (const id of ids) {
        const entry = (await h.orch.audit({ deploymentId: id })).find((e) => e.action === `deployment.${decision}`);
        expect(entry).toMatchObject({ who: 'alice', detail: { via: 'slack', slackUserId: 'U0ALICE', teamId: 'T0ACME', groupId: g.id } });
      }
    }
  });

  it('is absent from the details of a caller without one (the REST API)', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('a')] }, { environment: 'production' }));
    await waitFor(h.orch, d.id, ['awaiting_approval']);
    await h.orch.approve(d.id, {}, { id: 'bob', canApprove: true });
    const entry = (await h.orch.audit({ deploymentId: d.id })).find((e) => e.action === 'deployment.approve');
    expect(entry?.detail).toEqual({ comment: null });
  });
});
