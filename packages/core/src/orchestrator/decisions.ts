import type { Deployment } from '../types/domain.js';
import { isTerminal } from '../types/domain.js';
import { InvalidStateError } from '../errors.js';
import type { RunHost } from './host.js';
import { assertMayDecide } from './approval.js';
import { channelDetail, type Caller } from './inputs.js';
import { applyJob, approvalTimeoutJob, endedWhileWaiting, jobIdOf } from './admission.js';
import { updateDeployment } from './deployment-writes.js';
import { nowIso } from './util.js';

/**
 * What a human decides, applied from any process: the store holds the status, the queue the work. Each
 * returns the record after the change.
 * @module
 */

/**
 * A person's decision on one deployment: it must await approval, not belong to a group (decided as a
 * whole), and the caller must be allowed to decide for its environment. Audited, then {@link decide}d.
 */
export async function decideDeployment(host: RunHost, d: Deployment, decision: 'approved' | 'rejected', comment: string | null, caller: Caller | undefined): Promise<Deployment> {
  if (d.status !== 'awaiting_approval') throw new InvalidStateError(`Deployment is not awaiting approval (status: ${d.status})`);
  if (d.group) throw new InvalidStateError(`Deployment belongs to deployment group ${d.group.id}: approve or reject the group`);
  assertMayDecide(caller, d.environment, host.options.protectedEnvironments);
  await host.audit({ who: caller?.id ?? null, action: `deployment.${decision === 'approved' ? 'approve' : 'reject'}`, stackKey: d.stackKey, deploymentId: d.id, detail: { ...channelDetail(caller?.via), comment } });
  return decide(host, d.id, decision, caller?.id ?? null, comment);
}

/** Approves (enqueues the apply job of the stored plan, which any runner may take) or rejects (ends it
 * `cancelled`, frees the stack). */
export async function decide(host: RunHost, id: string, decision: 'approved' | 'rejected', by: string | null, comment: string | null): Promise<Deployment> {
  const at = nowIso();
  const approval = { decision, by, at, comment };
  let before: Deployment | null = null;
  const { deployment } = await updateDeployment(host.store, id, (current) => {
    if (current.status !== 'awaiting_approval') throw new InvalidStateError(`Deployment is not awaiting approval (status: ${current.status})`);
    before = current;
    return decision === 'rejected'
      ? { ...current, approval, status: 'cancelled', error: `Plan rejected by ${by ?? 'an approver'}${comment ? `: ${comment}` : ''}`, lock: null, completedAt: at }
      : { ...current, approval, status: 'applying' };
  });
  if (decision === 'rejected') {
    await endedWhileWaiting(host, before!, deployment);
    return deployment;
  }
  await host.queue.cancel(approvalTimeoutJob(deployment).id).catch(() => false);
  host.events.emit('status', { deploymentId: id, status: 'applying', previous: 'awaiting_approval', deployment: host.redactor.redactValue(deployment) });
  await host.queue.enqueue(applyJob(deployment));
  return deployment;
}

/**
 * Cancels in any non-terminal status. A deployment nothing runs for (pending, awaiting approval) ends
 * here at once; a running one gets `cancelRequestedAt` and its job is aborted through the queue, wherever
 * it runs; the job saves what its tool left and ends it `cancelled`.
 */
export async function cancelDeployment(host: RunHost, id: string): Promise<Deployment> {
  const at = nowIso();
  let before: Deployment | null = null;
  const { deployment, written } = await updateDeployment(host.store, id, (current) => {
    if (isTerminal(current.status)) throw new InvalidStateError(`Deployment is already ${current.status}`);
    before = current;
    if (current.status === 'pending' || current.status === 'awaiting_approval') {
      return { ...current, status: 'cancelled', error: 'Deployment cancelled', cancelRequestedAt: at, lock: null, completedAt: at };
    }
    return { ...current, cancelRequestedAt: current.cancelRequestedAt ?? at };
  });
  if (written && deployment.status === 'cancelled') {
    await endedWhileWaiting(host, before!, deployment);
    return deployment;
  }
  for (const phase of ['plan', 'apply', 'drift'] as const) await host.queue.cancel(jobIdOf(id, phase));
  return deployment;
}
