import { ValidationError } from '../errors.js';
import type { ConfiguredSubscription } from './subscriptions.js';

/**
 * Notifications of deployment events (`OrchestratorOptions.notifications`). Configured subscriptions hear
 * about every deployment; a deploy request may add its own in `options.notify` (URLs limited to
 * `allowedHosts`, signed with `secret`). Deliveries are `notify` jobs on the orchestrator's job queue,
 * retried with exponential backoff (`retryBaseMs · 2^(attempt-1)`, at most `retryMaxMs`) as delayed jobs,
 * up to `maxAttempts`, then recorded as dead letters. Every step is in the deployment's audit trail.
 */
export interface NotificationOptions {
  /** Subscriptions to every deployment's events. */
  subscriptions?: ConfiguredSubscription[];
  /** The service's webhook signing secret (at least 16 characters): signs per-deployment subscriptions
   * and configured ones without a secret of their own. Never logged, stored or sent. */
  secret?: string;
  /** Where per-deployment subscriptions may point: origins (`https://hooks.slack.com`,
   * `http://127.0.0.1:8080`, matched exactly) or host names (`hooks.slack.com`, `*.example.com`; https on
   * the default port only). Empty (the default): per-deployment subscriptions are refused. */
  allowedHosts?: readonly string[];
  /** The service's public base URL (`https://orchestrator.example.com`), for links to the console and plan. */
  publicUrl?: string;
  /** Attempts per delivery before the dead-letter record. Default 8. */
  maxAttempts?: number;
  /** Delay before the second attempt; doubles each time. Default 2000 ms. */
  retryBaseMs?: number;
  /** Longest delay between two attempts. Default 5 min. */
  retryMaxMs?: number;
  /** Timeout of one POST. Default 10 s. */
  timeoutMs?: number;
}

export interface ResolvedNotificationOptions {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  timeoutMs: number;
  allowedHosts: readonly string[];
  publicUrl: string | null;
}

export function resolveNotificationOptions(o: NotificationOptions): ResolvedNotificationOptions {
  const int = (v: number | undefined, def: number, name: string, min: number) => {
    const n = v ?? def;
    if (!Number.isInteger(n) || n < min) throw new ValidationError(`notifications.${name} must be an integer ≥ ${min}`, `notifications.${name}`);
    return n;
  };
  return {
    maxAttempts: int(o.maxAttempts, 8, 'maxAttempts', 1),
    retryBaseMs: int(o.retryBaseMs, 2000, 'retryBaseMs', 1),
    retryMaxMs: int(o.retryMaxMs, 300_000, 'retryMaxMs', 1),
    timeoutMs: int(o.timeoutMs, 10_000, 'timeoutMs', 1),
    allowedHosts: o.allowedHosts ?? [],
    publicUrl: o.publicUrl ?? null,
  };
}

/** The delay before attempt `attempt + 1`. */
export const backoffMs = (o: ResolvedNotificationOptions, attempt: number): number => Math.min(o.retryMaxMs, o.retryBaseMs * 2 ** Math.min(attempt - 1, 30));

/** How long a later event waits for an earlier one of the same subscription before going anyway (the
 * earlier one's job was lost with an in-process queue): all of the earlier one's retries, and a minute. */
export function orderWaitLimitMs(o: ResolvedNotificationOptions): number {
  let total = 60_000;
  for (let a = 1; a < o.maxAttempts; a++) total += backoffMs(o, a) + o.timeoutMs;
  return total + o.timeoutMs;
}
