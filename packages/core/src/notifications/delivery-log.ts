import type { AuditEntry } from '../types/domain.js';
import type { NotificationEventType } from './subscriptions.js';

/** The audit actions of notifications: queued, then one entry per attempt. */
export const NOTIFICATION_ACTIONS = {
  queued: 'notification.queued',
  delivered: 'notification.delivered',
  retrying: 'notification.failed',
  dead_letter: 'notification.dead_letter',
} as const;

/** What happened to a delivery at one point: queued, one attempt delivered, failed (to be retried), or
 * failed for the last time (the dead-letter record). */
export type DeliveryOutcome = keyof typeof NOTIFICATION_ACTIONS;

/** One line of a deployment's delivery log. */
export interface NotificationDelivery {
  /** When (ISO 8601). */
  at: string;
  /** Stable across the attempts of one event to one subscription (the `X-Orchestrator-Delivery` header). */
  deliveryId: string;
  event: NotificationEventType;
  /** The subscription: its source (`configured` / `deployment`) and the origin of its URL only
   * (`https://hooks.slack.com/…`: a webhook URL's path or query may itself be a credential). */
  subscription: { source: 'configured' | 'deployment'; key: string; url: string; format: string };
  outcome: DeliveryOutcome;
  /** 1 for the first attempt; 0 for `queued`. */
  attempt: number;
  /** The receiver's HTTP status, when it answered. */
  statusCode: number | null;
  /** Why the attempt failed (masked), when it did. */
  error: string | null;
  /** When the next attempt is due, for `retrying`. */
  nextAttemptAt: string | null;
}

/** Fields every notification audit entry carries in its `detail`. */
export interface DeliveryRecord extends Omit<NotificationDelivery, 'at' | 'outcome'> {
  /** The deployment's revision at the status change: the order of its events. */
  seq: number;
  /** `<source>:<key>`: one subscription of one deployment, whose events keep their order. */
  channel: string;
}

const OUTCOME_OF = new Map<string, DeliveryOutcome>(Object.entries(NOTIFICATION_ACTIONS).map(([k, v]) => [v, k as DeliveryOutcome]));

/** The notification entries of an audit trail, as records with their outcome, oldest first. */
export function deliveryRecordsOf(entries: readonly AuditEntry[]): Array<DeliveryRecord & { at: string; outcome: DeliveryOutcome }> {
  const out: Array<DeliveryRecord & { at: string; outcome: DeliveryOutcome }> = [];
  for (const e of entries) {
    const outcome = OUTCOME_OF.get(e.action);
    if (outcome) out.push({ ...(e.detail as unknown as DeliveryRecord), at: e.at, outcome });
  }
  // listAudit is newest first; entries written in the same millisecond keep the store's order.
  return out.reverse();
}

/**
 * The delivery log of a deployment from its audit trail (`listAudit({deploymentId})`): every queued event
 * and every attempt, oldest first. The REST adapter serves it as `GET /api/deployments/:id/notifications`.
 */
export function deliveryLogOf(entries: readonly AuditEntry[]): NotificationDelivery[] {
  return deliveryRecordsOf(entries).map((r) => ({
    at: r.at,
    deliveryId: r.deliveryId,
    event: r.event,
    subscription: r.subscription,
    outcome: r.outcome,
    attempt: r.attempt ?? 0,
    statusCode: r.statusCode ?? null,
    error: r.error ?? null,
    nextAttemptAt: r.nextAttemptAt ?? null,
  }));
}
