import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStateStore, Orchestrator, readSlackDecisionValue, slackDecisionValue, type Deployment } from '@iac-orchestrator/core';
import { ScriptedExecutor, scriptedFiles } from '@iac-orchestrator/core/testing';
import { orchestratorRoutes, parseApiTokens, slackSettingsOf } from '../src/index.js';
import { slackSignature } from '../src/slack/signature.js';
import { buttonValue, NOTIFY_SECRET, postSlack, ResponseUrlReceiver, SLACK_ENV, SLACK_SECRET, slackActionBody } from './support/slack.js';

/**
 * A click approves only what a message of this service showed (invariant 3). Slack's signature proves a
 * request came from Slack, not that the message was the service's: anyone able to post as the Slack app
 * (its bot token, an incoming-webhook URL CI holds) could show "approve dev X" over a button that approves
 * production Y. The button value is `<id>.<planDigest>.<mac>`, made by the service; a bare id, a wrong MAC
 * or a digest that is not the deployment's plan is refused and nothing changes. Over real HTTP on
 * 127.0.0.1, the scripted executor in memory, a local receiver standing in for Slack's response_url.
 */

let cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

let orchestrator: Orchestrator;
let receiver: ResponseUrlReceiver;
let base = '';
let n = 0;

beforeEach(async () => {
  receiver = await new ResponseUrlReceiver().start();
  cleanups.push(() => receiver.close());
  orchestrator = new Orchestrator({ store: new MemoryStateStore(), executors: [new ScriptedExecutor()] });
  cleanups.push(() => orchestrator.close(2000));
  const app = Fastify();
  cleanups.push(() => app.close());
  const slack = slackSettingsOf({ ...SLACK_ENV, SLACK_APPROVERS: 'U0ALICE:alice:approver', SLACK_RESPONSE_URL_PREFIXES: receiver.url, ORCHESTRATOR_PUBLIC_URL: 'https://iac.example.com' })!;
  await app.register(orchestratorRoutes, { orchestrator, slack, tokens: parseApiTokens('ci:deployer:ci-token-0123456789abcdef') });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});

const awaiting = async (environment: string): Promise<Deployment> => {
  const d = await orchestrator.deploy({ blueprintId: 'shop', environment, targetCloud: 'aws', format: 'terraform', files: scriptedFiles({ resources: [{ id: 'db', value: environment }] }) });
  return orchestrator.waitFor(d.id, 'awaiting_approval', { timeoutMs: 20_000 });
};

/** Clicks Approve (or Reject) on a button carrying `value` as alice; returns what Slack was answered. */
const click = async (value: string, action = 'deployment.approve', text = 'Deployment awaiting approval') => {
  const reply = `r${++n}`;
  const payload = JSON.parse(decodeURIComponent(slackActionBody({ action, value, userId: 'U0ALICE', userName: 'alice', responseUrl: `${receiver.url}${reply}` }).slice('payload='.length)));
  const body = `payload=${encodeURIComponent(JSON.stringify({ ...payload, message: { text } }))}`;
  const r = await postSlack(`${base}/api/integrations/slack/actions`, body);
  expect(r.status).toBe(200);
  return receiver.messageTo(`/${reply}`);
};

const untouched = async (id: string) => expect(await orchestrator.get(id)).toMatchObject({ status: 'awaiting_approval', approval: null });

