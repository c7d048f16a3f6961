import type { FastifyInstance } from 'fastify';
import { ForbiddenError, HistoryQuerySchema, LockInputSchema, UnlockInputSchema } from '@iac-orchestrator/core';
import { callerOf, hasRole } from '../auth.js';
import { stateVersionView } from '../presenters.js';
import type { RouteContext } from '../server.js';
import { deploymentIdParam, parseInput } from '../validation.js';

/**
 * The stack state of a deployment: read it, lock and unlock it by hand, list its versions. Reads need
 * the viewer role, locks the deployer role, a forced unlock the admin role; the orchestrator audits each
 * call with the caller's name.
 */
export function stateRoutes(app: FastifyInstance, { orchestrator }: RouteContext): void {
  app.get('/api/deployments/:id/state', { config: { role: 'viewer' } }, async (req) => {
    return orchestrator.getState(deploymentIdParam(req.params), callerOf(req.principal));
  });

  app.post('/api/deployments/:id/state/lock', { config: { role: 'deployer' } }, async (req) => {
    const id = deploymentIdParam(req.params);
    const input = parseInput(LockInputSchema, req.body);
    return orchestrator.lockState(id, input, callerOf(req.principal));
  });

  app.post('/api/deployments/:id/state/unlock', { config: { role: 'deployer' } }, async (req) => {
    const id = deploymentIdParam(req.params);
    const input = parseInput(UnlockInputSchema, req.body);
    // Force-release can pull a lock from under a running apply: an admin's call, and only when asked for.
    if (input.force === true && !hasRole(req.principal.role, 'admin')) throw new ForbiddenError('Forcing an unlock needs the admin role');
    return orchestrator.unlockState(id, input, callerOf(req.principal));
  });

  app.get('/api/deployments/:id/state/history', { config: { role: 'viewer' } }, async (req) => {
    const id = deploymentIdParam(req.params);
    const query = parseInput(HistoryQuerySchema, req.query, 'query');
    const versions = await orchestrator.stateHistory(id, query, callerOf(req.principal));
    return { deploymentId: id, versions: versions.map(stateVersionView) };
  });
}
