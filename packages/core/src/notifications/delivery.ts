import type { PhaseJob } from '../types/job-queue.js';
import type { RunHost } from '../orchestrator/host.js';
import { errorMessage, nowIso } from '../orchestrator/util.js';
import { deliveryRecordsOf } from './delivery-log.js';
import { backoffMs, orderWaitLimitMs } from './options.js';
import { notificationBody } from './payloads.js';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signWebhookPayload } from './signature.js';
import { channelOf, deliveryJob, Notifier, type DeliveryPayload, type ResolvedSubscription } from './notifier.js';

/**
 * A `notify` job: one attempt to deliver one event to one subscription. Order per deployment and
 * subscription: an earlier event not yet delivered nor dead-lettered makes this one wait (a delayed job,
 * never a sleeping worker). A failure is retried as a delayed job with exponential backoff, up to
 * `maxAttempts`, then recorded as a dead letter. Every attempt is in the deployment's audit trail.
 */
export async function deliverNotification(host: RunHost, notifier: Notifier, job: PhaseJob): Promise<void> {
  const p = job.payload as unknown as DeliveryPayload;
  const o = notifier.options;
  const records = deliveryRecordsOf(await host.store.listAudit({ deploymentId: job.deploymentId, limit: 1000 })).filter((r) => r.channel === channelOf(p.subscription));
  const settled = new Set(records.filter((r) => r.outcome === 'delivered' || r.outcome === 'dead_letter').map((r) => r.deliveryId));
  // A job delivered twice (a runner that stalled after posting) posts nothing more.
  if (settled.has(p.deliveryId)) return;
  const earlier = records.filter((r) => r.outcome === 'queued' && r.seq < p.seq && !settled.has(r.deliveryId));
  if (earlier.length > 0 && Date.now() - Date.parse(p.queuedAt) < orderWaitLimitMs(o)) {
    // Wait for the earlier one: until just after its next attempt is due, or a base delay before its first.
    const next = records.filter((r) => r.outcome === 'retrying' && earlier.some((e) => e.deliveryId === r.deliveryId)).map((r) => Date.parse(r.nextAttemptAt ?? ''));
    const due = next.length > 0 ? Math.max(...next) - Date.now() + 50 : 0;
    const delayMs = Math.max(Math.min(o.retryBaseMs, 1000), due);
    await host.queue.enqueue(deliveryJob(job.deploymentId, { ...p, waits: p.waits + 1 }), { delayMs });
    return;
  }
  const d = p.subscription.source === 'deployment' ? await host.store.getDeployment(job.deploymentId) : null;
  const s = notifier.resolve(p.subscription, d);
  if (typeof s === 'string') {
    await notifier.record('dead_letter', p, null, { error: s });
    return report(host, p, null, 'dead_letter');
  }
  const outcome = await post(s, p, o.timeoutMs, notifier.decisionSecret);
  if (outcome.ok) {
    await notifier.record('delivered', p, s, { statusCode: outcome.statusCode });
    return report(host, p, s, 'delivered');
  }
  const error = host.redactor.redact(outcome.error).slice(0, 500);
  if (p.attempt >= o.maxAttempts) {
    await notifier.record('dead_letter', p, s, { statusCode: outcome.statusCode, error });
    host.logger('warn', `a notification was given up after ${p.attempt} attempts (dead letter)`, { deploymentId: job.deploymentId, deliveryId: p.deliveryId, subscription: Notifier.shown(s).url });
    return report(host, p, s, 'dead_letter');
  }
  const delayMs = backoffMs(o, p.attempt);
  await notifier.record('retrying', p, s, { statusCode: outcome.statusCode, error, nextAttemptAt: new Date(Date.now() + delayMs).toISOString() });
  await host.queue.enqueue(deliveryJob(job.deploymentId, { ...p, attempt: p.attempt + 1, waits: 0 }), { delayMs });
  report(host, p, s, 'retrying');
}

type PostOutcome = { ok: true; statusCode: number } | { ok: false; statusCode: number | null; error: string };

/** One POST: signed, no redirect followed (a 3xx is a failure: the URL was checked, its target was not). */
async function post(s: ResolvedSubscription, p: DeliveryPayload, timeoutMs: number, decisionSecret: string | null): Promise<PostOutcome> {
  const body = JSON.stringify(notificationBody(s.format, p.event, { decisionSecret }));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'iac-orchestrator-notifications',
    [EVENT_HEADER]: p.event.type,
    [DELIVERY_HEADER]: p.deliveryId,
  };
  if (s.secret) headers[SIGNATURE_HEADER] = signWebhookPayload(s.secret, body);
  try {
    const res = await fetch(s.url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, statusCode: res.status };
    return { ok: false, statusCode: res.status, error: `the receiver answered HTTP ${res.status}` };
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, statusCode: null, error: cause ? `${errorMessage(e)} (${cause.code ?? cause.message ?? 'network error'})` : errorMessage(e) };
  }
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
