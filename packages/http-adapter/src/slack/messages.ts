import type { SlackDecisionRequest } from './payload.js';
import type { SlackResponseMessage } from './responder.js';

/** Escapes text for Slack's mrkdwn (`&`, `<`, `>`), so ids and names cannot form links or mentions. */
export const slackEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A reply only the clicking user sees; the original message stays. */
export const ephemeral = (text: string): SlackResponseMessage => ({ response_type: 'ephemeral', replace_original: false, text });

/** Who decided, as shown in Slack and kept as the approval's comment: the principal and the Slack user. */
export function slackActor(req: SlackDecisionRequest, principal: string): string {
  return `${principal} (Slack ${req.userName ? `@${req.userName}, ` : ''}${req.userId})`;
}

/** The message that replaces the one with the buttons once the decision is recorded. */
export function decidedMessage(req: SlackDecisionRequest, principal: string, status: string): SlackResponseMessage {
  const verb = req.decision === 'approve' ? 'approved' : 'rejected';
  const icon = req.decision === 'approve' ? ':white_check_mark:' : ':no_entry:';
  const text = `${icon} Deployment ${slackEscape(req.deploymentId)} ${verb} by ${slackEscape(slackActor(req, principal))}; status: ${slackEscape(status)}`;
  return { replace_original: true, text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
