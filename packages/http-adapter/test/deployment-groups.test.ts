/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies read as JSON, checked field by field */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, terraformAvailable } from './support/harness.js';

const ok = terraformAvailable();
const MAIN_TF = 'variable "size" {\n  type    = string\n  default = "small"\n}\n\nresource "terraform_data" "site" {\n  input = var.size\n}\n';
const groupBody = (over: Record<string, unknown> = {}) => ({
  blueprintId: 'site',
  environment: 'production',
  targetCloud: 'aws',
  format: 'terraform',
  files: { 'main.tf': MAIN_TF },
  order: 'canary',
  targets: [
    { name: 'eu', region: 'eu-west-1' },
    { name: 'us', region: 'us-east-1', variables: { size: 'large' } },
    { name: 'ap', region: 'ap-south-1' },
  ],
  ...over,
});

describe.skipIf(!ok)('deployment groups over REST (real HTTP, real terraform)', () => {
  const h = new ApiHarness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  async function groupWhen(id: string, statuses: string[]): Promise<any> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const r = await h.call('GET', `/api/deployment-groups/${id}`, { role: 'viewer' });
      expect(r.status).toBe(200);
      if (statuses.includes(r.body.status)) return r.body;
      if (Date.now() > deadline) throw new Error(`group ${id} stuck in ${r.body.status}`);
      await new Promise((res) => setTimeout(res, 150));
    }
  }

  it.each([
    ['no targets', { targets: [] }, 'targets'],
    ['duplicate target names', { targets: [{ name: 'eu', region: 'eu-west-1' }, { name: 'eu', region: 'us-east-1' }] }, 'targets.1.name'],
    ['too many targets', { targets: Array.from({ length: 21 }, (_, i) => ({ name: `t${i}`, region: 'eu-west-1' })) }, 'targets'],
    ['a bad order', { order: 'round-robin' }, 'order'],
    ['a target field the API does not know', { targets: [{ name: 'eu', region: 'eu-west-1', account: '1234' }] }, 'targets.0.account'],
    ['no code', { files: undefined }, 'generationJobId'],
  ])('refuses %s with 400 naming the field, storing nothing', async (_what, over, field) => {
    const r = await h.call('POST', '/api/deployment-groups', { role: 'deployer', body: groupBody(over) });
    expect(r.status).toBe(400);
    expect(r.body.field).toBe(field);
    const list = await h.call('GET', '/api/deployments', { role: 'viewer' });
    expect(list.body.deployments).toEqual([]);
  });

  it('a production canary group: every target plans, one approval, the first applies, then the rest, each its own state', async () => {
    const started = await h.call('POST', '/api/deployment-groups', { role: 'deployer', body: groupBody() });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const id: string = started.body.id;
    expect(started.body).toMatchObject({ order: 'canary', environment: 'production', targets: [{ name: 'eu' }, { name: 'us' }, { name: 'ap' }] });

    const waiting = await groupWhen(id, ['awaiting_approval', 'failed']);
    expect(waiting.status).toBe('awaiting_approval');
    expect(waiting.targets.map((t: any) => [t.status, t.plan?.add])).toEqual([['awaiting_approval', 1], ['awaiting_approval', 1], ['awaiting_approval', 1]]);
    const ids: string[] = waiting.targets.map((t: any) => t.deploymentId);

    // One decision for the group: not per target, not by a deployer.
    expect((await h.call('POST', `/api/deployments/${ids[1]}/approve`, { role: 'approver', body: {} })).status).toBe(409);
    expect((await h.call('POST', `/api/deployment-groups/${id}/approve`, { role: 'deployer', body: {} })).status).toBe(403);
    const approved = await h.call('POST', `/api/deployment-groups/${id}/approve`, { role: 'approver', body: { comment: 'ship all regions' } });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.approval).toMatchObject({ decision: 'approved', by: 'approver-user', comment: 'ship all regions' });

    const done = await groupWhen(id, ['completed', 'failed', 'cancelled']);
    expect(done.status, JSON.stringify(done.targets)).toBe('completed');
    const [first, ...rest] = done.targets;
    for (const t of rest) expect(t.startedAt <= first.completedAt && t.completedAt >= first.completedAt).toBe(true);
    expect(new Set(done.targets.map((t: any) => t.stackKey)).size).toBe(3);
    expect(done.targets.map((t: any) => t.stackKey)).toEqual(['site/production/aws/terraform/eu@eu-west-1', 'site/production/aws/terraform/us@us-east-1', 'site/production/aws/terraform/ap@ap-south-1']);
    for (const t of done.targets) {
      const history = await h.call('GET', `/api/deployments/${t.deploymentId}/state/history`, { role: 'viewer' });
      expect(history.body.versions.map((v: any) => [v.version, v.deploymentId])).toEqual([[1, t.deploymentId]]);
      const d = await h.call('GET', `/api/deployments/${t.deploymentId}`, { role: 'viewer' });
      // What was approved is what was applied: the plan shown, applied once, with the target's variables.
      expect(d.body.approval).toMatchObject({ decision: 'approved', by: 'approver-user' });
      expect(d.body).toMatchObject({ target: t.name, region: t.region, group: { id, order: 'canary', size: 3 } });
      expect(d.body.state.resources[0].attributes.input ?? d.body.state.resources[0].attributes.output).toBe(t.name === 'us' ? 'large' : 'small');
    }
    expect((await h.call('POST', `/api/deployment-groups/${id}/approve`, { role: 'approver', body: {} })).status).toBe(409);
  });

  it('an unknown group is 404; a malformed id is 400', async () => {
    expect((await h.call('GET', '/api/deployment-groups/00000000-0000-4000-8000-000000000000', { role: 'viewer' })).status).toBe(404);
    expect((await h.call('GET', '/api/deployment-groups/..%2Fetc', { role: 'viewer' })).status).toBe(400);
  });
});
