import { z } from 'zod';
import { ConfiguredSubscriptionSchema, type NotificationOptions } from '@iac-orchestrator/core';

/** The variables of notifications (read by config.ts with the others). */
export const NotifyEnvSchema = z.object({
  /** Subscriptions to every deployment's events: a JSON list of `{id?, url, events, format?, secret?}`. */
  ORCHESTRATOR_NOTIFY: z.string().optional(),
  /** The webhook signing secret (≥ 16 characters). */
  ORCHESTRATOR_NOTIFY_SECRET: z.string().optional(),
  /** Origins or host names per-deployment `options.notify` URLs may point at, comma-separated. */
  ORCHESTRATOR_NOTIFY_ALLOWED_HOSTS: z.string().optional(),
  ORCHESTRATOR_NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).optional(),
  ORCHESTRATOR_NOTIFY_RETRY_BASE_MS: z.coerce.number().int().positive().optional(),
  /** Timeout of connecting to a receiver, ms (default 3000). */
  ORCHESTRATOR_NOTIFY_CONNECT_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  /** At most this many deliveries post at once per process (default half ORCHESTRATOR_CONCURRENCY, ≥ 1). */
  ORCHESTRATOR_NOTIFY_MAX_CONCURRENT: z.coerce.number().int().positive().optional(),
  /** The service's public base URL, for links in notifications. */
  ORCHESTRATOR_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
});

/**
 * Notification settings from the environment. Errors name the variable and the field, never a value:
 * `ORCHESTRATOR_NOTIFY` may carry secrets.
 */
export function notificationsFromEnv(env: Record<string, string | undefined>, fail: (message: string) => Error): NotificationOptions {
  const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v);
  const parsed = NotifyEnvSchema.safeParse(Object.fromEntries(Object.keys(NotifyEnvSchema.shape).map((k) => [k, blank(env[k])])));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw fail(`Invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  let subscriptions: unknown = [];
  if (e.ORCHESTRATOR_NOTIFY) {
    try {
      subscriptions = JSON.parse(e.ORCHESTRATOR_NOTIFY);
    } catch {
      throw fail('Invalid configuration: ORCHESTRATOR_NOTIFY must be a JSON list of subscriptions ({url, events, format?, secret?, id?})');
    }
  }
  const list = z.array(ConfiguredSubscriptionSchema).safeParse(subscriptions);
  if (!list.success) {
    const issue = list.error.issues[0]!;
    throw fail(`Invalid configuration: ORCHESTRATOR_NOTIFY[${issue.path.join('.')}]: ${issue.message}`);
  }
  if (e.ORCHESTRATOR_NOTIFY_SECRET !== undefined && e.ORCHESTRATOR_NOTIFY_SECRET.length < 16) throw fail('Invalid configuration: ORCHESTRATOR_NOTIFY_SECRET must be at least 16 characters');
  const missing = list.data.findIndex((s) => s.format === 'webhook' && !s.secret && !e.ORCHESTRATOR_NOTIFY_SECRET);
  if (missing >= 0) throw fail(`Invalid configuration: ORCHESTRATOR_NOTIFY[${missing}] is a webhook subscription without a secret: give it one, or set ORCHESTRATOR_NOTIFY_SECRET`);
  return {
    subscriptions: list.data,
    secret: e.ORCHESTRATOR_NOTIFY_SECRET,
    allowedHosts: (e.ORCHESTRATOR_NOTIFY_ALLOWED_HOSTS ?? '').split(',').map((h) => h.trim()).filter(Boolean),
    publicUrl: e.ORCHESTRATOR_PUBLIC_URL,
    maxAttempts: e.ORCHESTRATOR_NOTIFY_MAX_ATTEMPTS,
    retryBaseMs: e.ORCHESTRATOR_NOTIFY_RETRY_BASE_MS,
    connectTimeoutMs: e.ORCHESTRATOR_NOTIFY_CONNECT_TIMEOUT_MS,
    maxConcurrentDeliveries: e.ORCHESTRATOR_NOTIFY_MAX_CONCURRENT,
  };
}