describe('Slack approval buttons bound to the deployment and plan shown', () => {
  it('a bare id under a message about another deployment approves nothing (the review scenario)', async () => {
    const shown = await awaiting('dev');
    const hidden = await awaiting('production');
    const answer = await click(hidden.id, 'deployment.approve', `Approve dev deployment ${shown.id}: +1 ~0 -0 (typo fix)`);
    expect(answer).toEqual({ response_type: 'ephemeral', replace_original: false, text: expect.stringMatching(/not made by this service.*nothing was changed/) });
    await untouched(hidden.id);
    await untouched(shown.id);
    // rejecting is refused the same way
    expect(await click(hidden.id, 'deployment.reject')).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/not made by this service/) });
    await untouched(hidden.id);
  });

  it('refuses a value whose MAC is not the service\'s: another key, or one value\'s MAC under another id', async () => {
    const shown = await awaiting('dev');
    const hidden = await awaiting('production');
    const foreign = slackDecisionValue('some-other-notify-secret-0000', hidden);
    expect(await click(foreign)).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/not made by this service/) });
    // the shown deployment's digest and MAC moved under the hidden one's id
    const [, digest, mac] = buttonValue(shown).split('.');
    expect(await click(`${hidden.id}.${digest}.${mac}`)).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/not made by this service/) });
    // and the hidden one's digest under the shown one's MAC
    const [, hiddenDigest] = buttonValue(hidden).split('.');
    expect(await click(`${hidden.id}.${hiddenDigest}.${mac}`)).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/not made by this service/) });
    await untouched(hidden.id);
    await untouched(shown.id);
  });

  it('refuses a value the service made for a plan that is not the deployment\'s', async () => {
    const d = await awaiting('production');
    const otherPlan = buttonValue({ ...d, plan: { ...d.plan!, add: d.plan!.add + 5 } });
    expect(readSlackDecisionValue(NOTIFY_SECRET, otherPlan)).toMatchObject({ deploymentId: d.id }); // a genuine value...
    expect(await click(otherPlan)).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining(`The plan of deployment ${d.id} is not the one this message showed`) });
    const otherBase = buttonValue({ ...d, baseVersion: (d.baseVersion ?? 0) + 1 });
    expect(await click(otherBase)).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/is not the one this message showed/) });
    await untouched(d.id); // ...for another plan: nothing approved
  });

  it('approves with the value the service made, naming the deployment as stored', async () => {
    const d = await awaiting('production');
    const answer = await click(buttonValue(d));
    expect(answer).toMatchObject({ replace_original: true, text: expect.stringContaining(`Deployment ${d.id} (shop, production) approved by alice (Slack @alice, U0ALICE)`) });
    expect(await orchestrator.waitFor(d.id, 'completed', { timeoutMs: 20_000 })).toMatchObject({ approval: { decision: 'approved', by: 'alice' } });
  });

  it('answers a deployment group target with where its group is decided, and changes nothing', async () => {
    const g = await orchestrator.deployGroup({
      blueprintId: 'shop', environment: 'production', targetCloud: 'aws', format: 'terraform', order: 'parallel',
      files: scriptedFiles({ resources: [{ id: 'web', value: 'v1' }] }),
      targets: [{ name: 'eu', region: 'eu-west-1' }, { name: 'us', region: 'us-east-1' }],
    });
    const members = await Promise.all(g.targets.map((t) => orchestrator.waitFor(t.deploymentId, 'awaiting_approval', { timeoutMs: 20_000 })));
    const answer = await click(buttonValue(members[1]!));
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toContain(`target us of deployment group ${g.id}, which is approved or rejected as one decision`);
    expect(answer.text).toContain(`POST /api/deployment-groups/${g.id}/approve`);
    expect(answer.text).toContain(`<https://iac.example.com/api/deployment-groups/${g.id}|`);
    expect(answer.text).toMatch(/Nothing was changed\.$/);
    expect(await orchestrator.getGroup(g.id)).toMatchObject({ status: 'awaiting_approval', approval: null });
    for (const m of members) await untouched(m.id);
  });

  it('does not challenge for a Bearer token on a Slack 401 (the rest of the API still does)', async () => {
    const body = slackActionBody({ action: 'deployment.approve', value: 'x', userId: 'U0ALICE', responseUrl: `${receiver.url}never` });
    const ts = String(Math.floor(Date.now() / 1000));
    const forged = await fetch(`${base}/api/integrations/slack/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': slackSignature(`${SLACK_SECRET}-not`, ts, body) },
      body,
    });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toBeNull();
    const api = await fetch(`${base}/api/deployments`);
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toBe('Bearer');
  });
});
