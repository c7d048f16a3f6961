import { createHmac, timingSafeEqual } from 'node:crypto';
import { UnauthenticatedError } from '../http-errors.js';

/** How far a request's `X-Slack-Request-Timestamp` may be from the service's clock (Slack's own rule: 5 minutes). */
export const SLACK_MAX_SKEW_SECONDS = 5 * 60;

const SIGNATURE = /^v0=[0-9a-f]{64}$/;
const TIMESTAMP = /^\d{1,12}$/;

/** The `X-Slack-Signature` value Slack sends for `rawBody` at `timestamp` (seconds): `v0=` + hex HMAC-SHA256 of
 * `v0:<timestamp>:<body>` keyed with the app's signing secret. Exported for tests and local tooling. */
export function slackSignature(signingSecret: string, timestamp: string, rawBody: Buffer | string): string {
  const mac = createHmac('sha256', signingSecret);
  mac.update(`v0:${timestamp}:`, 'utf8');
  mac.update(rawBody);
  return `v0=${mac.digest('hex')}`;
}

/**
 * Verifies a request as Slack documents request signing: the signature over the RAW body bytes, compared
 * in constant time, and the timestamp within {@link SLACK_MAX_SKEW_SECONDS} of `nowSeconds` (a replayed
 * request is refused). Throws an {@link UnauthenticatedError} (401) naming what is wrong, never the secret
 * or the expected signature.
 */
export function verifySlackRequest(
  signingSecret: string,
  headers: Record<string, string | string[] | undefined>,
  rawBody: Buffer,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): void {
  const timestamp = headers['x-slack-request-timestamp'];
  const signature = headers['x-slack-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string') {
    throw new UnauthenticatedError('Slack request signature missing: X-Slack-Signature and X-Slack-Request-Timestamp are required');
  }
  if (!TIMESTAMP.test(timestamp)) throw new UnauthenticatedError('Slack request refused: X-Slack-Request-Timestamp is not a Unix time in seconds');
  if (Math.abs(nowSeconds - Number(timestamp)) > SLACK_MAX_SKEW_SECONDS) {
    throw new UnauthenticatedError('Slack request refused: its timestamp is more than 5 minutes from now (a replayed or delayed request)');
  }
  const expected = Buffer.from(slackSignature(signingSecret, timestamp, rawBody), 'utf8');
  const presented = Buffer.from(signature, 'utf8');
  // Same length by the format check, so the comparison itself is constant-time.
  if (!SIGNATURE.test(presented.toString('utf8')) || !timingSafeEqual(expected, presented)) {
    throw new UnauthenticatedError('Slack request refused: X-Slack-Signature does not match the body (check SLACK_SIGNING_SECRET)');
  }
}
