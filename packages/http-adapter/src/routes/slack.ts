import type { FastifyInstance } from 'fastify';
import { isOrchestratorError, planDigestOf, readSlackDecisionValue, type Caller, type Deployment } from '@iac-orchestrator/core';
import { hasRole, type ApiToken } from '../auth.js';
import { RequestFormatError } from '../http-errors.js';
import type { EventedOrchestrator } from '../orchestrator-port.js';
import { authorizeSlackUser, type SlackApprover } from '../slack/approvers.js';
import { decidedMessage, ephemeral, groupTargetRefusal, slackActor, slackEscape } from '../slack/messages.js';
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
  /** The orchestrator's notifications secret (`notifications.secret`, ORCHESTRATOR_NOTIFY_SECRET): the
   * buttons' values are authenticated with a key derived from it (see core's `slackDecisionValue`), so a
   * click approves only a deployment, and plan, that a message of this service showed. Never logged. */
  notificationsSecret: string;
  /** `response_url` prefixes allowed besides `https://hooks.slack.com/` (SLACK_RESPONSE_URL_PREFIXES). */
  responseUrlPrefixes?: readonly string[];
  /** The service's public base URL (ORCHESTRATOR_PUBLIC_URL), for links in answers. */
  publicUrl?: string;
}

const DEPLOYMENT_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;

/**
 * `POST /api/integrations/slack/actions`: Slack's interactive-components requests. Authenticated by
 * Slack's request signature over the raw body (no API token: Slack cannot send one), in a scope of its own
 * whose parser keeps the body's bytes as they came, whatever parsers the rest of the API uses. A button
 * `deployment.approve` / `deployment.reject` approves or rejects the deployment its `value` names, as the
 * principal the Slack user is mapped to, only when the value was made by this service
 * (`<id>.<planDigest>.<mac>`, see core's `slackDecisionValue`) and the plan digest is still the
 * deployment's: a bare id, a wrong MAC or a changed plan is refused and nothing changes. Every outcome is answered 200 (what Slack expects within 3 s)
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
    const value = readSlackDecisionValue(slack.notificationsSecret, request.value);
    if (!value || !DEPLOYMENT_ID.test(value.deploymentId)) {
      return ephemeral('This button was not made by this service (or its key has changed since), so nothing was changed. Decide in the console or the REST API.');
    }
    const found = await deploymentOf(value.deploymentId);
    if (typeof found === 'string') return ephemeral(found);
    if (found.group) return ephemeral(groupTargetRefusal(found, slack.publicUrl));
    // What the approver saw must be what is applied: the plan of an awaiting deployment never changes,
    // so a digest that matches now is the one the apply uses.
    if (planDigestOf(found) !== value.planDigest) {
      return ephemeral(`The plan of deployment ${slackEscape(found.id)} is not the one this message showed, so nothing was changed. Review it in the console.`);
    }
    const { principal } = auth;
    const caller: Caller = {
      id: principal.name,
      canApprove: hasRole(principal.role, 'approver'),
      admin: hasRole(principal.role, 'admin'),
      via: { channel: 'slack', details: { slackUserId: request.userId, ...(request.userName ? { slackUserName: request.userName } : {}), ...(request.teamId ? { teamId: request.teamId } : {}) } },
    };
    const comment = `${request.decision === 'approve' ? 'Approved' : 'Rejected'} from Slack by ${slackActor(request, principal.name)}`;
    try {
      const d = request.decision === 'approve' ? await orchestrator.approve(found.id, { comment }, caller) : await orchestrator.reject(found.id, { comment }, caller);
      return decidedMessage(request, d, principal.name, d.status);
    } catch (e) {
      if (!isOrchestratorError(e)) throw e;
      const id = slackEscape(found.id);
      if (e.code === 'NOT_FOUND') return ephemeral(`Deployment ${id} was not found; nothing was changed.`);
      if (e.code === 'INVALID_STATE') return ephemeral(`Deployment ${id} cannot be decided: ${slackEscape(e.message)}; nothing was changed.`);
      if (e.code === 'FORBIDDEN' || e.code === 'VALIDATION_ERROR') return ephemeral(`${slackEscape(e.message)}; nothing was changed.`);
      throw e;
    }
  }

  /** The deployment a verified value names, or what to tell the user when it cannot be read. */
  async function deploymentOf(id: string): Promise<Deployment | string> {
    try {
      return await orchestrator.get(id);
    } catch (e) {
      if (isOrchestratorError(e) && (e.code === 'NOT_FOUND' || e.code === 'VALIDATION_ERROR')) return `Deployment ${slackEscape(id)} was not found; nothing was changed.`;
      throw e;
    }
  }
}
