import { parseSlackApprovers, SlackApproversError } from './approvers.js';
import { responseUrlPrefixOf } from './responder.js';
import type { SlackApprovalOptions } from '../routes/slack.js';

/** The environment variables of Approve from Slack, as read by the service's configuration. */
export interface SlackEnv {
  SLACK_SIGNING_SECRET?: string;
  SLACK_APPROVERS?: string;
  SLACK_RESPONSE_URL_PREFIXES?: string;
}

/**
 * Approve-from-Slack settings of the environment; null (the route stays off, a 404) without
 * `SLACK_SIGNING_SECRET`. Throws a {@link SlackApproversError} naming the variable; no message ever
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
  const prefixes = (env.SLACK_RESPONSE_URL_PREFIXES ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  return {
    signingSecret: secret,
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
