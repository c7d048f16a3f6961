import type { FastifyInstance } from 'fastify';
import { isOrchestratorError, type Caller } from '@iac-orchestrator/core';
import { hasRole, type ApiToken } from '../auth.js';
import { RequestFormatError } from '../http-errors.js';
import type { EventedOrchestrator } from '../orchestrator-port.js';
import { authorizeSlackUser, type SlackApprover } from '../slack/approvers.js';
import { decidedMessage, ephemeral, slackActor, slackEscape } from '../slack/messages.js';
import { decisionOf, type SlackDecisionRequest } from '../slack/payload.js';
import { SlackResponder } from '../slack/responder.js';
import { verifySlackRequest } from '../slack/signature.js';

/** The path Slack's interactivity "Request URL" points at (under the mount prefix, if any). */
export const SLACK_ACTIONS_PATH = '/api/integrations/slack/actions';

/** Largest body accepted there: an interaction payload carries the message it came from, a few KiB. */
export const SLACK_MAX_BODY_BYTES = 128 * 1024;

/** Approve-from-Slack settings (see the README's "Approve from Slack"). */
export interface SlackApprovalOptions {
  /** The Slack app's signing secret (SLACK_SIGNING_SECRET); never logged nor echoed. */
  signingSecret: string;
  /** Slack users who may act, and as whom (SLACK_APPROVERS). */
  approvers: readonly SlackApprover[];
  /** `response_url` prefixes allowed besides `https://hooks.slack.com/` (SLACK_RESPONSE_URL_PREFIXES). */
  responseUrlPrefixes?: readonly string[];
}

const DEPLOYMENT_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;

/**
 * `POST /api/integrations/slack/actions`: Slack's interactive-components requests. Authenticated by
 * Slack's request signature over the raw body (no API token: Slack cannot send one), in a scope of its own
 * whose parser keeps the body's bytes as they came, whatever parsers the rest of the API uses. A button
 * `deployment.approve` / `deployment.reject` approves or rejects the deployment of its `value` as the
 * principal the Slack user is mapped to; every outcome is answered 200 (what Slack expects within 3 s)
 * and told to the user through the payload's `response_url`. Without `slack` settings the path is a 404.
 */
export function slackRoutes(app: FastifyInstance, deps: { orchestrator: EventedOrchestrator; tokens: readonly ApiToken[]; slack?: SlackApprovalOptions }): void {
  const { orchestrator, tokens, slack } = deps;
  const responder = new SlackResponder(slack?.responseUrlPrefixes);
  app.addHook('onClose', () => responder.drain());
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: SLACK_MAX_BODY_BYTES }, (_req, body, done) => done(null, body));
    scope.post(SLACK_ACTIONS_PATH, { bodyLimit: SLACK_MAX_BODY_BYTES, config: { signedRequest: true } }, async (req, reply) => {
      // Off without a signing secret: the same 404 as any unknown path, whatever the body.
      if (!slack) return reply.code(404).send({ error: 'Not found' });
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      verifySlackRequest(slack.signingSecret, req.headers, raw);
      if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) {
        throw new RequestFormatError('Slack request body must be application/x-www-form-urlencoded', 415);
      }
      const request = decisionOf(raw);
      if (request) {
        const answer = await decide(request);
        responder.send(request.responseUrl, answer, req.log);
      }
      return reply.code(200).send();
    });
  });

  async function decide(request: SlackDecisionRequest) {
    if (!slack) throw new Error('unreachable: Slack actions are off');
    const auth = authorizeSlackUser(slack.approvers, tokens, { userId: request.userId, teamId: request.teamId });
    if ('refused' in auth) return ephemeral(auth.refused);
    if (!DEPLOYMENT_ID.test(request.deploymentId)) return ephemeral('This button does not name a deployment; nothing was changed.');
    const { principal } = auth;
    const caller: Caller = {
      id: principal.name,
      canApprove: hasRole(principal.role, 'approver'),
      admin: hasRole(principal.role, 'admin'),
      via: { channel: 'slack', details: { slackUserId: request.userId, ...(request.userName ? { slackUserName: request.userName } : {}), ...(request.teamId ? { teamId: request.teamId } : {}) } },
    };
    const comment = `${request.decision === 'approve' ? 'Approved' : 'Rejected'} from Slack by ${slackActor(request, principal.name)}`;
    try {
      const d = request.decision === 'approve' ? await orchestrator.approve(request.deploymentId, { comment }, caller) : await orchestrator.reject(request.deploymentId, { comment }, caller);
      return decidedMessage(request, principal.name, d.status);
    } catch (e) {
      if (!isOrchestratorError(e)) throw e;
      const id = slackEscape(request.deploymentId);
      if (e.code === 'NOT_FOUND') return ephemeral(`Deployment ${id} was not found; nothing was changed.`);
      if (e.code === 'INVALID_STATE') return ephemeral(`Deployment ${id} cannot be decided: ${slackEscape(e.message)}; nothing was changed.`);
      if (e.code === 'FORBIDDEN' || e.code === 'VALIDATION_ERROR') return ephemeral(`${slackEscape(e.message)}; nothing was changed.`);
      throw e;
    }
  }
}
