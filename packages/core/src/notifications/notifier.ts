import { randomUUID } from 'node:crypto';
import type { Deployment } from '../types/domain.js';
import type { PhaseJob } from '../types/job-queue.js';
import { ValidationError } from '../errors.js';
import type { RunHost } from '../orchestrator/host.js';
import { errorMessage, nowIso } from '../orchestrator/util.js';
import { describeDeployment, eventTypeOf, type NotificationEvent } from './event.js';
import { NOTIFICATION_ACTIONS, type DeliveryRecord } from './delivery-log.js';
import { resolveNotificationOptions, type NotificationOptions, type ResolvedNotificationOptions } from './options.js';
import {
  ConfiguredSubscriptionSchema,
  configuredIdOf,
  displayUrl,
  refusalOf,
  type DeploymentSubscription,
  type NotificationEventType,
  type NotificationFormat,
  type SubscriptionRef,
} from './subscriptions.js';

/** A subscription resolved for one delivery, with what signs it (never leaves this process). */
export interface ResolvedSubscription {
  ref: SubscriptionRef;
  url: string;
  format: NotificationFormat;
  events: readonly NotificationEventType[];
  secret: string | null;
}

/** What a `notify` job carries (its {@link PhaseJob.payload}): no secret, no configured URL. */
export interface DeliveryPayload {
  event: NotificationEvent;
  subscription: SubscriptionRef;
  deliveryId: string;
  seq: number;
  attempt: number;
  /** How many times it has waited for an earlier event of its subscription. */
  waits: number;
  queuedAt: string;
}

/**
 * Turns a deployment's status changes into `notify` jobs, where the change happens (the runner, or the
 * API for approve / reject / cancel), and knows the subscriptions a runner delivers to.
 */
export class Notifier {
  readonly options: ResolvedNotificationOptions;
  private readonly configured: ResolvedSubscription[];
  private readonly secret: string | null;

  constructor(
    private readonly host: RunHost,
    options: NotificationOptions = {},
  ) {
    this.options = resolveNotificationOptions(options);
    this.secret = options.secret ?? null;
    if (this.secret !== null && this.secret.length < 16) throw new ValidationError('The notification secret must be at least 16 characters', 'notifications.secret');
    host.redactor.add(this.secret);
    this.configured = (options.subscriptions ?? []).map((raw, i) => {
      const parsed = ConfiguredSubscriptionSchema.safeParse(raw);
      // The message names the field, never the value (a subscription may carry its secret).
      if (!parsed.success) throw new ValidationError(`notifications.subscriptions[${i}]: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`, `notifications.subscriptions[${i}]`);
      const s = parsed.data;
      host.redactor.add(s.secret);
      const secret = s.secret ?? this.secret;
      if (s.format === 'webhook' && !secret) throw new ValidationError(`notifications.subscriptions[${i}]: a webhook subscription needs a secret (its own, or the service's webhook secret)`, `notifications.subscriptions[${i}]`);
      return { ref: { source: 'configured', key: configuredIdOf(s) }, url: s.url, format: s.format, events: s.events, secret };
    });
  }

  /** The notifications secret, which keys Slack's approval buttons (see `slackDecisionValue`); null when unset. */
  get decisionSecret(): string | null {
    return this.secret;
  }

  /** Refuses (400) a deploy request whose `options.notify` points outside the allowed hosts, or that needs
   * a signature the service cannot make. Nothing is stored then. */
  checkRequested(notify: readonly DeploymentSubscription[] | undefined): void {
    for (const [i, s] of (notify ?? []).entries()) {
      const refusal = refusalOf(s.url, this.options.allowedHosts);
      if (refusal) throw new ValidationError(`options.notify[${i}]: ${refusal}`, `options.notify[${i}].url`);
      if (s.format === 'webhook' && !this.secret) throw new ValidationError(`options.notify[${i}]: webhook notifications need the service's webhook secret, which is not configured`, `options.notify[${i}].format`);
    }
  }

