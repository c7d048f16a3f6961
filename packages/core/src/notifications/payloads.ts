import type { NotificationEvent } from './event.js';
import { slackMessage } from './slack.js';
import { teamsMessage } from './teams.js';
import type { NotificationFormat } from './subscriptions.js';

/** The JSON body a subscription receives for an event, by its format. `webhook`: the event itself. */
export function notificationBody(format: NotificationFormat, e: NotificationEvent): Record<string, unknown> {
  switch (format) {
    case 'slack':
      return slackMessage(e);
    case 'teams':
      return teamsMessage(e);
    case 'webhook':
      return { ...e };
  }
}
