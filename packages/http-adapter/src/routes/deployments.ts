import type { FastifyInstance } from 'fastify';
import {
  ApprovalInputSchema,
  DeployInputSchema,
  DestroyInputSchema,
  ListQuerySchema,
  RollbackInputSchema,
} from '@iac-orchestrator/core';
import { callerOf } from '../auth.js';
import { deploymentSummary, deploymentView } from '../presenters.js';
import type { RouteContext } from '../server.js';
import { checkDeployLimits } from '../guards/deploy-limits.js';
import { recordAfterDecision } from '../guards/decision-record.js';
import { deploymentIdParam, EmptyBodySchema, parseInput, requireDeployIds } from '../validation.js';

/**
 * The deployment lifecycle: start, read, list, cancel, approve / reject the production gate, roll back,
 * destroy, detect drift. Each route validates with core's schema and makes one orchestrator call.
 */
export function deploymentRoutes(app: FastifyInstance, { orchestrator, deployLimits }: RouteContext): void {
  app.post('/api/deployments', { config: { role: 'deployer' } }, async (req, reply) => {
    requireDeployIds(req.body);
    checkDeployLimits(req.body, deployLimits);
    const input = parseInput(DeployInputSchema, req.body);
    const d = await orchestrator.deploy(input, callerOf(req.principal));
    return reply.code(202).send({ deploymentId: d.id, status: d.status, message: 'Deployment started' });
  });

  app.get('/api/deployments', { config: { role: 'viewer' } }, async (req) => {
    const query = parseInput(ListQuerySchema, req.query, 'query');
    const page = await orchestrator.list(query);
    return { deployments: page.items.map(deploymentSummary), nextCursor: page.nextCursor };
  });

  app.get('/api/deployments/:id', { config: { role: 'viewer' } }, async (req) => {
    return deploymentView(await orchestrator.get(deploymentIdParam(req.params)));
  });

  app.post('/api/deployments/:id/cancel', { config: { role: 'deployer' } }, async (req) => {
    const id = deploymentIdParam(req.params);
    parseInput(EmptyBodySchema, req.body);
    return deploymentView(await orchestrator.cancel(id, callerOf(req.principal)));
  });

  app.post('/api/deployments/:id/approve', { config: { role: 'approver' } }, async (req) => {
    const id = deploymentIdParam(req.params);
    const input = parseInput(ApprovalInputSchema, req.body);
    await orchestrator.approve(id, input, callerOf(req.principal));
    // The record after the decision (re-read: what approve returns may predate the run taking it up).
    return deploymentView(await recordAfterDecision(orchestrator, id));
  });

  app.post('/api/deployments/:id/reject', { config: { role: 'approver' } }, async (req) => {
    const id = deploymentIdParam(req.params);
    const input = parseInput(ApprovalInputSchema, req.body);
    await orchestrator.reject(id, input, callerOf(req.principal));
    return deploymentView(await recordAfterDecision(orchestrator, id));
  });

  app.post('/api/deployments/:id/rollback', { config: { role: 'deployer' } }, async (req, reply) => {
    const id = deploymentIdParam(req.params);
    const input = parseInput(RollbackInputSchema, req.body);
    const r = await orchestrator.rollback(id, input, callerOf(req.principal));
    return reply.code(202).send({ deploymentId: r.deploymentId, rollbackDeploymentId: r.rollbackDeploymentId, status: r.status });
  });

  app.post('/api/deployments/:id/destroy', { config: { role: 'deployer' } }, async (req, reply) => {
    const id = deploymentIdParam(req.params);
    const input = parseInput(DestroyInputSchema, req.body);
    const d = await orchestrator.destroy(id, input, callerOf(req.principal));
    return reply.code(202).send({ deploymentId: d.id, status: d.status, message: 'Destroy started' });
  });

  app.post('/api/deployments/:id/drift', { config: { role: 'deployer' } }, async (req, reply) => {
    const id = deploymentIdParam(req.params);
    parseInput(EmptyBodySchema, req.body);
    const d = await orchestrator.detectDrift(id, callerOf(req.principal));
    return reply.code(202).send({ deploymentId: d.id, status: d.status, message: 'Drift detection started' });
  });
}
