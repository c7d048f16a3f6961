import type { FastifyInstance } from 'fastify';
import { hasRole } from '../auth.js';

/**
 * `GET /api/me`: the caller's principal name and role. Clients (the CLI, the console) use it to offer
 * only the actions the token may take, e.g. the Approve button; the routes still check every call.
 */
export function meRoutes(app: FastifyInstance): void {
  app.get('/api/me', { config: { role: 'viewer' } }, async (req) => ({
    name: req.principal.name,
    role: req.principal.role,
    canApprove: hasRole(req.principal.role, 'approver'),
  }));
}
