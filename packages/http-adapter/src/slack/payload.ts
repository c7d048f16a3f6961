import { z } from 'zod';
import { parseJsonBody } from '../guards/json-body.js';
import { RequestFormatError } from '../http-errors.js';

/** The `action_id` of the buttons the notification messages carry; the button's `value` is
 * `<deploymentId>.<planDigest>.<mac>` (core's `slackDecisionValue`). */
export const SLACK_ACTION_IDS = { approve: 'deployment.approve', reject: 'deployment.reject' } as const;

const text = (max: number) => z.string().max(max);

/** What the service reads of Slack's interactive-components payload (everything else is ignored). */
export const SlackActionPayloadSchema = z
  .object({
    type: text(100),
    user: z.object({ id: text(40), username: text(200).optional(), name: text(200).optional(), team_id: text(40).optional() }).loose(),
    team: z.object({ id: text(40) }).loose().nullable().optional(),
    response_url: text(2000).optional(),
    actions: z.array(z.object({ action_id: text(255), value: text(2000).optional() }).loose()).max(25).optional(),
  })
  .loose();
export type SlackActionPayload = z.infer<typeof SlackActionPayloadSchema>;

/** The request body of `POST /api/integrations/slack/actions`, for the OpenAPI document. */
export const SlackActionRequestSchema = z.object({
  payload: z.string().meta({ description: 'JSON of a `block_actions` payload whose action `deployment.approve` or `deployment.reject` carries as `value` the `<deploymentId>.<planDigest>.<mac>` the notification made' }),
});

/** The decision a payload asks for, when it is one of ours. */
export interface SlackDecisionRequest {
  decision: 'approve' | 'reject';
  /** The button's value as sent: `<deploymentId>.<planDigest>.<mac>` when this service made it (unverified here). */
  value: string;
  userId: string;
  userName: string | null;
  teamId: string | null;
  responseUrl: string | null;
}

/**
 * Reads the `payload` field of a form-encoded body (already signature-checked) into the decision it asks
 * for; null for any other interaction (another type, another button), which is acknowledged and ignored.
 * A body that is not such a form is a 400.
 */
export function decisionOf(rawBody: Buffer): SlackDecisionRequest | null {
  const field = new URLSearchParams(rawBody.toString('utf8')).get('payload');
  if (field === null) throw new RequestFormatError('Slack request body must be a form with a payload field', 400);
  const parsed = SlackActionPayloadSchema.safeParse(parseJsonBody(field));
  if (!parsed.success) throw new RequestFormatError(`Slack payload: ${parsed.error.issues[0].path.join('.') || 'payload'}: ${parsed.error.issues[0].message}`, 400);
  const p = parsed.data;
  if (p.type !== 'block_actions') return null;
  const action = p.actions?.find((a) => a.action_id === SLACK_ACTION_IDS.approve || a.action_id === SLACK_ACTION_IDS.reject);
  if (!action) return null;
  return {
    decision: action.action_id === SLACK_ACTION_IDS.approve ? 'approve' : 'reject',
    value: action.value ?? '',
    userId: p.user.id,
    userName: p.user.username ?? p.user.name ?? null,
    teamId: p.team?.id ?? p.user.team_id ?? null,
    responseUrl: p.response_url ?? null,
  };
}
