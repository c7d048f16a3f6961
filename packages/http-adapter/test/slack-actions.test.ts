import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackSettingsOf } from '../src/slack/settings.js';
import { ApiHarness, deployBody, terraformAvailable } from './support/harness.js';
import { rawRequest } from './support/raw-http.js';
import { buttonValue, postSlack, ResponseUrlReceiver, SLACK_ENV, SLACK_SECRET, slackActionBody } from './support/slack.js';
import { terraformCode } from './support/stub-generator.js';

/**
 * Approve from Slack, end to end over real HTTP on 127.0.0.1: real terraform (terraform_data) plans a
 * production deployment, which stops at the approval gate; simulated Slack requests, signed as Slack signs
 * them, approve or reject it; a local receiver stands in for Slack's response_url.
 */

const PATH = '/api/integrations/slack/actions';
const prod = (ip: string) => deployBody({ blueprintId: 'slack-gated', environment: 'production', files: { 'main.tf': terraformCode({ ip }) }, options: {} });

describe.skipIf(!terraformAvailable())('POST /api/integrations/slack/actions with real terraform', () => {
  const api = new ApiHarness();
  const receiver = new ResponseUrlReceiver();
  const logs: string[] = [];
  const responses: string[] = [];
  let slackUrl = '';
  const send = async (body: string, opts?: Parameters<typeof postSlack>[2]) => {
    const r = await postSlack(slackUrl, body, opts);
    responses.push(r.text);
    return r;
  };
  // The button value the notification of each awaiting deployment carried.
  const values = new Map<string, string>();
  const click = (o: { action?: string; id: string; user: string; name?: string; team?: string; reply: string }) =>
    slackActionBody({ action: o.action ?? 'deployment.approve', value: values.get(o.id) ?? o.id, userId: o.user, userName: o.name, teamId: o.team, responseUrl: `${receiver.url}${o.reply}` });
  const awaiting = async () => {
    const r = await api.call('POST', '/api/deployments', { role: 'deployer', body: prod(`10.0.7.${Math.floor(Math.random() * 200)}`) });
    expect(r.status).toBe(202);
    const d = await api.waitForStatus(r.body.deploymentId, ['awaiting_approval', 'failed', 'completed']);
    expect(d.status).toBe('awaiting_approval');
    values.set(d.id, buttonValue(d));
    return d.id as string;
  };
  const statusOf = async (id: string) => (await api.call('GET', `/api/deployments/${id}`, { role: 'viewer' })).body;

  beforeAll(async () => {
    await receiver.start();
    const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => (logs.push(chunk.toString('utf8')), cb()) });
    const slack = slackSettingsOf({
      ...SLACK_ENV,
      // alice approves as the approver token's principal; dave is mapped to a deployer; bob has a role of his own in one workspace.
      SLACK_APPROVERS: 'U0ALICE:approver-user,U0DAVE:deployer-user,T0TEST/U0BOB:bob:approver',
      SLACK_RESPONSE_URL_PREFIXES: receiver.url,
    });
    await api.start({ server: { slack: slack!, logger: pino({ level: 'trace' }, sink) } });
    slackUrl = `${api.url}${PATH}`;
  });
  afterAll(async () => {
    await api.stop();
    await receiver.close();
  });

  it('refuses bad signatures, stale timestamps and unmapped users without changing anything, then approves as the mapped principal', async () => {
    const id = await awaiting();
    const body = click({ id, user: 'U0ALICE', name: 'alice', reply: 'approve' });

    const forged = await send(body, { secret: 'another-secret-of-enough-length' });
    expect(forged).toMatchObject({ status: 401, body: { error: expect.stringMatching(/X-Slack-Signature does not match/) } });
    const tampered = await send(body.replace('U0ALICE', 'U0BOB'), { signature: (await import('../src/slack/signature.js')).slackSignature(SLACK_SECRET, String(Math.floor(Date.now() / 1000)), body) });
    expect(tampered.status).toBe(401);
    const stale = await send(body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale).toMatchObject({ status: 401, body: { error: expect.stringMatching(/more than 5 minutes/) } });
    const unsigned = await send(body, { headers: { 'x-slack-signature': '' } });
    expect(unsigned.status).toBe(401);
    const withToken = await send(body, { secret: 'another-secret-of-enough-length', headers: { authorization: 'Bearer approver-token-0123456789abcdef' } });
    expect(withToken.status).toBe(401); // an API token does not stand in for Slack's signature
    expect(await statusOf(id)).toMatchObject({ status: 'awaiting_approval', approval: null });

    const unmapped = await send(click({ id, user: 'U0MALLORY', name: 'mallory', reply: 'unmapped' }));
    expect(unmapped.status).toBe(200);
    expect(await receiver.messageTo('/unmapped')).toEqual({ response_type: 'ephemeral', replace_original: false, text: expect.stringMatching(/not mapped to an approver/) });
    const deployer = await send(click({ id, user: 'U0DAVE', name: 'dave', reply: 'deployer' }));
    expect(deployer.status).toBe(200);
    expect(await receiver.messageTo('/deployer')).toMatchObject({ response_type: 'ephemeral', replace_original: false, text: expect.stringMatching(/deployer-user, who does not have the approver role/) });
    const otherTeam = await send(click({ id, user: 'U0BOB', name: 'bob', team: 'T0OTHER', reply: 'other-team' }));
    expect(otherTeam.status).toBe(200);
    expect(await receiver.messageTo('/other-team')).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/not mapped/) });
    expect(await statusOf(id)).toMatchObject({ status: 'awaiting_approval', approval: null });

    const ok = await send(body);
    expect(ok.status).toBe(200);
    const replaced = await receiver.messageTo('/approve');
    expect(replaced).toMatchObject({ replace_original: true, text: expect.stringContaining(`Deployment ${id} (slack-gated, production) approved by approver-user (Slack @alice, U0ALICE)`) });
    expect(replaced.response_type).toBeUndefined();
    const done = await api.waitForStatus(id, ['completed', 'failed']);
    expect(done).toMatchObject({ status: 'completed', approval: { decision: 'approved', by: 'approver-user', comment: 'Approved from Slack by approver-user (Slack @alice, U0ALICE)' } });
    const audit = (await api.orchestrator.audit({ deploymentId: id })).filter((a) => a.action === 'deployment.approve');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ who: 'approver-user', detail: { via: 'slack', slackUserId: 'U0ALICE', slackUserName: 'alice', teamId: 'T0TEST' } });

    const again = await send(click({ id, user: 'U0ALICE', name: 'alice', reply: 'again' }));
    expect(again.status).toBe(200);
    expect(await receiver.messageTo('/again')).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/not awaiting approval/) });
    values.set('no-such-deployment', buttonValue({ ...done, id: 'no-such-deployment' }));
    const missing = await send(click({ id: 'no-such-deployment', user: 'U0ALICE', name: 'alice', reply: 'missing' }));
    expect(missing.status).toBe(200);
    expect(await receiver.messageTo('/missing')).toMatchObject({ response_type: 'ephemeral', text: 'Deployment no-such-deployment was not found; nothing was changed.' });
  });

  it('rejects from Slack: the deployment ends cancelled, recorded with who and the chat identity', async () => {
    const id = await awaiting();
    const r = await send(click({ action: 'deployment.reject', id, user: 'U0BOB', name: 'bob', team: 'T0TEST', reply: 'reject' }));
    expect(r.status).toBe(200);
    expect(await receiver.messageTo('/reject')).toMatchObject({ replace_original: true, text: expect.stringContaining(`Deployment ${id} (slack-gated, production) rejected by bob (Slack @bob, U0BOB); status: cancelled`) });
    expect(await statusOf(id)).toMatchObject({ status: 'cancelled', approval: { decision: 'rejected', by: 'bob' }, error: expect.stringMatching(/^Plan rejected by bob/) });
    const audit = (await api.orchestrator.audit({ deploymentId: id })).filter((a) => a.action === 'deployment.reject');
    expect(audit).toMatchObject([{ who: 'bob', detail: { via: 'slack', slackUserId: 'U0BOB', teamId: 'T0TEST' } }]);
  });

  it('posts only to Slack or a configured prefix: another response_url is skipped', async () => {
    const id = await awaiting();
    const foreign = receiver.url.replace('127.0.0.1', 'localhost'); // same receiver, under a name not configured
    const skipped = await send(slackActionBody({ action: 'deployment.approve', value: values.get(id)!, userId: 'U0MALLORY', responseUrl: `${foreign}foreign` }));
    expect(skipped.status).toBe(200);
    await send(click({ id, user: 'U0MALLORY', reply: 'after-foreign' }));
    await receiver.messageTo('/after-foreign');
    expect(receiver.messages.map((m) => m.path)).not.toContain('/foreign');
    expect(logs.join('')).toMatch(/response_url is not on hooks.slack.com/);
    expect(await statusOf(id)).toMatchObject({ status: 'awaiting_approval' });
  });

  it('keeps a small body limit and reads only form bodies, after the signature', async () => {
    const big = `payload=${'x'.repeat(200 * 1024)}`;
    expect((await send(big)).status).toBe(413);
    const json = JSON.stringify({ payload: '{}' });
    expect(await send(json, { headers: { 'content-type': 'application/json' } })).toMatchObject({ status: 415 });
    expect(await send('payload=%7Bnot-json')).toMatchObject({ status: 400, body: { error: 'Request body is not valid JSON' } });
    expect(await send('other=1')).toMatchObject({ status: 400, body: { error: 'Slack request body must be a form with a payload field' } });
  });

  it('never shows the signing secret in logs or responses', () => {
    expect(logs.length).toBeGreaterThan(0);
    expect(responses.length).toBeGreaterThan(5);
    for (const text of [...logs, ...responses]) expect(text).not.toContain(SLACK_SECRET);
    // nor does a response_url (it grants posting to the channel) reach the logs
    expect(logs.join('')).not.toContain(receiver.url);
  });
});

