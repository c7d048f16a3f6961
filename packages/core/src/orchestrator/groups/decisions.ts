import type { Deployment } from '../../types/domain.js';
import { isTerminal } from '../../types/domain.js';
import { InvalidStateError } from '../../errors.js';
import { channelDetail, type CallerChannel } from '../inputs.js';
import type { RunHost } from '../host.js';
import { approvalTimeoutJob } from '../admission.js';
import { cancelDeployment, decide } from '../decisions.js';
import { updateDeployment } from '../deployment-writes.js';
import { nowIso } from '../util.js';
import { approvedFollowerLeaseMs, keepFollowerLock } from './leases.js';
import { loadGroup } from './members.js';
import { settleFollowers } from './progress.js';
import { groupStatusOf } from './view.js';

/**
 * One decision for the whole group (invariant 3 for each target): approving needs every target planned
 * and waiting (a target whose plan changes nothing has completed already), and approves exactly those
 * stored plans. `parallel` applies them all; `canary` applies the first target's, and the others' plans
 * are marked approved and applied once it completed (or cancelled if it did not). Rejecting ends every
 * target still open. Returns the members after the decision.
 */
export async function decideGroup(host: RunHost, groupId: string, decision: 'approved' | 'rejected', by: string | null, comment: string | null, via?: CallerChannel): Promise<Deployment[]> {
  const members = await loadGroup(host, groupId);
  const waiting = members.filter(awaitsDecision);
  if (waiting.length === 0) throw new InvalidStateError(`Deployment group is not awaiting approval (status: ${groupStatusOf(members)})`);
  if (decision === 'approved') {
    const notReady = members.find((m) => !awaitsDecision(m) && m.status !== 'completed');
    if (notReady) throw new InvalidStateError(`Deployment group is not awaiting approval: target "${notReady.target}" is ${notReady.status}`);
  }
  // The channel's details first: they never override what the orchestrator itself records (as for approve).
  const channel = channelDetail(via);
  const detail = { ...channel, groupId, comment, decision, deployments: waiting.map((m) => m.id) };
  await host.audit({ who: by, action: `deployment-group.${decision === 'approved' ? 'approve' : 'reject'}`, stackKey: null, deploymentId: members[0]!.id, detail });
  for (const m of waiting) {
    await host.audit({ who: by, action: `deployment.${decision === 'approved' ? 'approve' : 'reject'}`, stackKey: m.stackKey, deploymentId: m.id, detail: { ...channel, comment, groupId } });
  }
  if (decision === 'rejected') {
    // Later targets first: each then ends as rejected, not as "the canary was cancelled".
    for (const m of [...members].reverse()) {
      if (isTerminal(m.status)) continue;
      if (awaitsDecision(m)) await decide(host, m.id, 'rejected', by, comment).catch(ignoreMoved);
      else await cancelDeployment(host, m.id).catch(ignoreMoved);
    }
    return loadGroup(host, groupId);
  }
  const [first, ...rest] = members;
  if (first!.group!.order === 'parallel') {
    for (const m of waiting) await decide(host, m.id, 'approved', by, comment);
    return loadGroup(host, groupId);
  }
  // Canary: the later plans are approved first (kept waiting), so that the first target's end finds them.
  const approval = { decision: 'approved' as const, by, at: nowIso(), comment };
  for (const m of rest.filter(awaitsDecision)) {
    const { deployment, written } = await updateDeployment(host.store, m.id, (current) => (awaitsDecision(current) ? { ...current, approval } : null));
    // Held back by the canary, not by a human: the approval timeout no longer applies, and its lock must
    // last until it runs, however late this approval came (see leases.ts).
    if (written) await keepFollowerLock(host, deployment, approvedFollowerLeaseMs(host));
    await host.queue.cancel(approvalTimeoutJob(m).id).catch(() => false);
  }
  if (awaitsDecision(first!)) await decide(host, first!.id, 'approved', by, comment);
  else await settleFollowers(host, (await host.store.getDeployment(first!.id)) ?? first!);
  return loadGroup(host, groupId);
}

const awaitsDecision = (m: Deployment): boolean => m.status === 'awaiting_approval' && !m.approval;

/** A target that moved on meanwhile (ended by its own run) needs no decision. */
function ignoreMoved(e: unknown): void {
  if (!(e instanceof InvalidStateError)) throw e;
}
