import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { SLACK_ACTIONS_PATH } from './routes/slack.js';
import { buildServer, installRoutes, type HttpAdapterOptions } from './server.js';

/** Options of {@link orchestratorRoutes}: the adapter's, less the logger (the host app's is used). */
export type OrchestratorRoutesOptions = Omit<HttpAdapterOptions, 'logger'>;

/**
 * The REST API as a Fastify plugin, for mounting in an app of your own:
 * `app.register(orchestratorRoutes, { orchestrator, prefix: '/iac' })` serves `/iac/api/deployments`...
 * Its body parsers, auth hooks and error handler stay inside the plugin's scope, so the host app's own
 * routes, parsers and handlers are left as they are.
 */
export const orchestratorRoutes: FastifyPluginAsync<OrchestratorRoutesOptions> = async (app, opts) => {
  installRoutes(app, opts);
};

/** Options of {@link orchestratorHandler}. */
export interface OrchestratorHandlerOptions extends HttpAdapterOptions {
  /** A path prefix the handler strips before routing (plain `http` servers). Express strips its mount
   * path itself: `app.use('/iac', handler)` needs none. */
  prefix?: string;
}

/** A Node request handler (`(req, res)`, also an Express middleware) serving the API; `close()` frees it. */
export type OrchestratorHandler = ((req: IncomingMessage, res: ServerResponse) => void) & { close(): Promise<void> };

/** Where a body read by a parser that ran before us is kept for our own parser. */
const PRE_READ = Symbol('iac-orchestrator.preReadBody');
type PreRead = IncomingMessage & { [PRE_READ]?: Buffer };

/**
 * The REST API as a plain Node handler, for Express (`app.use('/iac', orchestratorHandler({ orchestrator }))`),
 * Koa-less `http.createServer` or any framework that hands over Node's request and response. It works
 * whatever body parser ran before it: when one has consumed the request stream (`express.json()`,
 * `express.text()`, `express.raw()`), the body it left in `req.body` is used, so a host's rewrite of
 * `req.body` (tenant scoping, policy) is what the API sees; only Slack's signed actions path reads the
 * bytes as sent when the parser kept them in `req.rawBody`. Otherwise the stream is read.
 */
export function orchestratorHandler(opts: OrchestratorHandlerOptions): OrchestratorHandler {
  const app = buildServer(opts);
  // Our JSON parser reads the request stream; a stream another parser drained is replaced by its result.
  app.addHook('preParsing', async (req, _reply, payload) => {
    const body = (req.raw as PreRead)[PRE_READ];
    return body ? Readable.from([body]) : payload;
  });
  const ready = app.ready();
  const prefix = opts.prefix?.replace(/\/+$/, '') ?? '';
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (prefix) {
      const url = req.url ?? '/';
      if (url !== prefix && !url.startsWith(`${prefix}/`) && !url.startsWith(`${prefix}?`)) {
        res.statusCode = 404;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ error: 'Not found' }));
        return;
      }
      req.url = url.slice(prefix.length) || '/';
    }
    keepPreReadBody(req as PreRead);
    ready.then(
      () => app.routing(req, res),
      () => {
        res.statusCode = 500;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ error: 'Internal server error' }));
      },
    );
  };
  return Object.assign(handler, { close: () => app.close() });
}

/** When a parser upstream drained the stream, keep what it parsed as the bytes our parser will read. */
function keepPreReadBody(req: PreRead): void {
  const drained = req.readableEnded || (req as { _body?: boolean })._body === true;
  if (!drained) return;
  // A parser's `verify` hook may have kept the bytes as sent (`req.rawBody`): those, not a re-serialised
  // parse, are what Slack's signed actions are checked over. Everywhere else `req.body` is what counts:
  // a host that rewrites it (tenant scoping, policy) while keeping rawBody for its own webhooks must not
  // be bypassed by the bytes the caller sent.
  const rawBody = isSlackActionsPath(req.url) ? (req as { rawBody?: unknown }).rawBody : undefined;
  const parsed = Buffer.isBuffer(rawBody) || typeof rawBody === 'string' ? rawBody : (req as { body?: unknown }).body;
  const bytes = parsed === undefined ? Buffer.alloc(0) : Buffer.isBuffer(parsed) ? parsed : Buffer.from(typeof parsed === 'string' ? parsed : JSON.stringify(parsed));
  req[PRE_READ] = bytes;
  // The length our parser checks is that of these bytes, not of what was sent (re-serialised JSON differs).
  req.headers['content-length'] = String(bytes.length);
  delete req.headers['transfer-encoding'];
}

/** Whether a request (its URL already relative to the mount point) is for Slack's actions route. */
function isSlackActionsPath(url: string | undefined): boolean {
  const path = (url ?? '/').split('?')[0]!.replace(/\/+$/, '');
  return path === SLACK_ACTIONS_PATH;
}
