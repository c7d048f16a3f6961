import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument } from '../openapi.js';
import type { RouteContext } from '../server.js';

/** Liveness, readiness, Prometheus metrics and the OpenAPI document: public, for probes and scrapers. */
export function opsRoutes(app: FastifyInstance, { orchestrator, metrics }: RouteContext): void {
  // Liveness only says the process answers; it must not fail when a dependency does (that is /ready).
  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/ready', async (_req, reply) => {
    const report = await orchestrator.readiness();
    return reply.code(report.ok ? 200 : 503).send({ status: report.ok ? 'ready' : 'not_ready', ...report });
  });

  app.get('/metrics', async (_req, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.type(contentType).send(body);
  });

  let doc: unknown = null;
  app.get('/openapi.json', async () => (doc ??= buildOpenApiDocument()));
}
