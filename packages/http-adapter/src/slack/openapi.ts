import { z } from 'zod';
import { SlackActionRequestSchema } from './payload.js';

/**
 * The OpenAPI operation of `POST /api/integrations/slack/actions`. Called by Slack, not by API clients:
 * authenticated by Slack's request signature (the `slackSignature` scheme), so `x-caller: Slack` tells
 * the typed client to have no method for it.
 */
export function slackActionsOperation(errorRef: Record<string, unknown>): Record<string, unknown> {
  const error = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } });
  return {
    operationId: 'slackAction',
    summary: 'Slack interactivity: approve or reject from the buttons of a notification',
    description:
      'Slack posts here when a user clicks `deployment.approve` or `deployment.reject`. The button value is `<deploymentId>.<planDigest>.<mac>` as the ' +
      'service\'s notification made it (MAC keyed from ORCHESTRATOR_NOTIFY_SECRET); a bare id, a wrong MAC or a plan that is no longer the one shown is refused and nothing changes. ' +
      'Targets of a deployment group are decided only with their group. ' +
      'Verified with SLACK_SIGNING_SECRET over the raw body and refused beyond 5 minutes of clock difference. The Slack user acts as the ' +
      'principal SLACK_APPROVERS maps them to; the outcome is posted to the payload\'s response_url. A 404 when SLACK_SIGNING_SECRET is unset.',
    'x-caller': 'Slack',
    security: [{ slackSignature: [] }],
    parameters: [
      { name: 'X-Slack-Request-Timestamp', in: 'header', required: true, description: 'Unix time (seconds) the request was signed at', schema: { type: 'string', pattern: '^[0-9]+$' } },
    ],
    requestBody: {
      required: true,
      content: { 'application/x-www-form-urlencoded': { schema: { $ref: '#/components/schemas/SlackActionRequest' } } },
    },
    responses: {
      '200': { description: 'Acknowledged (refusals and outcomes are told to the Slack user through response_url)' },
      '400': error('The form or its payload is malformed'),
      '401': error('Missing or wrong X-Slack-Signature, or a timestamp more than 5 minutes away'),
      '404': error('Approve from Slack is not configured'),
      '413': error('Body over 128 KiB'),
      '415': error('Body is not application/x-www-form-urlencoded'),
    },
  };
}

/** The security scheme of {@link slackActionsOperation}. */
export const SLACK_SIGNATURE_SCHEME = {
  type: 'apiKey',
  in: 'header',
  name: 'X-Slack-Signature',
  description: '`v0=` + hex HMAC-SHA256 of `v0:<X-Slack-Request-Timestamp>:<raw body>` keyed with the Slack app\'s signing secret (SLACK_SIGNING_SECRET)',
} as const;

/** The request body's schema, as JSON Schema. */
export const slackActionRequestJsonSchema = (): Record<string, unknown> => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(SlackActionRequestSchema) as Record<string, unknown>;
  return rest;
};
