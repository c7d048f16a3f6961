import type { PhaseJob } from '../types/job-queue.js';
import type { RunHost } from '../orchestrator/host.js';
import { deliveryRecordsOf, type DeliveryRecord } from './delivery-log.js';
import { MAX_ORDER_WAITS, ORDER_WAIT_FLOOR_MS, orderWaitLimitMs } from './options.js';
import { channelOf, deliveryJobIds, type DeliveryPayload, type Notifier } from './notifier.js';

/** `go`: post now; `done`: already delivered or dead-lettered (a job run twice); else wait that long. */
export type OrderDecision = 'go' | 'done' | { delayMs: number; missing: number };

/**
 * Keeps a subscription's events of one deployment in order: this delivery waits while an earlier event of
 * the channel is unsettled *and its job is still queued* (waiting, delayed or running), at least
 * {@link ORDER_WAIT_FLOOR_MS} between two looks, at most {@link MAX_ORDER_WAITS} times and
 * `orderWaitLimitMs`. An earlier event whose job is in no queue at two looks in a row (its enqueue failed
 * after its `queued` record, or an in-process queue restarted) is lost: it is recorded as a dead letter
 * with that reason, and this one goes on.
 */
export async function orderCheck(host: RunHost, notifier: Notifier, job: PhaseJob, p: DeliveryPayload): Promise<OrderDecision> {
  const o = notifier.options;
  const all = deliveryRecordsOf(await host.store.listAudit({ deploymentId: job.deploymentId, limit: 1000 }));
  const records = all.filter((r) => r.channel === channelOf(p.subscription));
  const settled = new Set(records.filter((r) => r.outcome === 'delivered' || r.outcome === 'dead_letter').map((r) => r.deliveryId));
  // A job delivered twice (a runner that stalled after posting) posts nothing more.
  if (settled.has(p.deliveryId)) return 'done';
  const earlier = records.filter((r) => r.outcome === 'queued' && r.seq < p.seq && !settled.has(r.deliveryId)).sort((a, b) => a.seq - b.seq);
  const first = earlier[0];
  if (!first) return 'go';
  if (p.waits >= MAX_ORDER_WAITS || Date.now() - Date.parse(p.queuedAt) >= orderWaitLimitMs(o)) return 'go';
  // The earlier one's latest record says which attempt its job is for.
  const latest = records.filter((r) => r.deliveryId === first.deliveryId).at(-1)!;
  const nextAttempt = latest.outcome === 'retrying' ? latest.attempt + 1 : Math.max(1, latest.attempt);
  const queued = await Promise.all(deliveryJobIds(first.deliveryId, nextAttempt).map((id) => host.queue.position(id)));
  if (queued.every((q) => q === null)) {
    const missing = (p.missing ?? 0) + 1;
    if (missing < 2) return { delayMs: ORDER_WAIT_FLOOR_MS, missing };
    await recordLost(notifier, p, first);
    return earlier.length > 1 ? { delayMs: ORDER_WAIT_FLOOR_MS, missing: 0 } : 'go';
  }
  const due = latest.outcome === 'retrying' ? Date.parse(latest.nextAttemptAt ?? '') - Date.now() + 50 : 0;
  return { delayMs: Math.max(ORDER_WAIT_FLOOR_MS, Number.isFinite(due) ? due : 0), missing: 0 };
}

/** The dead-letter record of an earlier event whose job was lost. */
async function recordLost(notifier: Notifier, p: DeliveryPayload, lost: DeliveryRecord): Promise<void> {
  const payload: DeliveryPayload = { ...p, deliveryId: lost.deliveryId, seq: lost.seq, attempt: lost.attempt, event: { ...p.event, type: lost.event } };
  await notifier.record('dead_letter', payload, null, {
    subscription: lost.subscription,
    error: 'its job was lost (never queued, or the queue lost it); the later events of its subscription went on',
  });
}
