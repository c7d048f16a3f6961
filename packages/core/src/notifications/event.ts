import type { Deployment } from '../types/domain.js';
import type { NotificationEventType } from './subscriptions.js';
import { planDigestOf } from './slack-decision.js';

/** What a notification says about a deployment: its identity, where it stands and what its plan changes
 * (counts and addresses only, from the masked plan: never a value). */
export interface NotificationEvent {
  /** Unique per event (a UUID). */
  id: string;
  type: NotificationEventType;
  /** When the status changed (ISO 8601). */
  occurredAt: string;
  deployment: {
    id: string;
    status: Deployment['status'];
    operation: Deployment['operation'];
    blueprintId: string;
    environment: string;
    targetCloud: string;
    format: string;
    stackKey: string;
    requestedBy: string | null;
    error: string | null;
    /** Change counts of its plan, and the first resources it touches, or null before a plan. */
    plan: { add: number; change: number; destroy: number; hasChanges: boolean; resources: Array<{ id: string; action: string }> } | null;
    /** For a drift check: how many resources drifted. */
    drift: { drifted: boolean; resources: number } | null;
    /** Digest of what an approval would apply (see `planDigestOf`), or null before a plan. */
    planDigest: string | null;
    /** For a target of a deployment group: the group, the target's name and place. A target is approved
     * or rejected only with its whole group. */
    group: { id: string; target: string | null; index: number; size: number } | null;
  };
  /** Links to the web console and the plan (and a group target's group, in the REST API), when the
   * service knows its public URL. */
  links: { console: string; plan: string; group?: string } | null;
}

const SHOWN_RESOURCES = 10;

/** The event a status change is, if any: `completed` of a drift check that found drift is `drift_detected`. */
export function eventTypeOf(d: Deployment): NotificationEventType | null {
  switch (d.status) {
    case 'awaiting_approval':
    case 'failed':
    case 'cancelled':
      return d.status;
    case 'completed':
      return d.operation === 'drift' && d.drift?.drifted ? 'drift_detected' : 'completed';
    default:
      return null;
  }
}

/** The event's content, from an (already masked) deployment record. */
export function describeDeployment(d: Deployment, publicUrl: string | null): Pick<NotificationEvent, 'deployment' | 'links'> {
  const base = publicUrl?.replace(/\/+$/, '') ?? null;
  const id = encodeURIComponent(d.id);
  return {
    deployment: {
      id: d.id,
      status: d.status,
      operation: d.operation,
      blueprintId: d.blueprintId,
      environment: d.environment,
      targetCloud: d.targetCloud,
      format: d.format,
      stackKey: d.stackKey,
      requestedBy: d.requestedBy,
      error: d.error ? d.error.slice(0, 500) : null,
      plan: d.plan
        ? { add: d.plan.add, change: d.plan.change, destroy: d.plan.destroy, hasChanges: d.plan.hasChanges, resources: d.plan.resources.filter((r) => r.action !== 'no-op' && r.action !== 'read').slice(0, SHOWN_RESOURCES).map((r) => ({ id: r.id, action: r.action })) }
        : null,
      drift: d.drift ? { drifted: d.drift.drifted, resources: d.drift.resources.length } : null,
      planDigest: planDigestOf(d),
      group: d.group ? { id: d.group.id, target: d.target ?? null, index: d.group.index, size: d.group.size } : null,
    },
    // The console routes deployments by hash (`/ui/#/deployments/<id>`); the plan is part of the record.
    links: base
      ? {
          console: `${base}/ui/#/deployments/${id}`,
          plan: `${base}/api/deployments/${id}`,
          ...(d.group ? { group: `${base}/api/deployment-groups/${encodeURIComponent(d.group.id)}` } : {}),
        }
      : null,
  };
}

export const TITLES: Record<NotificationEventType, string> = {
  awaiting_approval: 'Deployment awaiting approval',
  completed: 'Deployment completed',
  failed: 'Deployment failed',
  cancelled: 'Deployment cancelled',
  drift_detected: 'Drift detected',
};

/** "+1 ~0 -2" style counts, or why there are none. */
export function countsText(e: NotificationEvent): string {
  const p = e.deployment.plan;
  return p ? `${p.add} to add, ${p.change} to change, ${p.destroy} to destroy` : 'no plan';
}
