import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Who hears about a deployment: subscriptions, the events they want, the shape of what they get, and the
 * allow-list that keeps per-deployment URLs from turning the service into a POST-anywhere proxy.
 * @module
 */

/** The events a subscription may ask for. `drift_detected` is a drift check that ended with drift found. */
export const NotificationEventTypeSchema = z.enum(['awaiting_approval', 'completed', 'failed', 'cancelled', 'drift_detected']);
/** One kind of deployment event a subscription hears about. */
export type NotificationEventType = z.infer<typeof NotificationEventTypeSchema>;

/** `webhook`: the event as JSON, signed; `slack`: a Block Kit message for a Slack incoming webhook;
 * `teams`: an Adaptive Card message for a Microsoft Teams incoming webhook / workflow. */
export const NotificationFormatSchema = z.enum(['webhook', 'slack', 'teams']);
/** The shape of what a subscription is sent. */
export type NotificationFormat = z.infer<typeof NotificationFormatSchema>;

const HttpUrlSchema = z.url({ protocol: /^https?$/, message: 'url must be an http(s) URL' }).max(2000);

/** A subscription asked for in a deploy request (`options.notify`). It carries no secret: its deliveries
 * are signed with the service's configured webhook secret. */
export const DeploymentSubscriptionSchema = z
  .object({
    /** Where to POST; must match the service's allowed notification hosts. A credential (a Slack or
     * Teams webhook URL): sealed apart from the record, which shows its origin only. */
    url: HttpUrlSchema,
    /** Which events to send (at least one). */
    events: z.array(NotificationEventTypeSchema).min(1).max(5),
    /** What to send. Default `webhook`. */
    format: NotificationFormatSchema.default('webhook'),
  })
  .strict();
/** A subscription of one deployment (from `options.notify`). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- an interface (not an alias) so that typedoc lists its fields; the schema stays the single source.
export interface DeploymentSubscription extends z.infer<typeof DeploymentSubscriptionSchema> {}

/** `options.notify` of a deploy request: up to 5 subscriptions. */
export const DeploymentNotifySchema = z.array(DeploymentSubscriptionSchema).max(5);

/** A subscription configured at start-up (`ORCHESTRATOR_NOTIFY`, or the Orchestrator's `notifications`
 * option): it hears about every deployment, and may sign with a secret of its own. */
export const ConfiguredSubscriptionSchema = z
  .object({
    /** A stable name for the delivery log (default: derived from the URL). */
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/).optional(),
    url: HttpUrlSchema,
    events: z.array(NotificationEventTypeSchema).min(1).max(5),
    format: NotificationFormatSchema.default('webhook'),
    /** Signs this subscription's deliveries instead of the service's webhook secret. Never logged. */
    secret: z.string().min(16, 'a subscription secret must be at least 16 characters').optional(),
  })
  .strict();
/** A subscription configured at start-up. */
export type ConfiguredSubscription = z.input<typeof ConfiguredSubscriptionSchema>;

/** Where a delivery goes, as a job carries it: no secret, and for a configured subscription no URL
 * either (its URL, e.g. a Slack webhook's secret path, is looked up in the runner's configuration). */
export interface SubscriptionRef {
  source: 'configured' | 'deployment';
  /** Configured: its id; deployment: its index in `options.notify`. */
  key: string;
}

/** The id of a configured subscription: its own, or one derived from its URL and format. */
export function configuredIdOf(s: ConfiguredSubscription): string {
  return s.id ?? `sub-${createHash('sha256').update(`${s.format ?? 'webhook'} ${s.url}`).digest('hex').slice(0, 10)}`;
}

/**
 * A URL as the delivery log shows it: no user info, query or fragment (where tokens hide). `withPath`
 * false keeps only the origin (a configured Slack or Teams webhook's path is itself the credential).
 */
export function displayUrl(url: string, withPath = true): string {
  try {
    const u = new URL(url);
    return withPath ? `${u.origin}${u.pathname}` : `${u.origin}/…`;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * Whether a per-deployment URL may be called. Entries of the allow-list are origins
 * (`http://127.0.0.1:8080`, `https://hooks.slack.com`: scheme, host and port must match exactly) or host
 * names (`hooks.slack.com`, `*.example.com`: https on the default port only). Returns why not, or null.
 */
export function refusalOf(url: string, allowed: readonly string[]): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'url must be an http(s) URL';
  }
  if (u.username || u.password) return 'url must not carry credentials';
  if (allowed.length === 0) return 'per-deployment notifications are not enabled on this service (no allowed notification hosts are configured)';
  const host = u.hostname.toLowerCase();
  const ok = allowed.some((entry) => {
    const e = entry.trim().toLowerCase();
    if (e.includes('://')) return e.replace(/\/+$/, '') === u.origin.toLowerCase();
    if (u.protocol !== 'https:' || u.port !== '') return false;
    return e.startsWith('*.') ? host.endsWith(e.slice(1)) && host.length > e.length - 1 : host === e;
  });
  return ok ? null : `url ${displayUrl(url, false)} is not an allowed notification host`;
}