  /** The subscription a job names, as this process's configuration and the deployment say now. */
  resolve(ref: SubscriptionRef, d: Deployment | null): ResolvedSubscription | string {
    if (ref.source === 'configured') return this.configured.find((s) => s.ref.key === ref.key) ?? `subscription ${ref.key} is no longer configured`;
    const s = d?.options.notify?.[Number(ref.key)];
    if (!s) return 'the deployment no longer has this subscription';
    const refusal = refusalOf(s.url, this.options.allowedHosts);
    return refusal ?? { ref, url: s.url, format: s.format, events: s.events, secret: this.secret };
  }

  /** What the delivery log shows of a subscription. */
  static shown(s: ResolvedSubscription): DeliveryRecord['subscription'] {
    return { source: s.ref.source, key: s.ref.key, url: displayUrl(s.url, s.ref.source === 'deployment'), format: s.format };
  }

  /** Listens to a status change (already masked): enqueues one delivery per subscription that wants it. */
  async onStatus(d: Deployment, previous: Deployment['status'] | null): Promise<void> {
    const type = eventTypeOf(d);
    if (!type || previous === d.status) return;
    const targets = [...this.configured, ...(d.options.notify ?? []).map((_, i) => this.resolve({ source: 'deployment', key: String(i) }, d))].filter(
      (s): s is ResolvedSubscription => typeof s !== 'string' && s.events.includes(type),
    );
    if (targets.length === 0) return;
    const event: NotificationEvent = { id: randomUUID(), type, occurredAt: d.updatedAt ?? nowIso(), ...describeDeployment(d, this.options.publicUrl) };
    const seq = d.revision ?? Date.parse(d.updatedAt ?? nowIso());
    for (const s of targets) {
      const payload: DeliveryPayload = { event, subscription: s.ref, deliveryId: `${event.id}.${s.ref.source[0]}${s.ref.key}`, seq, attempt: 1, waits: 0, queuedAt: nowIso() };
      try {
        // Recorded before the job exists: a later event of this subscription sees it and waits its turn.
        await this.record('queued', payload, s, { attempt: 0 });
        await this.host.queue.enqueue(deliveryJob(d.id, payload));
      } catch (e) {
        this.host.logger('error', 'a notification could not be queued', { deploymentId: d.id, event: type, subscription: Notifier.shown(s).url, error: errorMessage(e) });
      }
    }
  }

  /** Appends one notification entry to the deployment's audit trail. */
  async record(outcome: keyof typeof NOTIFICATION_ACTIONS, p: DeliveryPayload, s: ResolvedSubscription | null, extra: Partial<DeliveryRecord>): Promise<void> {
    const detail: DeliveryRecord = {
      deliveryId: p.deliveryId,
      event: p.event.type,
      subscription: s ? Notifier.shown(s) : { source: p.subscription.source, key: p.subscription.key, url: '(unknown)', format: 'webhook' },
      attempt: p.attempt,
      statusCode: null,
      error: null,
      nextAttemptAt: null,
      seq: p.seq,
      channel: channelOf(p.subscription),
      ...extra,
    };
    await this.host.audit({ who: null, action: NOTIFICATION_ACTIONS[outcome], stackKey: p.event.deployment.stackKey, deploymentId: p.event.deployment.id, detail: detail as unknown as Record<string, unknown> });
  }
}

export const channelOf = (ref: SubscriptionRef): string => `${ref.source}:${ref.key}`;

/** The job of one attempt (or one wait) of a delivery: its own id, in its subscription's group. */
export function deliveryJob(deploymentId: string, p: DeliveryPayload): PhaseJob {
  return {
    id: `notify:${p.deliveryId}:${p.attempt}.${p.waits}`,
    deploymentId,
    phase: 'notify',
    group: `notify:${deploymentId}:${channelOf(p.subscription)}`,
    payload: p as unknown as Record<string, unknown>,
  };
}
