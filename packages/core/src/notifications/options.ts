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
  /** Timeout of connecting to a receiver (TCP and TLS), within `timeoutMs`. Default 3 s. */
  connectTimeoutMs?: number;
  /** At most this many deliveries post at once in this process, so that slow receivers never take every
   * runner slot from plans and applies: a delivery finding them all taken goes back to the queue (a
   * delayed job, never a waiting slot). Default: half the orchestrator's `concurrency`, at least 1. */
  maxConcurrentDeliveries?: number;
}

export interface ResolvedNotificationOptions {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  timeoutMs: number;
  connectTimeoutMs: number;
  maxConcurrentDeliveries: number;
  allowedHosts: readonly string[];
  publicUrl: string | null;
}

export function resolveNotificationOptions(o: NotificationOptions, concurrency = 4): ResolvedNotificationOptions {
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
    connectTimeoutMs: int(o.connectTimeoutMs, 3_000, 'connectTimeoutMs', 1),
    maxConcurrentDeliveries: int(o.maxConcurrentDeliveries, Math.max(1, Math.floor(concurrency / 2)), 'maxConcurrentDeliveries', 1),
    allowedHosts: o.allowedHosts ?? [],
    publicUrl: o.publicUrl ?? null,
  };
}

/** The delay before attempt `attempt + 1`. */
export const backoffMs = (o: ResolvedNotificationOptions, attempt: number): number => Math.min(o.retryMaxMs, o.retryBaseMs * 2 ** Math.min(attempt - 1, 30));

/** How long at most a later event waits for an earlier one of the same subscription (whose job is still
 * queued) before going anyway: all of the earlier one's retries, and a minute. */
export function orderWaitLimitMs(o: ResolvedNotificationOptions): number {
  let total = 60_000;
  for (let a = 1; a < o.maxAttempts; a++) total += backoffMs(o, a) + o.timeoutMs;
  return total + o.timeoutMs;
}

/** The shortest wait for an earlier event (each wait reads the audit trail and the queue). */
export const ORDER_WAIT_FLOOR_MS = 1000;
/** At most this many order waits of one delivery. */
export const MAX_ORDER_WAITS = 600;
/** Delay before a delivery finding every delivery slot of its process taken tries again. */
export const BUSY_RETRY_MS = 500;
