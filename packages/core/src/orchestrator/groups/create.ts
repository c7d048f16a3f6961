import { randomUUID } from 'node:crypto';
import type { Deployment, DeploymentGroupRef, DeploymentOptions } from '../../types/domain.js';
import { DeploymentOptionsSchema } from '../../types/domain.js';
import { ValidationError } from '../../errors.js';
import { makeBundle } from '../../stack.js';
import type { RunHost } from '../host.js';
import type { Caller } from '../inputs.js';
import { checkCodeFields } from '../code-fields.js';
import type { ResolvedCode, resolveCode } from '../resolve-code.js';
import { firstJob } from '../admission.js';
import { newDeployment } from '../records.js';
import { saveSecretVariables, splitSecretVariables } from '../secret-variables.js';
import { parseInput } from '../validation.js';
import { nowIso } from '../util.js';
import { DeploymentGroupInputSchema, type DeploymentGroupInput } from './inputs.js';
import { groupMemberId, planMayStart } from './members.js';
import { stopIncompleteGroup } from './progress.js';

/** What creating a group needs from the Orchestrator besides the run host. */
export interface GroupCreation {
  host: RunHost;
  /** Checks the format's executor options (throws a ValidationError). */
  validateExecutorOptions(format: string, options: Record<string, unknown>): void;
  /** The request's code (inline, from the generator, or fetched from Git), as for a deployment. */
  resolveCode(req: Parameters<typeof resolveCode>[0], caller?: Caller): Promise<ResolvedCode>;
}

/**
 * Validates a group request entirely (targets, every target's merged options, executor options, code),
 * then stores one deployment per target, with ids derived from the group's, and enqueues the plans that
 * may start: every target's (parallel, or a group waiting for a manual approval), else only the canary's.
 * Nothing is stored when the request is refused.
 */
export async function createGroup(c: GroupCreation, input: DeploymentGroupInput, caller?: Caller): Promise<{ groupId: string; members: Deployment[] }> {
  const { host } = c;
  checkCodeFields(input);
  const req = parseInput(DeploymentGroupInputSchema, input, 'deployment group request');
  c.validateExecutorOptions(req.format, req.options.executor);
  host.checkNotify?.(req.options.notify);
  const perTarget: DeploymentOptions[] = req.targets.map((t, i) => {
    const merged = { ...req.options, variables: { ...req.options.variables, ...t.variables } };
    try {
      return parseInput(DeploymentOptionsSchema, merged, 'options');
    } catch (e) {
      throw e instanceof ValidationError ? new ValidationError(`targets.${i}: ${e.message}`, `targets.${i}.variables`) : e;
    }
  });
  const code = await c.resolveCode(req, caller);
  const bundle = makeBundle(code.files);

  const groupId = randomUUID();
  const policy = req.options.dryRun ? 'manual' : host.options.approvalPolicy({ environment: req.environment, autoApprove: req.options.autoApprove, caller: caller ?? null, operation: 'apply' });
  const at = nowIso();
  const members = req.targets.map((t, index) => {
    const { options, secrets } = splitSecretVariables(perTarget[index]!);
    const group: DeploymentGroupRef = { id: groupId, order: req.order, index, size: req.targets.length };
    const stack = { blueprintId: req.blueprintId, environment: req.environment, targetCloud: req.targetCloud, format: req.format, target: t.name, region: t.region };
    const d = newDeployment({ id: groupMemberId(groupId, index), stack, operation: 'apply', options, bundleDigest: bundle.digest, generationJobId: req.generationJobId ?? null, source: code.source, requestedBy: caller?.id ?? null, group });
    if (policy === 'auto' && !req.options.dryRun) d.approval = { decision: 'approved', by: caller?.id ?? null, at, comment: 'auto-approved' };
    d.owner = host.options.instanceId;
    return { d, secrets };
  });

  try {
    await host.store.putBundle(bundle);
    // The first target last: a group is found through it, so it exists only once every member does.
    for (const { d, secrets } of [...members].reverse()) {
      await saveSecretVariables(host.store, d.id, secrets);
      await host.store.putDeployment(d);
    }
  } catch (e) {
    // The caller gets the error and no group: the members stored so far must never run. Best effort here;
    // planMayStart refuses them anyway, and recover() ends whatever this could not (settleGroups).
    await stopIncompleteGroup(host, members[0]!.d.group!).catch(() => undefined);
    throw e;
  }
  const who = caller?.id ?? null;
  const targets = members.map(({ d }) => ({ name: d.target, region: d.region, deploymentId: d.id }));
  await host.audit({ who, action: 'deployment-group.create', stackKey: null, deploymentId: members[0]!.d.id, detail: { groupId, order: req.order, targets } });
  for (const { d } of members) {
    await host.audit({ who, action: 'deployment.create', stackKey: d.stackKey, deploymentId: d.id, detail: { operation: d.operation, groupId, target: d.target } });
    host.events.emit('status', { deploymentId: d.id, status: d.status, previous: null, deployment: d });
  }
  for (const { d } of members) if (await planMayStart(host, d)) await host.queue.enqueue(firstJob(d));
  return { groupId, members: members.map((m) => m.d) };
}
