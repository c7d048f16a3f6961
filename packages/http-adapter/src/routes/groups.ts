import type { FastifyInstance } from 'fastify';
import { ApprovalInputSchema, DeploymentGroupInputSchema } from '@iac-orchestrator/core';
import { callerOf } from '../auth.js';
import type { RouteContext } from '../server.js';
import { checkDeployLimits } from '../guards/deploy-limits.js';
import { deploymentIdParam, parseInput, requireDeployIds } from '../validation.js';

/**
 * Deployment groups (multi-region fan-out): start one, read it, approve or reject it as one decision.
 * Each route validates with core's schema and makes one orchestrator call; each target's deployment is
 * a deployment like any other under `/api/deployments/:id`.
 */
export function groupRoutes(app: FastifyInstance, { orchestrator, deployLimits }: RouteContext): void {
  app.post('/api/deployment-groups', { config: { role: 'deployer' } }, async (req, reply) => {
    requireDeployIds(req.body);
    checkDeployLimits(req.body, deployLimits);
    const input = parseInput(DeploymentGroupInputSchema, req.body);
    return reply.code(202).send(await orchestrator.deployGroup(input, callerOf(req.principal)));
  });

  app.get('/api/deployment-groups/:id', { config: { role: 'viewer' } }, async (req) => {
    return orchestrator.getGroup(deploymentIdParam(req.params));
  });

  app.post('/api/deployment-groups/:id/approve', { config: { role: 'approver' } }, async (req) => {
    const id = deploymentIdParam(req.params);
    const input = parseInput(ApprovalInputSchema, req.body);
    return orchestrator.approveGroup(id, input, callerOf(req.principal));
  });

  app.post('/api/deployment-groups/:id/reject', { config: { role: 'approver' } }, async (req) => {
    const id = deploymentIdParam(req.params);
    const input = parseInput(ApprovalInputSchema, req.body);
    return orchestrator.rejectGroup(id, input, callerOf(req.principal));
  });
}
