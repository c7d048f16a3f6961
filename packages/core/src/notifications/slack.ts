import { countsText, TITLES, type NotificationEvent } from './event.js';
import { slackDecisionValueOf } from './slack-decision.js';

/** The `action_id`s of the approval buttons; the Slack actions endpoint answers exactly these. */
export const SLACK_APPROVE_ACTION_ID = 'deployment.approve';
export const SLACK_REJECT_ACTION_ID = 'deployment.reject';

/** Slack mrkdwn control characters escaped (`&`, `<`, `>`), so a name cannot forge a link or mention. */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** What a Slack message needs besides the event. */
export interface SlackMessageOptions {
  /** The notifications secret: keys the approval buttons' values (see `slackDecisionValue`). Without it
   * a message awaiting approval has no buttons and points to the console instead. */
  decisionSecret?: string | null;
}

/**
 * A Slack incoming-webhook message in Block Kit: a header, the environment, stack and change counts,
 * links to the console and the plan, and for `awaiting_approval` an actions block with Approve and Reject
 * buttons whose `value` binds the deployment to the plan shown (`slackDecisionValue`). A deployment group's
 * target gets no buttons (it is decided only with its group): a note names the group instead.
 */
export function slackMessage(e: NotificationEvent, opts: SlackMessageOptions = {}): Record<string, unknown> {
  const d = e.deployment;
  const title = `${TITLES[e.type]}: ${d.blueprintId} (${d.environment})`;
  const fields = [
    `*Environment*\n${esc(d.environment)}`,
    `*Stack*\n${esc(`${d.blueprintId} · ${d.targetCloud} · ${d.format}`)}`,
    `*Operation*\n${d.operation}`,
    `*Changes*\n${d.plan ? `+${d.plan.add} ~${d.plan.change} -${d.plan.destroy}` : 'no plan'}`,
  ].map((text) => ({ type: 'mrkdwn', text }));
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150), emoji: true } },
    { type: 'section', fields },
  ];
  const notes: string[] = [];
  if (d.drift) notes.push(d.drift.drifted ? `${d.drift.resources} resource(s) drifted` : 'no drift');
  if (d.error) notes.push(`Error: ${esc(d.error)}`);
  if (notes.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: notes.join('\n').slice(0, 3000) } });
  if (e.links) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${e.links.console}|Open in the console> · <${e.links.plan}|Plan> · deployment \`${esc(d.id)}\`` }] });
  if (e.type !== 'awaiting_approval') return { text: `${title}: ${countsText(e)}`, blocks };
  const group = d.group;
  if (group) {
    const link = e.links?.group ? ` (<${e.links.group}|group>)` : '';
    const text = `Target \`${esc(group.target ?? d.id)}\` (${group.index + 1} of ${group.size}) of deployment group \`${esc(group.id)}\`${link}: approve or reject the whole group, through \`POST /api/deployment-groups/${esc(group.id)}/approve\` or \`/reject\`.`;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } });
  } else if (opts.decisionSecret && d.planDigest) {
    const value = slackDecisionValueOf(opts.decisionSecret, d.id, d.planDigest);
    blocks.push({
      type: 'actions',
      block_id: `deployment-decision-${d.id}`.slice(0, 255),
      elements: [
        { type: 'button', action_id: SLACK_APPROVE_ACTION_ID, style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value },
        { type: 'button', action_id: SLACK_REJECT_ACTION_ID, style: 'danger', text: { type: 'plain_text', text: 'Reject' }, value },
      ],
    });
  } else {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: e.links ? `Approve or reject in the <${e.links.console}|console>.` : 'Approve or reject in the console or the REST API.' } });
  }
  return { text: `${title}: ${countsText(e)}`, blocks };
}
