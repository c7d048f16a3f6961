import type { Deployment, DeploymentGroupRef } from '../../types/domain.js';
import { isTerminal } from '../../types/domain.js';
import type { RunHost } from '../host.js';
import { applyJob, approvalTimeoutJob, endedWhileWaiting, firstJob } from '../admission.js';
import { cancelDeployment } from '../decisions.js';
import { updateDeployment } from '../deployment-writes.js';
import { errorMessage, nowIso } from '../util.js';
import { keepFollowerLock, startingFollowerLeaseMs } from './leases.js';
import { canaryCompleted, groupMemberId, isFollower } from './members.js';

/**
 * What happens to a canary group's later targets when its first target ends. Called wherever a
 * deployment ends (a job's teardown, a cancel or reject of a waiting plan, an approval timeout, recovery
 * of an interrupted run) and by `recover()` for every group whose first target ended while no process
 * was there to act: so it needs no waiting worker, works from any process and survives a restart. Every
 * step is a compare-and-set on a member's record, so doing it twice does nothing more.
 * @module
 */

/** After a group member ended: if it was a canary group's first target, start or stop the rest. */
export async function groupMemberEnded(host: RunHost, ended: Deployment): Promise<void> {
  const g = ended.group;
  if (!g || g.order !== 'canary' || g.index !== 0 || g.size < 2) return;
  const leader = await host.store.getDeployment(ended.id);
  if (leader && isTerminal(leader.status)) await settleFollowers(host, leader);
}

/** Starts (the canary completed) or stops (it failed or was cancelled) each later target still waiting. */
export async function settleFollowers(host: RunHost, leader: Deployment): Promise<void> {
  const g = leader.group!;
  const go = canaryCompleted(leader);
  // A dry run's first target ends `planned`: its group's plans all ran at once, nothing waits on it.
  if (!go && leader.status === 'planned') return;
  for (let index = 1; index < g.size; index++) {
    const id = groupMemberId(g.id, index);
    try {
      const f = await host.store.getDeployment(id);
      if (!f || isTerminal(f.status)) continue;
      if (go) await startFollower(host, f);
      else await stopFollower(host, f, leader);
    } catch (e) {
      host.logger('warn', 'could not move on a deployment group target after its canary ended', { deploymentId: id, error: errorMessage(e) });
    }
  }
}

async function startFollower(host: RunHost, f: Deployment): Promise<void> {
  if (f.status === 'pending') {
    // Its plan job may be parking right now (it found the canary still running): run it once more then.
    await host.queue.enqueue(firstJob(f), { rerunIfActive: true });
    return;
  }
  if (f.status !== 'awaiting_approval' || f.approval?.decision !== 'approved') return;
  // The group's approval covered this plan; its apply was held back until the canary completed.
  const { deployment, written } = await updateDeployment(host.store, f.id, (current) =>
    current.status === 'awaiting_approval' && current.approval?.decision === 'approved' ? { ...current, status: 'applying' } : null,
  );
  if (!written) return;
  await keepFollowerLock(host, deployment, startingFollowerLeaseMs(host));
  await host.queue.cancel(approvalTimeoutJob(deployment).id).catch(() => false);
  host.events.emit('status', { deploymentId: f.id, status: 'applying', previous: 'awaiting_approval', deployment: host.redactor.redactValue(deployment) });
  await host.queue.enqueue(applyJob(deployment));
}

/** The canary did not complete: a target that has not run yet never runs (no tool, no lock, no state). */
async function stopFollower(host: RunHost, f: Deployment, leader: Deployment): Promise<void> {
  const error = `Not deployed: the canary target "${leader.target ?? 'first'}" of deployment group ${leader.group!.id} ended ${leader.status}${leader.error ? ` (${leader.error})` : ''}`;
  await stopMember(host, f, error, 'canary did not complete');
}

/** Ends a member that has not run (or, in a group waiting for approval, stops its run like any cancel). */
async function stopMember(host: RunHost, f: Deployment, error: string, reason: string): Promise<void> {
  if (f.status === 'planning' || f.status === 'applying') {
    // Only in a group waiting for approval, whose plans run at once: stopped like any cancel.
    await cancelDeployment(host, f.id);
    return;
  }
  const at = nowIso();
  let before: Deployment | null = null;
  const { deployment, written } = await updateDeployment(host.store, f.id, (current) => {
    if (current.status !== 'pending' && current.status !== 'awaiting_approval') return null;
    before = current;
    return { ...current, status: 'cancelled', error, cancelRequestedAt: at, lock: null, completedAt: at };
  });
  if (!written || !before) return;
  await host.store.appendLogs(f.id, [{ timestamp: at, level: 'error', message: host.redactor.redact(error), resource: null }]);
  await host.audit({ who: null, action: 'deployment.cancel', stackKey: f.stackKey, deploymentId: f.id, detail: { status: (before as Deployment).status, groupId: f.group!.id, reason } });
  await endedWhileWaiting(host, before, deployment);
}

/** The error of a member of a group whose first target was never stored. */
export const incompleteGroupError = (groupId: string): string => `Not deployed: deployment group ${groupId} was not completely created (its creation failed part-way)`;

/** Ends every member still open of a group whose creation failed part-way (any order). */
export async function stopIncompleteGroup(host: RunHost, g: DeploymentGroupRef): Promise<void> {
  for (let index = 1; index < g.size; index++) {
    const id = groupMemberId(g.id, index);
    try {
      const m = await host.store.getDeployment(id);
      if (m && m.group?.id === g.id && !isTerminal(m.status)) await stopMember(host, m, incompleteGroupError(g.id), 'deployment group not completely created');
    } catch (e) {
      host.logger('warn', 'could not end a target of a deployment group whose creation failed', { deploymentId: id, error: errorMessage(e) });
    }
  }
}

/**
 * For `recover()`: the later targets of canary groups whose first target has ended but which still wait
 * (the process that ended it stopped before acting), and the members, whatever the order, of a group
 * whose creation was cut short (no first target was ever stored; after `lockTtlMs`, so that a creation
 * still under way in another process is left alone). Returns the ids of the groups it settled.
 */
export async function settleGroups(host: RunHost, waiting: Deployment[]): Promise<string[]> {
  const settled = new Set<string>();
  for (const f of waiting) {
    if (!f.group || f.group.index === 0 || settled.has(f.group.id)) continue;
    const leader = await host.store.getDeployment(groupMemberId(f.group.id, 0));
    if (leader && isFollower(f.group) && isTerminal(leader.status)) {
      settled.add(f.group.id);
      await settleFollowers(host, leader);
    } else if ((!leader || leader.group?.id !== f.group.id) && Date.now() - Date.parse(f.createdAt) > host.options.lockTtlMs) {
      settled.add(f.group.id);
      await stopIncompleteGroup(host, f.group);
    }
  }
  return [...settled];
}
