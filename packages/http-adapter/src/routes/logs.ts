import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isTerminal, LogsQuerySchema, type OrchestratorEvents } from '@iac-orchestrator/core';
import type { RouteContext } from '../server.js';
import { EventStreamWriter, wantsEventStream } from '../sse.js';
import { deploymentIdParam, parseInput } from '../validation.js';

/** How often a live stream re-reads the store even without events (logs written by another replica). */
const POLL_MS = 2_000;
/** Keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

/**
 * `GET /api/deployments/:id/logs`: a page of log entries as JSON, or, with `Accept: text/event-stream`,
 * a live stream (`log` events, `status` events, a final `end` event once the deployment has ended).
 */
export function logRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get('/api/deployments/:id/logs', { config: { role: 'viewer' } }, async (req, reply) => {
    const id = deploymentIdParam(req.params);
    const query = parseInput(LogsQuerySchema, req.query, 'query');
    if (wantsEventStream(req.headers.accept)) return streamLogs(req, reply, ctx, id, resumeCursor(req) ?? query.cursor, query.limit);
    const page = await ctx.orchestrator.logs(id, query);
    return { deploymentId: id, logs: page.entries, nextCursor: page.nextCursor };
  });
}

/** A reconnecting EventSource sends the last `id` it saw. */
function resumeCursor(req: FastifyRequest): number | null {
  const h = req.headers['last-event-id'];
  const n = typeof h === 'string' && /^\d{1,12}$/.test(h) ? Number(h) : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * Live logs: every `log` or `status` event of the deployment (and a periodic tick) triggers a re-read of
 * the store from the last cursor, so the stream carries exactly the stored entries, in order, once each,
 * whichever process wrote them. It ends when the deployment does, or the client goes.
 *
 * The stream belongs to its connection from the first line: it takes one of its token's slots (429 when
 * none is left), listens for the connection closing before anything is awaited, and checks after every
 * await whether the client is still there, so a client that drops before the stream starts leaves no
 * poller, listener or slot behind.
 */
async function streamLogs(req: FastifyRequest, reply: FastifyReply, ctx: RouteContext, id: string, cursor: number, limit: number): Promise<void> {
  const { orchestrator } = ctx;
  let closed = false;
  let poll: NodeJS.Timeout | null = null;
  let heartbeat: NodeJS.Timeout | null = null;
  let out: EventStreamWriter | null = null;
  const release = ctx.streams.add(() => close(), req.principal.name);
  const clientGone = () => closed || req.raw.socket?.destroyed === true || reply.raw.destroyed;

  function close(): void {
    if (closed) return;
    closed = true;
    if (poll) clearInterval(poll);
    if (heartbeat) clearInterval(heartbeat);
    orchestrator.off('log', onLog);
    orchestrator.off('status', onStatus);
    reply.raw.off('close', close);
    release();
    out?.end();
  }
  reply.raw.on('close', close);

  let page: Awaited<ReturnType<typeof orchestrator.logs>>;
  let deployment: Awaited<ReturnType<typeof orchestrator.get>>;
  try {
    // Read once before answering, so an unknown deployment is a plain 404 and not an empty stream.
    page = await orchestrator.logs(id, { cursor, limit });
    if (clientGone()) return close();
    deployment = await orchestrator.get(id);
    if (clientGone()) return close();
  } catch (e) {
    close();
    throw e;
  }

  reply.hijack();
  out = new EventStreamWriter(reply.raw);
  out.open();
  let running = false;
  let again = false;

  const write = (p: typeof page) => {
    p.entries.forEach((entry, i) => out!.event('log', entry, i === p.entries.length - 1 ? p.nextCursor : undefined));
    cursor = p.nextCursor;
  };

  const pump = async (): Promise<void> => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        for (;;) {
          page = await orchestrator.logs(id, { cursor, limit });
          if (clientGone()) return close();
          write(page);
          if (page.entries.length < limit) break;
        }
        deployment = await orchestrator.get(id);
        if (clientGone()) return close();
        if (isTerminal(deployment.status)) {
          out!.event('end', { deploymentId: id, status: deployment.status, error: deployment.error });
          close();
          return;
        }
      } while (again && !closed);
    } catch (e) {
      req.log.warn({ deploymentId: id, code: (e as { code?: string }).code }, 'log stream ended on a read error');
      out!.event('error', { error: 'Log stream interrupted; reconnect to resume' });
      close();
    } finally {
      running = false;
    }
  };

  function onLog(e: Parameters<OrchestratorEvents['log']>[0]): void {
    if (e.deploymentId === id) void pump();
  }
  function onStatus(e: Parameters<OrchestratorEvents['status']>[0]): void {
    if (e.deploymentId !== id) return;
    out!.event('status', { deploymentId: id, status: e.status, previous: e.previous });
    void pump();
  }
  poll = setInterval(() => void pump(), POLL_MS);
  heartbeat = setInterval(() => out!.comment('keepalive'), HEARTBEAT_MS);
  orchestrator.on('log', onLog);
  orchestrator.on('status', onStatus);
  out.event('status', { deploymentId: id, status: deployment.status, previous: null });
  write(page);
  // Entries may have been appended between the first read and the subscription: read again.
  await pump();
}
