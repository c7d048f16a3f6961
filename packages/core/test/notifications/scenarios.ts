import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  planDigestOf,
  readSlackDecisionValue,
  slackDecisionValue,
  verifyWebhookSignature,
  ValidationError,
  type DeploymentGroupInput,
  type JobQueue,
  type NotificationDelivery,
  type NotificationOptions,
} from '../../src/index.js';
import { deployInput, harness, res, waitFor, type Harness } from '../orchestrator/helpers.js';
import { Receiver } from './receiver.js';

const SECRET = 'whsec-test-0123456789abcdef-never-shown';

/**
 * The notification scenarios, run on a given job queue engine (the in-process one here, BullMQ on a
 * test-owned Redis in queue-bullmq): real deployments (scripted executor), a real HTTP receiver.
 */
export function notificationScenarios(openQueue: () => Promise<JobQueue>): void {
  let h: Harness | undefined;
  let receiver: Receiver;
  const logs: string[] = [];

  beforeEach(async () => {
    receiver = await new Receiver().start();
    logs.length = 0;
  });
  afterEach(async () => {
    await h?.dispose();
    h = undefined;
    await receiver.stop();
  });

  const start = async (notifications: NotificationOptions) => {
    h = await harness({ queue: await openQueue(), notifications: { secret: SECRET, retryBaseMs: 100, ...notifications }, logger: (level, message, fields) => logs.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`) });
    return h;
  };

  /** Waits until the deployment's delivery log satisfies `done`. */
  const logUntil = async (id: string, done: (log: NotificationDelivery[]) => boolean): Promise<NotificationDelivery[]> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const log = await h!.orch.notificationLog(id);
      if (done(log)) return log;
      if (Date.now() > deadline) throw new Error(`delivery log never got there: ${JSON.stringify(log.map((l) => [l.event, l.outcome, l.attempt]))}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  it('a completed deployment is delivered as a signed webhook that the exported helper verifies, and a tampered or old one fails', async () => {
    const url = receiver.on('/hook', {});
    await start({ subscriptions: [{ id: 'ops', url, events: ['completed', 'failed'] }] });
    const d = await h!.orch.deploy(deployInput({ resources: [res('web')] }));
    await waitFor(h!.orch, d.id);
    await logUntil(d.id, (l) => l.some((e) => e.outcome === 'delivered'));
    const [got] = receiver.accepted('/hook');
    expect(got).toBeDefined();
    expect(got!.headers['x-orchestrator-event']).toBe('completed');
    expect(got!.headers['x-orchestrator-delivery']).toMatch(/^[0-9a-f-]{36}\.cops$/);
    const header = got!.headers['x-orchestrator-signature'];
    const deliveryId = got!.headers['x-orchestrator-delivery'];
    expect(verifyWebhookSignature({ secret: SECRET, body: got!.body, header, deliveryId })).toMatchObject({ ok: true, deliveryId });
    expect(verifyWebhookSignature({ secret: SECRET, body: got!.body, header, deliveryId: `${String(deliveryId)}x` })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhookSignature({ secret: SECRET, body: got!.body, header, deliveryId: undefined })).toEqual({ ok: false, reason: 'missing' });
    expect(verifyWebhookSignature({ secret: SECRET, body: got!.body.replace('"completed"', '"failed"'), header, deliveryId })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhookSignature({ secret: 'another-secret-of-16+chars', body: got!.body, header, deliveryId })).toEqual({ ok: false, reason: 'mismatch' });
    const t = Number(/t=(\d+)/.exec(String(header))![1]);
    expect(verifyWebhookSignature({ secret: SECRET, body: got!.body, header, deliveryId, now: t + 301 })).toEqual({ ok: false, reason: 'expired' });
    expect(verifyWebhookSignature({ secret: SECRET, body: got!.body, header: undefined, deliveryId })).toEqual({ ok: false, reason: 'missing' });
    const body = JSON.parse(got!.body);
    expect(body).toMatchObject({ type: 'completed', deployment: { id: d.id, environment: 'dev', plan: { add: 1, change: 0, destroy: 0 } } });
    // The body names its delivery and its subscription: a receiver checks it was meant for it.
    expect(body).toMatchObject({ deliveryId, subscription: { source: 'configured', key: 'ops', origin: receiver.url } });
  });

  it('a receiver failing the first attempts gets the event retried with backoff until delivered, all of it in the delivery log', async () => {
    const url = receiver.on('/flaky', { failFirst: 2 });
    await start({ subscriptions: [{ url, events: ['completed'] }], maxAttempts: 5 });
    const d = await h!.orch.deploy(deployInput({ resources: [res('web')] }));
    await waitFor(h!.orch, d.id);
    const log = await logUntil(d.id, (l) => l.some((e) => e.outcome === 'delivered'));
    expect(log.map((e) => [e.outcome, e.attempt, e.statusCode])).toEqual([
      ['queued', 0, null],
      ['retrying', 1, 500],
      ['retrying', 2, 500],
      ['delivered', 3, 204],
    ]);
    // Exponential: the second wait is twice the first (100 ms, 200 ms), as scheduled in the log.
    const waits = log.filter((e) => e.outcome === 'retrying').map((e) => Date.parse(e.nextAttemptAt!) - Date.parse(e.at));
    expect(waits[0]).toBeGreaterThanOrEqual(99);
    expect(waits[1]).toBeGreaterThanOrEqual(199);
    // One delivery id across the attempts; the receiver saw three posts of the same event.
    expect(new Set(log.map((e) => e.deliveryId)).size).toBe(1);
    expect(receiver.received.filter((r) => r.path === '/flaky').map((r) => r.headers['x-orchestrator-delivery'])).toEqual(Array(3).fill(log[0]!.deliveryId));
    expect(log[0]!.subscription).toMatchObject({ source: 'configured', url: `${receiver.url}/…` });
  });

  it('a receiver that always fails gets a dead-letter record after the last attempt, and nothing more', async () => {
    const url = receiver.on('/down', { alwaysFail: true });
    await start({ subscriptions: [{ url, events: ['completed'] }], maxAttempts: 3 });
    const d = await h!.orch.deploy(deployInput({ resources: [res('web')] }));
    await waitFor(h!.orch, d.id);
    const log = await logUntil(d.id, (l) => l.some((e) => e.outcome === 'dead_letter'));
    expect(log.map((e) => [e.outcome, e.attempt])).toEqual([['queued', 0], ['retrying', 1], ['retrying', 2], ['dead_letter', 3]]);
    expect(log.at(-1)).toMatchObject({ statusCode: 500, error: 'the receiver answered HTTP 500', nextAttemptAt: null });
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.received.filter((r) => r.path === '/down')).toHaveLength(3);
  });

  it('events keep their order: completed waits while awaiting_approval of a production deploy is still being retried', async () => {
    const url = receiver.on('/ordered', { failFirst: 3 });
    await start({ allowedHosts: [receiver.url], maxAttempts: 6 });
    const d = await h!.orch.deploy(deployInput({ resources: [res('web')] }, { environment: 'production', options: { autoApprove: false, notify: [{ url, events: ['awaiting_approval', 'completed'] }] } }));
    await waitFor(h!.orch, d.id, ['awaiting_approval']);
    // Approved while the first delivery has not gone through yet.
    await logUntil(d.id, (l) => l.some((e) => e.outcome === 'retrying'));
    expect(receiver.accepted('/ordered')).toHaveLength(0);
    await h!.orch.approve(d.id, {}, { id: 'alice', canApprove: true });
    await waitFor(h!.orch, d.id);
    const log = await logUntil(d.id, (l) => l.filter((e) => e.outcome === 'delivered').length === 2);
    expect(receiver.accepted('/ordered').map((r) => r.headers['x-orchestrator-event'])).toEqual(['awaiting_approval', 'completed']);
    expect(log.filter((e) => e.outcome === 'delivered').map((e) => e.event)).toEqual(['awaiting_approval', 'completed']);
    // completed was never posted before awaiting_approval got through.
    const firstOk = receiver.received.findIndex((r) => r.status < 300);
    expect(receiver.received.slice(0, firstOk).every((r) => r.headers['x-orchestrator-event'] === 'awaiting_approval')).toBe(true);
    expect(log.find((e) => e.outcome === 'delivered')!.subscription).toEqual({ source: 'deployment', key: '0', url: `${receiver.url}/…`, format: 'webhook' });
  });

  it('the webhook secret appears in no log, response, stored record, audit entry or delivered body', async () => {
    const url = receiver.on('/s', { failFirst: 1 });
    await start({ subscriptions: [{ url, events: ['awaiting_approval', 'completed', 'cancelled'], secret: `${SECRET}-own` }], allowedHosts: [receiver.url] });
    const d = await h!.orch.deploy(deployInput({ resources: [res('web')] }, { environment: 'production', options: { autoApprove: false, notify: [{ url: `${url}?x=1`, events: ['cancelled'], format: 'slack' }] } }));
    await waitFor(h!.orch, d.id, ['awaiting_approval']);
    await h!.orch.reject(d.id, {}, { id: 'bob', canApprove: true });
    await logUntil(d.id, (l) => l.filter((e) => e.outcome === 'delivered').length === 3);
    const everything = JSON.stringify([logs, await h!.orch.get(d.id), await h!.orch.audit({ deploymentId: d.id }), await h!.orch.notificationLog(d.id), receiver.received]);
    expect(everything).not.toContain(SECRET);
    // The query of a per-deployment URL is not in the log either.
    expect(JSON.stringify(await h!.orch.notificationLog(d.id))).not.toContain('x=1');
    const signed = receiver.received.find((r) => r.headers['x-orchestrator-event'] === 'completed' || r.status < 300)!;
    expect(signed.headers['x-orchestrator-signature']).toBeDefined();
  });

  it('a per-deployment URL outside the allowed hosts is a validation error and nothing is stored', async () => {
    await start({ allowedHosts: [receiver.url] });
    const before = await h!.store.listDeployments({ limit: 100 });
    const asked = (url: string) => h!.orch.deploy(deployInput({ resources: [res('web')] }, { options: { notify: [{ url, events: ['completed'] }] } }));
    await expect(asked('http://169.254.169.254/latest/meta-data')).rejects.toThrow(/options\.notify\[0\]: url http:\/\/169\.254\.169\.254\/… is not an allowed notification host/);
    await expect(asked('http://127.0.0.1:1/other-port')).rejects.toBeInstanceOf(ValidationError);
    await expect(asked(`http://user:pw@${receiver.url.slice(7)}/x`)).rejects.toThrow(/must not carry credentials/);
    expect((await h!.store.listDeployments({ limit: 100 })).items).toEqual(before.items);
  });

  it('Slack gets Block Kit with approve/reject buttons, Teams an Adaptive Card 1.4, both with counts and console links', async () => {
    const slack = receiver.on('/slack', {});
    const teams = receiver.on('/teams', {});
    await start({ publicUrl: 'https://orchestrator.example.com/', subscriptions: [{ url: slack, events: ['awaiting_approval'], format: 'slack' }, { url: teams, events: ['awaiting_approval'], format: 'teams' }] });
    const d = await h!.orch.deploy(deployInput({ resources: [res('web'), res('db')] }, { environment: 'production', options: { autoApprove: false } }));
    await waitFor(h!.orch, d.id, ['awaiting_approval']);
    await logUntil(d.id, (l) => l.filter((e) => e.outcome === 'delivered').length === 2);
    const console = `https://orchestrator.example.com/ui/#/deployments/${d.id}`;
    const s = JSON.parse(receiver.accepted('/slack')[0]!.body);
    expect(s.blocks.map((b: { type: string }) => b.type)).toEqual(['header', 'section', 'context', 'actions']);
    expect(s.blocks[0].text).toMatchObject({ type: 'plain_text', text: 'Deployment awaiting approval: bp-1 (production)' });
    expect(s.blocks[1].fields.map((f: { text: string }) => f.text)).toEqual(expect.arrayContaining(['*Environment*\nproduction', '*Changes*\n+2 ~0 -0']));
    expect(s.blocks[2].elements[0].text).toContain(`<${console}|Open in the console>`);
    expect(s.blocks[2].elements[0].text).toContain(`<https://orchestrator.example.com/api/deployments/${d.id}|Plan>`);
    // The buttons' value binds the deployment to the plan shown, under the service's key (not a bare id).
    const awaiting = await h!.orch.get(d.id);
    const value = slackDecisionValue(SECRET, awaiting);
    expect(s.blocks[3].elements.map((b: { type: string; action_id: string; value: string }) => [b.type, b.action_id, b.value])).toEqual([
      ['button', 'deployment.approve', value],
      ['button', 'deployment.reject', value],
    ]);
    expect(readSlackDecisionValue(SECRET, value)).toEqual({ deploymentId: d.id, planDigest: planDigestOf(awaiting) });
    expect(readSlackDecisionValue('another-secret-of-16+chars', value)).toBeNull();
    expect(value.length).toBeLessThan(2000); // Slack's limit of a button value
    const t = JSON.parse(receiver.accepted('/teams')[0]!.body);
    expect(t).toMatchObject({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive' }] });
    const card = t.attachments[0].content;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json' });
    expect(card.body.map((b: { type: string }) => b.type)).toEqual(['TextBlock', 'FactSet']);
    expect(card.body[1].facts).toEqual(expect.arrayContaining([{ title: 'Environment', value: 'production' }, { title: 'To add', value: '2' }, { title: 'To destroy', value: '0' }]));
    expect(card.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Review and approve', url: console },
      { type: 'Action.OpenUrl', title: 'Plan', url: `https://orchestrator.example.com/api/deployments/${d.id}` },
    ]);
  });

  it('a deployment group target gets no buttons (it is decided with its group) but where to decide; without the secret no message has buttons', async () => {
    const slack = receiver.on('/slack-group', {});
    await start({ publicUrl: 'https://orchestrator.example.com', subscriptions: [{ url: slack, events: ['awaiting_approval'], format: 'slack' }] });
    const { options, ...base } = deployInput({ resources: [res('web')] }, { environment: 'production', options: { autoApprove: false } });
    const input = { ...base, options, order: 'parallel', targets: [{ name: 'eu', region: 'eu-west-1' }, { name: 'us', region: 'us-east-1' }] } as DeploymentGroupInput;
    const g = await h!.orch.deployGroup(input);
    for (const t of g.targets) {
      await waitFor(h!.orch, t.deploymentId, ['awaiting_approval']);
      await logUntil(t.deploymentId, (l) => l.some((e) => e.outcome === 'delivered'));
    }
    const messages = receiver.accepted('/slack-group').map((r) => JSON.parse(r.body));
    expect(messages).toHaveLength(2);
    for (const m of messages) {
      expect(m.blocks.map((b: { type: string }) => b.type)).not.toContain('actions');
      const note = m.blocks.at(-1).text.text as string;
      expect(note).toContain(`of deployment group \`${g.id}\` (<https://orchestrator.example.com/api/deployment-groups/${g.id}|group>): approve or reject the whole group`);
      expect(note).toContain(`POST /api/deployment-groups/${g.id}/approve`);
    }
    await h!.dispose();

    const plain = receiver.on('/slack-no-secret', {});
    await start({ secret: undefined, subscriptions: [{ url: plain, events: ['awaiting_approval'], format: 'slack' }] });
    const d = await h!.orch.deploy(deployInput({ resources: [res('web')] }, { environment: 'production', options: { autoApprove: false } }));
    await waitFor(h!.orch, d.id, ['awaiting_approval']);
    await logUntil(d.id, (l) => l.some((e) => e.outcome === 'delivered'));
    const m = JSON.parse(receiver.accepted('/slack-no-secret')[0]!.body);
    expect(m.blocks.map((b: { type: string }) => b.type)).not.toContain('actions');
    expect(m.blocks.at(-1).text.text).toBe('Approve or reject in the console or the REST API.');
  });

  it('a drift check that finds drift is delivered as drift_detected; one that finds none as completed', async () => {
    const url = receiver.on('/drift', {});
    await start({ subscriptions: [{ url, events: ['drift_detected', 'completed'] }] });
    const d = await h!.orch.deploy(deployInput({ resources: [res('web'), res('db')] }));
    await waitFor(h!.orch, d.id);
    const clean = await h!.orch.detectDrift(d.id);
    await waitFor(h!.orch, clean.id);
    h!.executor.world.set('web', 'changed by hand');
    const drifted = await h!.orch.detectDrift(d.id);
    await waitFor(h!.orch, drifted.id);
    await logUntil(drifted.id, (l) => l.some((e) => e.outcome === 'delivered'));
    await logUntil(clean.id, (l) => l.some((e) => e.outcome === 'delivered'));
    const body = (id: string) => receiver.accepted('/drift').map((r) => JSON.parse(r.body)).find((b) => b.deployment.id === id);
    expect(body(drifted.id)).toMatchObject({ type: 'drift_detected', deployment: { operation: 'drift', drift: { drifted: true, resources: 1 } } });
    expect(body(clean.id)).toMatchObject({ type: 'completed', deployment: { operation: 'drift', drift: { drifted: false, resources: 0 } } });
  });
}