describe('the Slack actions route without terraform', () => {
  it('is a 404 when no signing secret is configured', async () => {
    const api = await new ApiHarness().start();
    try {
      const r = await postSlack(`${api.url}${PATH}`, 'payload=%7B%7D');
      expect(r).toMatchObject({ status: 404, body: { error: 'Not found' } });
    } finally {
      await api.stop();
    }
  });

  it('answers Slack on a token-less service under a public host name (the DNS-rebinding guard is for the local admin)', async () => {
    const slack = slackSettingsOf({ ...SLACK_ENV, SLACK_APPROVERS: 'U0ALICE:alice:approver' })!;
    const api = await new ApiHarness().start({ tokens: false, server: { slack } });
    try {
      const body = slackActionBody({ action: 'deployment.approve', value: 'nothing-here', userId: 'U0ALICE', responseUrl: 'https://hooks.slack.com/actions/T0/1/abc' });
      const ts = String(Math.floor(Date.now() / 1000));
      const { slackSignature } = await import('../src/slack/signature.js');
      const headers = { host: 'orchestrator.example.com', 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts };
      const signed = await rawRequest(api.url, { method: 'POST', path: PATH, body, headers: { ...headers, 'x-slack-signature': slackSignature(SLACK_SECRET, ts, body) } });
      expect(signed.status).toBe(200);
      const forged = await rawRequest(api.url, { method: 'POST', path: PATH, body, headers: { ...headers, 'x-slack-signature': slackSignature('not-the-secret-0000', ts, body) } });
      expect(forged.status).toBe(401);
      // the rest of the API still refuses that Host
      const other = await rawRequest(api.url, { method: 'GET', path: '/api/deployments', headers: { host: 'orchestrator.example.com' } });
      expect(other.status).toBe(403);
    } finally {
      await api.stop();
    }
  });
});
