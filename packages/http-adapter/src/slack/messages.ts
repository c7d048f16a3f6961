import type { Deployment } from '@iac-orchestrator/core';
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

/** The message that replaces the one with the buttons once the decision is recorded: the deployment as
 * stored (id, blueprint, environment), who decided and the status. */
export function decidedMessage(req: SlackDecisionRequest, d: Pick<Deployment, 'id' | 'blueprintId' | 'environment'>, principal: string, status: string): SlackResponseMessage {
  const verb = req.decision === 'approve' ? 'approved' : 'rejected';
  const icon = req.decision === 'approve' ? ':white_check_mark:' : ':no_entry:';
  // Names what was decided as the service knows it, whatever the message that carried the button said.
  const text = `${icon} Deployment ${slackEscape(d.id)} (${slackEscape(d.blueprintId)}, ${slackEscape(d.environment)}) ${verb} by ${slackEscape(slackActor(req, principal))}; status: ${slackEscape(status)}`;
  return { replace_original: true, text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** Why a deployment group's target is not decided from Slack: the group is decided as one, and where. */
export function groupTargetRefusal(d: Pick<Deployment, 'id' | 'target' | 'group'>, publicUrl: string | undefined): string {
  const g = d.group!;
  const path = `/api/deployment-groups/${encodeURIComponent(g.id)}`;
  const where = publicUrl ? `<${publicUrl.replace(/\/+$/, '')}${path}|${slackEscape(path)}>` : `\`${slackEscape(path)}\``;
  return (
    `Deployment ${slackEscape(d.id)} is target ${slackEscape(d.target ?? String(g.index + 1))} of deployment group ${slackEscape(g.id)}, which is approved or rejected as one decision: ` +
    `use \`POST ${slackEscape(path)}/approve\` or \`/reject\` (the group: ${where}). Nothing was changed.`
  );
}
