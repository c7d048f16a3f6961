import { afterEach, describe, expect, it } from 'vitest';
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

  it('is absent from the details of a caller without one (the REST API)', async () => {
    h = await harness();
    const d = await h.orch.deploy(deployInput({ resources: [res('a')] }, { environment: 'production' }));
    await waitFor(h.orch, d.id, ['awaiting_approval']);
    await h.orch.approve(d.id, {}, { id: 'bob', canApprove: true });
    const entry = (await h.orch.audit({ deploymentId: d.id })).find((e) => e.action === 'deployment.approve');
    expect(entry?.detail).toEqual({ comment: null });
  });
});
