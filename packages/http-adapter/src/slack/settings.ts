import { parseSlackApprovers, SlackApproversError } from './approvers.js';
import { responseUrlPrefixOf } from './responder.js';
import type { SlackApprovalOptions } from '../routes/slack.js';

/** The environment variables of Approve from Slack, as read by the service's configuration. */
export interface SlackEnv {
  SLACK_SIGNING_SECRET?: string;
  SLACK_APPROVERS?: string;
  SLACK_RESPONSE_URL_PREFIXES?: string;
  /** The notifications secret: the approval buttons' values are keyed with a key derived from it. */
  ORCHESTRATOR_NOTIFY_SECRET?: string;
  /** The service's public base URL, for links in Slack answers. */
  ORCHESTRATOR_PUBLIC_URL?: string;
}

/**
 * Approve-from-Slack settings of the environment; null (the route stays off, a 404) without
 * `SLACK_SIGNING_SECRET`, which then needs `ORCHESTRATOR_NOTIFY_SECRET` (it keys the buttons' values, so a
 * click approves only what a message of this service showed). Throws a {@link SlackApproversError} naming the variable; no message ever
 * contains the secret.
 */
export function slackSettingsOf(env: SlackEnv): SlackApprovalOptions | null {
  const secret = env.SLACK_SIGNING_SECRET;
  if (!secret) {
    if (env.SLACK_APPROVERS || env.SLACK_RESPONSE_URL_PREFIXES) {
      throw new SlackApproversError('SLACK_APPROVERS / SLACK_RESPONSE_URL_PREFIXES are set but SLACK_SIGNING_SECRET is not: Slack requests could not be verified');
    }
    return null;
  }
  if (secret.length < 16 || /\s/.test(secret)) throw new SlackApproversError('SLACK_SIGNING_SECRET must be at least 16 characters without spaces (the Signing Secret of the Slack app)');
  const notificationsSecret = env.ORCHESTRATOR_NOTIFY_SECRET?.trim() ? env.ORCHESTRATOR_NOTIFY_SECRET : undefined;
  if (!notificationsSecret || notificationsSecret.length < 16) {
    throw new SlackApproversError('SLACK_SIGNING_SECRET needs ORCHESTRATOR_NOTIFY_SECRET (at least 16 characters): the approval buttons of notifications are keyed with it, and clicks are checked against it');
  }
  const prefixes = (env.SLACK_RESPONSE_URL_PREFIXES ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  return {
    signingSecret: secret,
    notificationsSecret,
    ...(env.ORCHESTRATOR_PUBLIC_URL?.trim() ? { publicUrl: env.ORCHESTRATOR_PUBLIC_URL.trim() } : {}),
    approvers: parseSlackApprovers(env.SLACK_APPROVERS ?? ''),
    responseUrlPrefixes: prefixes.map((p, i) => {
      try {
        return responseUrlPrefixOf(p);
      } catch (e) {
        throw new SlackApproversError(`SLACK_RESPONSE_URL_PREFIXES entry ${i + 1}: ${e instanceof Error && !(e instanceof TypeError) ? e.message : 'not a URL'}`);
      }
    }),
  };
}
