import { createHmac, timingSafeEqual } from 'node:crypto';

/** The signature header of every signed delivery: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<delivery id>.<body>">`. The delivery id (the {@link DELIVERY_HEADER}, which receivers dedupe by)
 * is signed too, so a captured delivery cannot be replayed under a fresh id. */
export const SIGNATURE_HEADER = 'X-Orchestrator-Signature';
/** The event a delivery carries (`completed`, `awaiting_approval`...). */
export const EVENT_HEADER = 'X-Orchestrator-Event';
/** The delivery's id: the same on every retry of one event to one subscription (receivers dedupe by it). */
export const DELIVERY_HEADER = 'X-Orchestrator-Delivery';
/** How old a signature may be, by default, before a receiver refuses it (a replay). */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

const hmac = (secret: string, timestamp: number, deliveryId: string, body: string | Uint8Array) =>
  createHmac('sha256', secret).update(`${timestamp}.${deliveryId}.`).update(body).digest('hex');

/**
 * The value of the {@link SIGNATURE_HEADER} for `body` of delivery `deliveryId` sent at `timestamp` (unix
 * seconds, default now): `t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<deliveryId>.<body>">`.
 */
export function signWebhookPayload(secret: string, deliveryId: string, body: string | Uint8Array, timestamp: number = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, deliveryId, body)}`;
}

/** What {@link verifyWebhookSignature} is given. */
export interface VerifyWebhookSignatureInput {
  /** The shared secret. */
  secret: string;
  /** The raw request body, exactly as received (not re-serialised JSON). */
  body: string | Uint8Array;
  /** The {@link DELIVERY_HEADER} value, as received: it is part of what is signed. */
  deliveryId: string | string[] | undefined;
  /** The {@link SIGNATURE_HEADER} value (undefined when absent). */
  header: string | string[] | undefined;
  /** Oldest (and furthest in the future) accepted timestamp, seconds. Default 300. */
  toleranceSeconds?: number;
  /** Now, unix seconds (tests). Default the clock. */
  now?: number;
}

/** The outcome: `ok`, or why not. */
export type WebhookVerification = { ok: true; timestamp: number; deliveryId: string } | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'mismatch' };

/**
 * Checks a delivery's signature as a receiver should: the header is well formed, its timestamp is within
 * the tolerance (a replay window, default 300 s) and one of its `v1` signatures equals the HMAC of
 * `"<t>.<delivery id>.<body>"`, compared in constant time. A receiver then dedupes by the returned
 * `deliveryId`, and may check that the body's `deliveryId` and `subscription` are its own.
 */
export function verifyWebhookSignature(input: VerifyWebhookSignatureInput): WebhookVerification {
  const header = Array.isArray(input.header) ? input.header[0] : input.header;
  const deliveryId = Array.isArray(input.deliveryId) ? input.deliveryId[0] : input.deliveryId;
  if (!header || !deliveryId) return { ok: false, reason: 'missing' };
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.trim().split('=', 2) as [string, string | undefined];
    if (k === 't' && v && /^\d{1,12}$/.test(v)) timestamp = Number(v);
    else if (k === 'v1' && v && /^[0-9a-f]{64}$/.test(v)) signatures.push(v);
  }
  if (timestamp === null || signatures.length === 0) return { ok: false, reason: 'malformed' };
  const now = input.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (input.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS)) return { ok: false, reason: 'expired' };
  const expected = Buffer.from(hmac(input.secret, timestamp, deliveryId, input.body), 'hex');
  const match = signatures.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
  return match ? { ok: true, timestamp, deliveryId } : { ok: false, reason: 'mismatch' };
}
