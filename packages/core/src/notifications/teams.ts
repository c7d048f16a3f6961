import { TITLES, type NotificationEvent } from './event.js';

/** Adaptive Card TextBlock and FactSet text is markdown: its control characters are escaped (and `<`, `>`
 * as entities), so an error or a name cannot add a link, an image or emphasis to the card. */
export const escapeTeamsMarkdown = (s: string): string => s.replace(/[\\`*_[\]()#+\-!|~]/g, '\\$&').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const esc = escapeTeamsMarkdown;

/**
 * A Microsoft Teams message: an Adaptive Card 1.4 attachment with the environment, stack and change counts
 * as facts, and `Action.OpenUrl` links to the console and the plan. (Teams cards cannot call the API with
 * the approver's identity, so approval stays a link to the console.)
 */
export function teamsMessage(e: NotificationEvent): Record<string, unknown> {
  const d = e.deployment;
  const facts = [
    { title: 'Environment', value: esc(d.environment) },
    { title: 'Stack', value: esc(`${d.blueprintId} · ${d.targetCloud} · ${d.format}`) },
    { title: 'Operation', value: d.operation },
    { title: 'Status', value: d.status },
    { title: 'To add', value: String(d.plan?.add ?? 0) },
    { title: 'To change', value: String(d.plan?.change ?? 0) },
    { title: 'To destroy', value: String(d.plan?.destroy ?? 0) },
  ];
  if (d.drift) facts.push({ title: 'Drifted resources', value: String(d.drift.resources) });
  const body: Array<Record<string, unknown>> = [
    { type: 'TextBlock', text: `${TITLES[e.type]}: ${esc(d.blueprintId)}`, weight: 'Bolder', size: 'Medium', wrap: true },
    { type: 'FactSet', facts },
  ];
  if (d.error) body.push({ type: 'TextBlock', text: esc(d.error), wrap: true, color: 'Attention' });
  const content: Record<string, unknown> = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
  };
  if (e.links) {
    content.actions = [
      { type: 'Action.OpenUrl', title: e.type === 'awaiting_approval' ? 'Review and approve' : 'Open in the console', url: e.links.console },
      { type: 'Action.OpenUrl', title: 'Plan', url: e.links.plan },
    ];
  }
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }] };
}
