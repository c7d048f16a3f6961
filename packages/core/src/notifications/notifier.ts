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
import { isShownUrl } from './sealed-urls.js';

/** A subscription resolved for one delivery, with what signs it (never leaves this process). */
export interface ResolvedSubscription {
  ref: SubscriptionRef;
  /** For a deployment's subscription: its sealed URL at delivery, its shown `<origin>/…` before. */
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
  /** Failed store reads or writes of this attempt so far (retried as delayed jobs). */
  storeErrors?: number;
  /** Order checks that found the earlier event's job in no queue (twice in a row: it is lost). */
  missing?: number;
}

/**
 * Turns a deployment's status changes into `notify` jobs, where the change happens (the runner, or the
 * API for approve / reject / cancel), and knows the subscriptions a runner delivers to.
 */
export class Notifier {
  readonly options: ResolvedNotificationOptions;
  private readonly configured: ResolvedSubscription[];
  private readonly secret: string | null;
  /** Deliveries posting now in this process (at most `maxConcurrentDeliveries`). */
  private posting = 0;

  constructor(
    private readonly host: RunHost,
    options: NotificationOptions = {},
  ) {
    this.options = resolveNotificationOptions(options, host.options.concurrency);
    this.secret = options.secret ?? null;
    if (this.secret !== null && this.secret.length < 16) throw new ValidationError('The notification secret must be at least 16 characters', 'notifications.secret');
    host.redactor.add(this.secret);
    this.configured = (options.subscriptions ?? []).map((raw, i) => {
      const parsed = ConfiguredSubscriptionSchema.safeParse(raw);
      // The message names the field, never the value (a subscription may carry its secret).
      if (!parsed.success) throw new ValidationError(`notifications.subscriptions[${i}]: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`, `notifications.subscriptions[${i}]`);
      const s = parsed.data;
      host.redactor.add(s.secret);
      // Its URL may itself be a credential (a Slack webhook's path, a Teams `sig=` query): masked too.
      host.redactor.add(s.url);
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
      if (isShownUrl(s.url)) throw new ValidationError(`options.notify[${i}]: url must be the full webhook URL (a record shows only its origin)`, `options.notify[${i}].url`);
    }
  }

  /**
   * The subscription a job names, as this process's configuration and the deployment say now. A
   * deployment's subscription posts to its sealed URL (`sealedUrls`, by index; a record written before
   * URLs were sealed still has it in place), and a webhook one only when it can be signed.
   */
  resolve(ref: SubscriptionRef, d: Deployment | null, sealedUrls: readonly string[] = []): ResolvedSubscription | string {
    if (ref.source === 'configured') return this.configured.find((s) => s.ref.key === ref.key) ?? `subscription ${ref.key} is no longer configured`;
    const s = d?.options.notify?.[Number(ref.key)];
    if (!s) return 'the deployment no longer has this subscription';
    const url = sealedUrls[Number(ref.key)] ?? (isShownUrl(s.url) ? null : s.url);
    if (!url || isShownUrl(url)) return 'the URL of this subscription is not stored';
    if (s.format === 'webhook' && !this.secret) return 'a webhook subscription is never sent unsigned, and the service has no webhook secret';
    const refusal = refusalOf(url, this.options.allowedHosts);
    return refusal ?? { ref, url, format: s.format, events: s.events, secret: this.secret };
  }

  /** What the delivery log shows of a subscription: its origin only (a Slack or Teams webhook's path, a
   * `sig=` query, are credentials). */
  static shown(s: ResolvedSubscription): DeliveryRecord['subscription'] {
    return { source: s.ref.source, key: s.ref.key, url: displayUrl(s.url, false), format: s.format };
  }

  /** Takes one of this process's delivery slots, or returns false when they are all taken. */
  takeSlot(): boolean {
    if (this.posting >= this.options.maxConcurrentDeliveries) return false;
    this.posting++;
    return true;
  }

  releaseSlot(): void {
    this.posting = Math.max(0, this.posting - 1);
  }

  /** Listens to a status change (already masked): enqueues one delivery per subscription that wants it. */
  async onStatus(d: Deployment, previous: Deployment['status'] | null): Promise<void> {
    const type = eventTypeOf(d);
    if (!type || previous === d.status) return;
    // The record shows a deployment's subscriptions with their origin: enough to choose them (the URL
    // itself is read from the sealed secrets, and checked again, at delivery).
    const own = (d.options.notify ?? []).map((s, i): ResolvedSubscription | string =>
      refusalOf(s.url, this.options.allowedHosts) ?? { ref: { source: 'deployment', key: String(i) }, url: s.url, format: s.format, events: s.events, secret: null },
    );
    const targets = [...this.configured, ...own].filter(
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

/** The ids the job of attempt `attempt` of a delivery may have: a wait re-enqueues it under the other one
 * (the running job's id is still taken), so that a later event can tell whether it is still queued. */
export const deliveryJobIds = (deliveryId: string, attempt: number): [string, string] => [`notify:${deliveryId}:${attempt}.0`, `notify:${deliveryId}:${attempt}.1`];

/** The job of one attempt (or one wait) of a delivery, in its subscription's group. */
export function deliveryJob(deploymentId: string, p: DeliveryPayload): PhaseJob {
  return {
    id: deliveryJobIds(p.deliveryId, p.attempt)[p.waits % 2]!,
    deploymentId,
    phase: 'notify',
    group: `notify:${deploymentId}:${channelOf(p.subscription)}`,
    payload: p as unknown as Record<string, unknown>,
  };
}
