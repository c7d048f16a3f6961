import type { NotificationEvent } from './event.js';
import { slackMessage, type SlackMessageOptions } from './slack.js';
import { teamsMessage } from './teams.js';
import type { NotificationFormat } from './subscriptions.js';

/** The JSON body a subscription receives for an event, by its format. `webhook`: the event itself.
 * `slack` messages carry approval buttons only with `opts.decisionSecret` (the notifications secret). */
export function notificationBody(format: NotificationFormat, e: NotificationEvent, opts: SlackMessageOptions = {}): Record<string, unknown> {
  switch (format) {
    case 'slack':
      return slackMessage(e, opts);
    case 'teams':
      return teamsMessage(e);
    case 'webhook':
      return { ...e };
  }
}
