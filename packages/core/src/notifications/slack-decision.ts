import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Deployment } from '../types/domain.js';
import { canonicalJson } from '../canonical-json.js';

/**
 * The value of a Slack approval button, made and checked by the service itself (invariant 3: what is
 * approved is what was shown). Slack's request signature proves a click came from Slack, not that the
 * message was this service's: anyone who can post as the Slack app (its bot token, an incoming-webhook URL)
 * could put any deployment id under a button. So the value is
 * `<deploymentId>.<planDigest>.<mac>`: the plan digest binds the plan the message showed, and the MAC,
 * keyed with a key derived from the notifications secret, proves this service made the pair.
 * @module
 */

/** What a deployment's plan digest covers (a full {@link Deployment} will do). */
export type PlannedDeployment = Pick<Deployment, 'id' | 'stackKey' | 'operation' | 'bundleDigest' | 'baseVersion' | 'plan'>;

/** The parts of a verified button value. */
export interface SlackDecisionValue {
  /** The deployment the button decides. */
  deploymentId: string;
  /** The {@link planDigestOf} of the plan the message showed. */
  planDigest: string;
}

const KEY_INFO = 'iac-orchestrator/slack-decision-button/v1';
const B64URL_256 = /^[A-Za-z0-9_-]{43}$/;

/**
 * The digest of what an approval of `d` would apply: its id, stack, operation, code (bundle digest), the
 * state version its plan was made from and its stored plan summary (already masked), as base64url
 * SHA-256. Null before a plan. The same record read from any store or process gives the same digest.
 */
export function planDigestOf(d: PlannedDeployment): string | null {
  if (!d.plan) return null;
  const bound = { v: 1, id: d.id, stackKey: d.stackKey, operation: d.operation, bundleDigest: d.bundleDigest, baseVersion: d.baseVersion, plan: d.plan };
  return createHash('sha256').update(canonicalJson(bound), 'utf8').digest('base64url');
}

/** The button key: HKDF-SHA256 of the notifications secret, for this use only (never the secret itself). */
function decisionKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), KEY_INFO, 32));
}

const macOf = (secret: string, deploymentId: string, planDigest: string) =>
  createHmac('sha256', decisionKey(secret)).update(`${deploymentId}.${planDigest}`, 'utf8').digest('base64url');

/**
 * The `value` of an Approve / Reject button (`action_id` `deployment.approve` / `deployment.reject`) for
 * `d`, as the service's own notifications carry it: `<deploymentId>.<planDigest>.<mac>` (under 300
 * characters; Slack allows 2000). `secret` is the orchestrator's notifications secret
 * (`notifications.secret`, ORCHESTRATOR_NOTIFY_SECRET); the Slack actions route of the service derives
 * the same key from it. Use it when you build Slack messages of your own; a button with a bare
 * deployment id is refused. Throws when `d` has no plan yet (nothing to approve).
 */
export function slackDecisionValue(secret: string, d: PlannedDeployment): string {
  const planDigest = planDigestOf(d);
  if (planDigest === null) throw new Error(`Deployment ${d.id} has no plan yet: there is nothing to approve`);
  return slackDecisionValueOf(secret, d.id, planDigest);
}

/** {@link slackDecisionValue} from a deployment id and a plan digest already computed ({@link planDigestOf}). */
export function slackDecisionValueOf(secret: string, deploymentId: string, planDigest: string): string {
  return `${deploymentId}.${planDigest}.${macOf(secret, deploymentId, planDigest)}`;
}

/**
 * Reads a button value made by {@link slackDecisionValue} with the same `secret`: the deployment id and
 * plan digest it names, or null when it is malformed or its MAC does not match (compared in constant
 * time). A non-null answer says only that this service made the value; the caller must still check the
 * digest against the deployment's current {@link planDigestOf}.
 */
export function readSlackDecisionValue(secret: string, value: string): SlackDecisionValue | null {
  const parts = value.split('.');
  if (parts.length < 3) return null;
  const mac = parts.pop()!;
  const planDigest = parts.pop()!;
  const deploymentId = parts.join('.');
  if (deploymentId === '' || !B64URL_256.test(planDigest) || !B64URL_256.test(mac)) return null;
  const expected = Buffer.from(macOf(secret, deploymentId, planDigest), 'utf8');
  const presented = Buffer.from(mac, 'utf8');
  return expected.length === presented.length && timingSafeEqual(expected, presented) ? { deploymentId, planDigest } : null;
}
