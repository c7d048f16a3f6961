import type { PhaseJob } from '../types/job-queue.js';
import type { RunHost } from '../orchestrator/host.js';
import { loadNotifyUrls } from '../orchestrator/secret-variables.js';
import { errorMessage, nowIso } from '../orchestrator/util.js';
import { backoffMs, BUSY_RETRY_MS } from './options.js';
import { notificationBody } from './payloads.js';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signWebhookPayload } from './signature.js';
import { deliveryJob, Notifier, type DeliveryPayload, type ResolvedSubscription } from './notifier.js';
import { postJson, type PostOutcome } from './http-post.js';
import { orderCheck } from './order.js';

/**
 * A `notify` job: one attempt to deliver one event to one subscription. At most `maxConcurrentDeliveries`
 * post at once per process (a job finding none free goes back to the queue, delayed). Order per deployment
 * and subscription: an earlier event still queued makes this one wait (a delayed job, never a sleeping
 * worker; see order.ts). A failed POST is retried as a delayed job with exponential backoff, up to
 * `maxAttempts`, then recorded as a dead letter; a failed store read or write is retried the same way (the
 * same attempt: receivers dedupe by delivery id). Every attempt is in the deployment's audit trail.
 */
export async function deliverNotification(host: RunHost, notifier: Notifier, job: PhaseJob): Promise<void> {
  const p = job.payload as unknown as DeliveryPayload;
  if (!notifier.takeSlot()) {
    await host.queue.enqueue(deliveryJob(job.deploymentId, { ...p, waits: p.waits + 1 }), { delayMs: BUSY_RETRY_MS });
    return;
  }
  try {
    await attempt(host, notifier, job, p);
  } catch (e) {
    await storeFailed(host, notifier, job, p, e);
  } finally {
    notifier.releaseSlot();
  }
}

async function attempt(host: RunHost, notifier: Notifier, job: PhaseJob, p: DeliveryPayload): Promise<void> {
  const o = notifier.options;
  const order = await orderCheck(host, notifier, job, p);
  if (order === 'done') return;
  if (typeof order === 'object') {
    await host.queue.enqueue(deliveryJob(job.deploymentId, { ...p, waits: p.waits + 1, missing: order.missing }), { delayMs: order.delayMs });
    return;
  }
  const d = p.subscription.source === 'deployment' ? await host.store.getDeployment(job.deploymentId) : null;
  const sealed = p.subscription.source === 'deployment' ? await loadNotifyUrls(host.store, job.deploymentId) : [];
  const s = notifier.resolve(p.subscription, d, sealed);
  if (typeof s === 'string') {
    await notifier.record('dead_letter', p, null, { error: s });
    host.logger('warn', `a notification was not sent (dead letter): ${s}`, { deploymentId: job.deploymentId, deliveryId: p.deliveryId });
    return report(host, p, null, 'dead_letter');
  }
  const outcome = await post(s, p, o, notifier.decisionSecret);
  if (outcome.ok) {
    await notifier.record('delivered', p, s, { statusCode: outcome.statusCode });
    return report(host, p, s, 'delivered');
  }
  // The URL of a subscription never shows, even if an error quotes it.
  const error = host.redactor.redact(outcome.error.split(s.url).join(Notifier.shown(s).url)).slice(0, 500);
  if (p.attempt >= o.maxAttempts) {
    await notifier.record('dead_letter', p, s, { statusCode: outcome.statusCode, error });
    host.logger('warn', `a notification was given up after ${p.attempt} attempts (dead letter)`, { deploymentId: job.deploymentId, deliveryId: p.deliveryId, subscription: Notifier.shown(s).url });
    return report(host, p, s, 'dead_letter');
  }
  const delayMs = backoffMs(o, p.attempt);
  await notifier.record('retrying', p, s, { statusCode: outcome.statusCode, error, nextAttemptAt: new Date(Date.now() + delayMs).toISOString() });
  await host.queue.enqueue(deliveryJob(job.deploymentId, { ...p, attempt: p.attempt + 1, waits: 0, missing: 0, storeErrors: 0 }), { delayMs });
  report(host, p, s, 'retrying');
}

/** A store (or queue) error during an attempt: the same attempt again later, or a dead letter. */
async function storeFailed(host: RunHost, notifier: Notifier, job: PhaseJob, p: DeliveryPayload, e: unknown): Promise<void> {
  const errors = (p.storeErrors ?? 0) + 1;
  const error = host.redactor.redact(`the store failed during the delivery: ${errorMessage(e)}`).slice(0, 500);
  // As many tries as a failing receiver gets (`maxAttempts`), with the same backoff.
  if (errors < notifier.options.maxAttempts) {
    host.logger('warn', 'a notification attempt met a store error; trying again later', { deploymentId: job.deploymentId, deliveryId: p.deliveryId, error });
    await host.queue.enqueue(deliveryJob(job.deploymentId, { ...p, waits: p.waits + 1, storeErrors: errors }), { delayMs: backoffMs(notifier.options, errors) });
    return;
  }
  host.logger('error', 'a notification was given up after repeated store errors (dead letter)', { deploymentId: job.deploymentId, deliveryId: p.deliveryId, error });
  await notifier.record('dead_letter', p, null, { error });
  report(host, p, null, 'dead_letter');
}

/** One POST: signed over the delivery id and the body. A webhook body also names its delivery and its
 * subscription, so that a receiver can check it was meant for it. */
async function post(s: ResolvedSubscription, p: DeliveryPayload, o: Notifier['options'], decisionSecret: string | null): Promise<PostOutcome> {
  const content = notificationBody(s.format, p.event, { decisionSecret });
  const body = JSON.stringify(s.format === 'webhook' ? { ...content, deliveryId: p.deliveryId, subscription: { source: s.ref.source, key: s.ref.key, origin: Notifier.shown(s).url.replace(/\/…$/, '') } } : content);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'iac-orchestrator-notifications',
    [EVENT_HEADER]: p.event.type,
    [DELIVERY_HEADER]: p.deliveryId,
  };
  if (s.secret) headers[SIGNATURE_HEADER] = signWebhookPayload(s.secret, p.deliveryId, body);
  return postJson(s.url, body, headers, { timeoutMs: o.timeoutMs, connectTimeoutMs: Math.min(o.connectTimeoutMs, o.timeoutMs), publicAddressesOnly: s.ref.source === 'deployment' });
}

function report(host: RunHost, p: DeliveryPayload, s: ResolvedSubscription | null, outcome: 'delivered' | 'retrying' | 'dead_letter'): void {
  host.events.emit('notification', {
    deploymentId: p.event.deployment.id,
    event: p.event.type,
    outcome,
    attempt: p.attempt,
    subscription: s ? Notifier.shown(s).url : p.subscription.key,
    at: nowIso(),
  });
}
