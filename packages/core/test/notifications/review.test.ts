/**
 * Security review of notifications (F1–F7): each test asserts the secure behaviour; each failed on the
 * code before the fix (7965583).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { InProcessJobQueue, ValidationError, verifyWebhookSignature, type NotificationDelivery, type NotificationOptions, type Deployment } from '../../src/index.js';
import { teamsMessage } from '../../src/notifications/teams.js';
import { deployInput, harness, res, waitFor, type Harness } from '../orchestrator/helpers.js';
import { Receiver } from './receiver.js';

const SECRET = 'whsec-test-0123456789abcdef-never-shown';
let h: Harness | undefined;
let receiver: Receiver;
const logs: string[] = [];
beforeEach(async () => { receiver = await new Receiver().start(); logs.length = 0; });
afterEach(async () => { await h?.dispose(); h = undefined; await receiver.stop(); });
const start = async (n: NotificationOptions, extra: Record<string, unknown> = {}) => {
  h = await harness({ notifications: { retryBaseMs: 100, ...n }, logger: (l, m, f) => logs.push(`${l} ${m} ${JSON.stringify(f ?? {})}`), ...extra });
  return h;
};
const logUntil = async (id: string, done: (l: NotificationDelivery[]) => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  for (;;) {
    const log = await h!.orch.notificationLog(id);
    if (done(log) || Date.now() > deadline) return log;
    await new Promise((r) => setTimeout(r, 25));
  }
};

// F1 — a per-deployment Slack/Teams URL is itself the credential (path token; Teams workflow `sig=` query).
it('F1: a per-deployment Slack webhook token is in no delivery log, audit entry, log line or GET response', async () => {
  const url = receiver.on('/services/T000/B000/SLACKTOKENxyz?sig=TEAMSSIG', { alwaysFail: true });
  await start({ secret: SECRET, allowedHosts: [receiver.url], maxAttempts: 2 });
  const d = await h!.orch.deploy(deployInput({ resources: [res('web')] }, { options: { notify: [{ url, events: ['completed'], format: 'slack' }] } }));
  await waitFor(h!.orch, d.id);
  await logUntil(d.id, (l) => l.some((e) => e.outcome === 'dead_letter'));
  await new Promise((r) => setTimeout(r, 200)); // the dead-letter warn is logged just after the record
  const exposed = {
    deliveryLog: JSON.stringify(await h!.orch.notificationLog(d.id)).includes('SLACKTOKENxyz'),
    audit: JSON.stringify(await h!.orch.audit({ deploymentId: d.id })).includes('SLACKTOKENxyz'),
    logs: logs.join('\n').includes('SLACKTOKENxyz'),
    // What GET /api/deployments/:id presents is the record (variables masked): no URL path, no query.
    getDeployment: JSON.stringify(await h!.orch.get(d.id)).includes('SLACKTOKENxyz'),
    getDeploymentQuerySig: JSON.stringify(await h!.orch.get(d.id)).includes('TEAMSSIG'),
    storedPlain: JSON.stringify(await h!.store.getDeployment(d.id)).includes('SLACKTOKENxyz'),
  };
  expect(exposed).toEqual({ deliveryLog: false, audit: false, logs: false, getDeployment: false, getDeploymentQuerySig: false, storedPlain: false });
  // The record shows the origin; the attempts did go to the full URL (sealed apart from the record).
  expect((await h!.orch.get(d.id)).options.notify![0]!.url).toBe(`${receiver.url}/…`);
  expect(receiver.received.filter((r) => r.path === '/services/T000/B000/SLACKTOKENxyz?sig=TEAMSSIG')).toHaveLength(2);
});

it('F1: a rollback, destroy or drift check of a deployment with its own subscription still notifies it', async () => {
  const url = receiver.on('/services/T1/B1/DERIVEDTOKEN', {});
  await start({ secret: SECRET, allowedHosts: [receiver.url] });
  const d = await h!.orch.deploy(deployInput({ resources: [res('web')] }, { options: { notify: [{ url, events: ['completed', 'drift_detected'], format: 'slack' }] } }));
  await waitFor(h!.orch, d.id);
  const drift = await h!.orch.detectDrift(d.id);
  await waitFor(h!.orch, drift.id);
  expect(JSON.stringify(await h!.store.getDeployment(drift.id))).not.toContain('DERIVEDTOKEN');
  const log = await logUntil(drift.id, (l) => l.some((e) => e.outcome === 'delivered' || e.outcome === 'dead_letter'));
  expect(log.filter((e) => e.outcome !== 'queued').map((e) => e.outcome)).toEqual(['delivered']);
  await logUntil(d.id, (l) => l.some((e) => e.outcome === 'delivered'));
  expect(receiver.accepted('/services/T1/B1/DERIVEDTOKEN')).toHaveLength(2);
});

it('F1: a rollback carries the sealed URL of the deployment it rolls back (and the variables of the version it re-applies)', async () => {
  const url = receiver.on('/services/T3/B3/ROLLBACKTOKEN', {});
  await start({ secret: SECRET, allowedHosts: [receiver.url] });
  const notify = [{ url, events: ['completed'], format: 'teams' }];
  const v1 = await h!.orch.deploy(deployInput({ resources: [res('web', 'v1')] }, { options: { notify, variables: { pw: 'v1-secret-value' }, sensitiveVariables: ['pw'] } }));
  await waitFor(h!.orch, v1.id);
  const v2 = await h!.orch.deploy(deployInput({ resources: [res('web', 'v2')] }, { options: { notify } }));
  await waitFor(h!.orch, v2.id);
  const r = await h!.orch.rollback(v2.id, { targetVersion: 1 });
  expect((await waitFor(h!.orch, r.rollbackDeploymentId)).status).toBe('completed');
  const log = await logUntil(r.rollbackDeploymentId, (l) => l.some((e) => e.outcome !== 'queued'));
  expect(log.filter((e) => e.outcome !== 'queued').map((e) => e.outcome)).toEqual(['delivered']);
  expect(JSON.stringify(await h!.store.getDeployment(r.rollbackDeploymentId))).not.toMatch(/ROLLBACKTOKEN|v1-secret-value/);
});

// F2 — deployGroup() never calls notifier.checkRequested().
it('F2a: a deployment group with options.notify outside the allow-list is refused (400) like deploy()', async () => {
  await start({ secret: SECRET, allowedHosts: [receiver.url] });
  const { options, ...base } = deployInput({ resources: [res('web')] });
  const input = { ...base, targets: [{ name: 'eu', region: 'eu-west-1' }], order: 'parallel', options: { ...options, notify: [{ url: 'http://169.254.169.254/latest/meta-data/iam', events: ['completed'] }] } };
  await expect(h!.orch.deployGroup(input as never)).rejects.toBeInstanceOf(ValidationError);
});

it('F2b: a group webhook subscription without the service secret is refused, never delivered unsigned', async () => {
  const url = receiver.on('/unsigned', {});
  await start({ allowedHosts: [receiver.url] }); // no secret: deploy() would refuse format webhook
  await expect(h!.orch.deploy(deployInput({ resources: [res('web')] }, { options: { notify: [{ url, events: ['completed'] }] } }))).rejects.toBeInstanceOf(ValidationError);
  const { options, ...base } = deployInput({ resources: [res('web')] });
  const input = { ...base, targets: [{ name: 'eu', region: 'eu-west-1' }], order: 'parallel', options: { ...options, notify: [{ url, events: ['completed'] }] } };
  let refused = false;
  try {
    const g = await h!.orch.deployGroup(input as never);
    await waitFor(h!.orch, g.targets[0]!.deploymentId);
    await logUntil(g.targets[0]!.deploymentId, (l) => l.some((e) => e.outcome === 'delivered'));
  } catch (e) {
    refused = e instanceof ValidationError;
  }
  const unsigned = receiver.accepted('/unsigned').filter((r) => !r.headers['x-orchestrator-signature']);
  expect({ refused, unsignedDeliveries: unsigned.length }).toEqual({ refused: true, unsignedDeliveries: 0 });
});

it('F2: a deployment group target notifies its own subscription with the URL sealed, never in its record', async () => {
  const url = receiver.on('/services/T2/B2/GROUPTOKEN', {});
  await start({ secret: SECRET, allowedHosts: [receiver.url] });
  const { options, ...base } = deployInput({ resources: [res('web')] });
  const input = { ...base, targets: [{ name: 'eu', region: 'eu-west-1' }], order: 'parallel', options: { ...options, notify: [{ url, events: ['completed'], format: 'slack' }] } };
  const g = await h!.orch.deployGroup(input as never);
  const id = g.targets[0]!.deploymentId;
  await waitFor(h!.orch, id);
  const log = await logUntil(id, (l) => l.some((e) => e.outcome === 'delivered'));
  expect(log.map((e) => e.outcome)).toContain('delivered');
  expect(receiver.accepted('/services/T2/B2/GROUPTOKEN')).toHaveLength(1);
  expect(JSON.stringify(await h!.store.getDeployment(id))).not.toContain('GROUPTOKEN');
});

// F3 — one transient store error inside a notify job loses the event: no retry, no dead letter.
it('F3: a transient store error during a delivery is retried, not silently dropped', async () => {
  const url = receiver.on('/lost', {});
  await start({ secret: SECRET, subscriptions: [{ id: 'ops', url, events: ['completed'] }] });
  const real = h!.store.listAudit.bind(h!.store);
  let fail = 1;
  h!.store.listAudit = async (q) => { if (fail-- > 0) throw new Error('store briefly unavailable'); return real(q); };
  const d = await h!.orch.deploy(deployInput({ resources: [res('web')] }));
  await waitFor(h!.orch, d.id);
  const log = await logUntil(d.id, (l) => l.some((e) => e.outcome === 'delivered' || e.outcome === 'dead_letter'), 4000);
  expect(log.map((e) => e.outcome)).toContain('delivered');
  expect(receiver.accepted('/lost')).toHaveLength(1);
});

it('F3: a store that keeps failing during a delivery ends in a dead-letter record with the reason, after maxAttempts tries', async () => {
  const url = receiver.on('/never', {});
  await start({ secret: SECRET, maxAttempts: 2, retryBaseMs: 50, subscriptions: [{ id: 'ops', url, events: ['completed'] }] });
  const real = h!.store.listAudit.bind(h!.store);
  let failing = false;
  h!.store.listAudit = async (q) => { if (failing && q.limit === 1000) throw new Error('store down for good'); return real(q); };
  failing = true;
  const d = await h!.orch.deploy(deployInput({ resources: [res('web')] }));
  await waitFor(h!.orch, d.id);
  const dead = async () => (await real({ deploymentId: d.id, limit: 100 })).find((e) => e.action === 'notification.dead_letter');
  for (const deadline = Date.now() + 5000; Date.now() < deadline && !(await dead()); ) await new Promise((r) => setTimeout(r, 25));
  expect((await dead())?.detail).toMatchObject({ error: expect.stringMatching(/the store failed during the delivery: store down for good/) });
  expect(receiver.received).toHaveLength(0);
});

// F4 — the signature covers only "<t>.<body>": X-Orchestrator-Delivery (the documented dedupe key) is unsigned.
it('F4: a captured delivery replayed under a fresh X-Orchestrator-Delivery does not verify', async () => {
  const url = receiver.on('/hook', {});
  await start({ secret: SECRET, subscriptions: [{ id: 'ops', url, events: ['completed'] }] });
  const d = await h!.orch.deploy(deployInput({ resources: [res('web')] }));
  await waitFor(h!.orch, d.id);
  await logUntil(d.id, (l) => l.some((e) => e.outcome === 'delivered'));
  const got = receiver.accepted('/hook')[0]!;
  const header = got.headers['x-orchestrator-signature'];
  expect(verifyWebhookSignature({ secret: SECRET, body: got.body, header, deliveryId: got.headers['x-orchestrator-delivery'] }).ok).toBe(true);
  expect(verifyWebhookSignature({ secret: SECRET, body: got.body, header, deliveryId: 'forged-new-id' }).ok).toBe(false);
});

// F5 — Teams TextBlocks render markdown: d.error (tool output of user IaC, reject comments) is not escaped.
it('F5: an error text cannot put a markdown link into the Teams card', () => {
  const event = { id: 'e', type: 'failed', occurredAt: '', links: null, deployment: { id: 'd', status: 'failed', operation: 'apply', blueprintId: 'bp', environment: 'production', targetCloud: 'aws', format: 'terraform', stackKey: 'k', requestedBy: null, error: 'Plan rejected by bob: [Re-approve here](https://evil.example/login)', plan: null, drift: null } } as const;
  const card = JSON.stringify(teamsMessage(event as never));
  expect(card).not.toContain('[Re-approve here](https://evil.example/login)');
  expect(card).toContain('\\\\[Re\\\\-approve here\\\\]\\\\(https://evil.example/login\\\\)');
});

// F6 — notify jobs take the same worker slots as plan/apply: a slow receiver stalls deployments of other stacks.
it('F6: a hanging notification receiver does not hold up another stack\'s deployment', async () => {
  const hung: Server = createServer(() => undefined); // accepts, never answers
  await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
  const slow = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
  try {
    await start({ secret: SECRET, timeoutMs: 60_000, subscriptions: [1, 2].map((i) => ({ id: `s${i}`, url: `${slow}/${i}`, events: ['completed'] as const })) }, { concurrency: 2 });
    const a = await h!.orch.deploy(deployInput({ resources: [res('web')] }));
    await waitFor(h!.orch, a.id);
    await new Promise((r) => setTimeout(r, 200)); // both notify jobs are now posting
    const b = await h!.orch.deploy(deployInput({ resources: [res('web')] }, { blueprintId: 'other-stack' }));
    let ended: Deployment | null = null;
    try { ended = await waitFor(h!.orch, b.id, undefined, 3000); } catch { /* stuck pending */ }
    expect(ended?.status ?? (await h!.orch.get(b.id)).status).toBe('completed');
  } finally {
    hung.closeAllConnections();
    hung.close();
  }
});

