import type { FastifyInstance } from 'fastify';
import { deliveryLogOf } from '@iac-orchestrator/core';
import type { RouteContext } from '../server.js';
import type { NotificationLog } from '../notifications-contract.js';
import { deploymentIdParam } from '../validation.js';

/** A deployment's notification delivery log, read from its audit trail (viewer role). */
export function notificationRoutes(app: FastifyInstance, { orchestrator }: RouteContext): void {
  app.get('/api/deployments/:id/notifications', { config: { role: 'viewer' } }, async (req): Promise<NotificationLog> => {
    const d = await orchestrator.get(deploymentIdParam(req.params));
    return { deploymentId: d.id, deliveries: deliveryLogOf(await orchestrator.audit({ deploymentId: d.id, limit: 1000 })) };
  });
}
