import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ForbiddenError } from '@iac-orchestrator/core';
import { authenticate, bearerToken, hasRole, LOCAL_PRINCIPAL, type ApiToken, type Principal, type Role } from './auth.js';
import { DEFAULT_DEPLOY_LIMITS, type DeployLimits } from './guards/deploy-limits.js';
import { frameworkErrors, MAX_PARAM_LENGTH } from './guards/framework-errors.js';
import { parseJsonBody } from './guards/json-body.js';
import { assertLocalRequest } from './guards/local-origin.js';
import { RequestFormatError, toHttpError, UnauthenticatedError } from './http-errors.js';
import { ServiceMetrics } from './metrics.js';
import type { EventedOrchestrator } from './orchestrator-port.js';
import { deploymentRoutes } from './routes/deployments.js';
import { groupRoutes } from './routes/groups.js';
import { logRoutes } from './routes/logs.js';
import { meRoutes } from './routes/me.js';
import { uiRoutes } from './routes/ui.js';
import { opsRoutes } from './routes/ops.js';
import { stateRoutes } from './routes/state.js';
import { slackRoutes, type SlackApprovalOptions } from './routes/slack.js';
import { notificationRoutes } from './routes/notifications.js';
import { LiveStreams } from './sse.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set by the auth hook before any route runs. */
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** Least role a route needs; routes without one are public (health, readiness, metrics, OpenAPI). */
    role?: Role;
    /** Authenticated by a request signature instead of a token (Slack's actions): no bearer token is read,
     * and the DNS-rebinding guard of a token-less service (which protects its local admin) does not apply. */
    signedRequest?: boolean;
  }
}

const DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024;

export interface HttpAdapterOptions {
  orchestrator: EventedOrchestrator;
  /** API tokens; with none, every caller is trusted as the `local` admin (bind to loopback then). */
  tokens?: readonly ApiToken[];
  /** A pino logger for request logs and errors; `false` for none. */
  logger?: Logger | false;
  /** Largest request body, bytes. Default 6 MiB (inline bundles are capped at 5 MiB by core). */
  maxBodyBytes?: number;
  /** Metrics to expose on /metrics; one is created (and fed from the orchestrator's events) when absent. */
  metrics?: ServiceMetrics;
  /** Without tokens: host names accepted besides loopback ones in `Host` and `Origin` (DNS-rebinding guard). */
  allowedHosts?: readonly string[];
  /** Per-request bounds of deploy requests. */
  deployLimits?: Partial<DeployLimits>;
  /** Live log streams one token may hold open at once (429 above). Default 20. */
  maxStreamsPerToken?: number;
  /** The web console at /ui: on by default when built; `false` turns it off; `{ dir }` serves another build. */
  ui?: boolean | { dir: string };
  /** Approve from Slack: serves `POST /api/integrations/slack/actions` (absent: that path is a 404). */
  slack?: SlackApprovalOptions;
}

/** What every route module gets. */
export interface RouteContext {
  orchestrator: EventedOrchestrator;
  metrics: ServiceMetrics;
  streams: LiveStreams;
  deployLimits: DeployLimits;
}

/**
 * Builds the REST API of the spec over an orchestrator: a Fastify instance, not yet listening. Routes only
 * translate (request → validated input → one orchestrator call → response); errors go through one table.
 */
export function buildServer(opts: HttpAdapterOptions): FastifyInstance {
  // Typed as the default instance: a pino Logger is a FastifyBaseLogger, but the generic would leak everywhere.
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    bodyLimit: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    // Our ids are opaque strings; no trailing-slash or case games.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
  }) as unknown as FastifyInstance;
  installRoutes(app, opts);
  return app;
}

/**
 * Adds the API to a Fastify instance: its body parsers, auth hooks, error and not-found handlers and routes.
 * On a plugin's instance all of them stay inside the plugin's scope, so a host app keeps its own.
 */
export function installRoutes(app: FastifyInstance, opts: Omit<HttpAdapterOptions, 'logger'>): void {
  const tokens = opts.tokens ?? [];
  const metrics = opts.metrics ?? new ServiceMetrics();
  const detachMetrics = opts.metrics ? null : metrics.observe(opts.orchestrator);
  const streams = new LiveStreams(opts.maxStreamsPerToken);
  metrics.observeStreams(() => streams.size);
  const ctx: RouteContext = { orchestrator: opts.orchestrator, metrics, streams, deployLimits: { ...DEFAULT_DEPLOY_LIMITS, ...opts.deployLimits } };
  const allowedHosts = new Set((opts.allowedHosts ?? []).map((h) => h.toLowerCase()));

  registerBodyParsers(app, opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.config.signedRequest) {
      req.principal = { name: 'anonymous', role: 'viewer' };
      return;
    }
    if (tokens.length === 0) assertLocalRequest(req, allowedHosts);
    req.principal = tokens.length === 0 ? LOCAL_PRINCIPAL : principalOf(req, tokens);
  });
  app.addHook('preHandler', async (req) => {
    const needed = req.routeOptions.config.role;
    if (needed && !hasRole(req.principal.role, needed)) throw new ForbiddenError(`This action needs the ${needed} role`);
  });
  app.setErrorHandler((err, req, reply) => {
    const { status, body, internal } = toHttpError(err);
    if (internal) req.log.error({ err }, 'unhandled error');
    else if (status >= 500) req.log.warn({ code: (err as { code?: string }).code, status }, body.error);
    // Bearer tokens are what the API asks for; a signed route (Slack's actions) takes none, so says none.
    if (status === 401 && !req.routeOptions.config.signedRequest) reply.header('www-authenticate', 'Bearer');
    return reply.code(status).type('application/json').send(body);
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'Not found' }));

  opsRoutes(app, ctx);
  deploymentRoutes(app, ctx);
  groupRoutes(app, ctx);
  logRoutes(app, ctx);
  stateRoutes(app, ctx);
  notificationRoutes(app, ctx);
  meRoutes(app);
  slackRoutes(app, { orchestrator: opts.orchestrator, tokens, slack: opts.slack });
  if (opts.ui !== false) uiRoutes(app, typeof opts.ui === 'object' ? opts.ui.dir : undefined);

  app.addHook('preClose', async () => {
    streams.closeAll();
  });
  app.addHook('onClose', async () => {
    detachMetrics?.();
  });
}

/** Authenticates the bearer token of a request. Public routes (no role) let callers without a token through. */
function principalOf(req: FastifyRequest, tokens: readonly ApiToken[]): Principal {
  const token = bearerToken(req.headers.authorization);
  if (token === null) {
    if (!req.routeOptions.config.role) return { name: 'anonymous', role: 'viewer' };
    throw new UnauthenticatedError('Authentication required: send Authorization: Bearer <token>');
  }
  const p = authenticate(tokens, token);
  if (!p) throw new UnauthenticatedError('Invalid token');
  return p;
}

/**
 * JSON bodies only. `curl -d` without `-H Content-Type` sends application/x-www-form-urlencoded, which
 * the spec's examples do: such a body is read as JSON too, but not from a browser page (an `Origin`
 * header), which could otherwise post to a loopback service without a CORS preflight.
 */
function registerBodyParsers(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit }, (req, body, done) => {
    if (req.headers.origin !== undefined) {
      done(new RequestFormatError('Request body must be JSON (Content-Type: application/json)', 415), undefined);
      return;
    }
    try {
      done(null, parseJsonBody(body as string));
    } catch {
      done(new RequestFormatError('Request body must be JSON (Content-Type: application/json)', 415), undefined);
    }
  });
}