// F7 — an earlier event whose job was lost (enqueue failed after its 'queued' record, or an in-process
// queue restarted) makes every later event of the channel poll the audit trail every second for
// orderWaitLimitMs (394 s by default; ~3.7 h with ORCHESTRATOR_NOTIFY_MAX_ATTEMPTS=50) before it is sent.
it('F7: a lost earlier notification does not hold back (and busy-poll for) the later events of its subscription', async () => {
  const url = receiver.on('/ordered', {});
  const queue = new InProcessJobQueue();
  const realEnqueue = queue.enqueue.bind(queue);
  let notifyJobs = 0;
  let dropFirst = true;
  queue.enqueue = async (job, o) => {
    if (job.phase === 'notify') {
      notifyJobs++;
      if (dropFirst) { dropFirst = false; throw new Error('Redis briefly unavailable'); }
    }
    return realEnqueue(job, o);
  };
  await start({ secret: SECRET, subscriptions: [{ id: 'ops', url, events: ['awaiting_approval', 'completed'] }] }, { queue });
  const d = await h!.orch.deploy(deployInput({ resources: [res('web')] }, { environment: 'production', options: { autoApprove: false } }));
  await waitFor(h!.orch, d.id, ['awaiting_approval']);
  await h!.orch.approve(d.id, {}, { id: 'alice', canApprove: true });
  await waitFor(h!.orch, d.id);
  const log = await logUntil(d.id, (l) => l.some((e) => e.outcome === 'delivered' && e.event === 'completed'), 4000);
  expect(log.some((e) => e.outcome === 'delivered' && e.event === 'completed')).toBe(true);
  // The lost one is recorded with why, and the later one did not poll for it (a few looks, not one a second for minutes).
  expect(log.find((e) => e.event === 'awaiting_approval' && e.outcome === 'dead_letter')?.error).toMatch(/job was lost/);
  expect(notifyJobs).toBeLessThan(10);
});
