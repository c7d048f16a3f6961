import type { Deployment, DeploymentStatus } from '../types/domain.js';
import type { PhaseJob } from '../types/job-queue.js';
import type { RunHost } from './host.js';
import type { Caller } from './inputs.js';
import { removeWorkDir, workDirOf } from './run-context.js';
import { groupMemberEnded } from './groups/progress.js';
import { saveSecretVariables } from './secret-variables.js';
import { nowIso } from './util.js';

/**
 * Per-stack order. Every deployment of a stack is a line of jobs in the stack's queue group; a deployment
 * whose turn has not come (the one ahead waits for approval, or a manual lock is held) ends its plan job
 * without holding anything and stays `pending`; when a deployment of the stack ends, the oldest pending
 * one is enqueued again ({@link admitNext}). Nothing sleeps while it waits.
 * @module
 */

/** The job ids of a deployment (`<deploymentId>:<phase>`, stable, so enqueueing twice adds nothing). */
export const jobIdOf = (deploymentId: string, phase: PhaseJob['phase'] | 'lock-wait'): string => `${deploymentId}:${phase}`;

/** The first job of a deployment: its plan (in its stack's line), or a drift check (not serialised: it writes no state). */
export function firstJob(d: Deployment): PhaseJob {
  return d.operation === 'drift'
    ? { id: jobIdOf(d.id, 'drift'), deploymentId: d.id, phase: 'drift', group: null }
    : { id: jobIdOf(d.id, 'plan'), deploymentId: d.id, phase: 'plan', group: d.stackKey };
}

export function applyJob(d: Deployment): PhaseJob {
  return { id: jobIdOf(d.id, 'apply'), deploymentId: d.id, phase: 'apply', group: d.stackKey };
}

export function approvalTimeoutJob(d: Deployment): PhaseJob {
  return { id: jobIdOf(d.id, 'approval-timeout'), deploymentId: d.id, phase: 'approval-timeout', group: null };
}

/** A delayed, ungrouped wake-up for a deployment waiting on a manual lock: it enqueues the plan job again. */
export function lockWaitJob(d: Deployment): PhaseJob {
  return { id: jobIdOf(d.id, 'lock-wait'), deploymentId: d.id, phase: 'plan', group: null };
}

/** Every job a deployment may have queued, for a cancel. */
export const allJobIdsOf = (id: string): string[] => (['plan', 'apply', 'drift', 'approval-timeout', 'lock-wait'] as const).map((p) => jobIdOf(id, p));

const ACTIVE: DeploymentStatus[] = ['pending', 'planning', 'awaiting_approval', 'applying'];

/** Deployments of a stack in `status`, oldest first. One status per listing: stores index by a single status. */
async function listStack(host: RunHost, stackKey: string, status: DeploymentStatus): Promise<Deployment[]> {
  const out: Deployment[] = [];
  let cursor: string | null = null;
  do {
    const page = await host.store.listDeployments({ stackKey, status, limit: 100, cursor });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out.reverse();
}

const before = (a: Deployment, b: Deployment) => a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id);

/** True when an older deployment of the same stack still waits for its turn: it goes first. */
export async function olderPendingExists(host: RunHost, d: Deployment): Promise<boolean> {
  const pending = await listStack(host, d.stackKey, 'pending');
  return pending.some((p) => p.id !== d.id && before(p, d));
}

/** Enqueues the oldest pending deployment of a stack (after one of the stack's deployments ended). */
export async function admitNext(host: RunHost, stackKey: string): Promise<string | null> {
  const [next] = await listStack(host, stackKey, 'pending');
  if (!next) return null;
  // Its plan job may still be finishing (it found the stack held a moment ago): run it once more then.
  await host.queue.enqueue(firstJob(next), { rerunIfActive: true });
  return next.id;
}

/** A pending deployment's place in its stack's line: how many active deployments of the stack are ahead of it. */
export async function queuePosition(host: RunHost, d: Deployment): Promise<number | null> {
  if (d.status !== 'pending') return null;
  if (d.operation === 'drift') return 0;
  const lists = await Promise.all(ACTIVE.map((s) => listStack(host, d.stackKey, s)));
  return lists.flat().filter((o) => o.id !== d.id && o.operation !== 'drift' && (o.status !== 'pending' || before(o, d))).length;
}

/** After a waiting deployment was ended outside any job (cancel, reject, approval timeout): free its lock
 * and plan, drop its jobs, tell listeners, admit the next deployment of the stack. */
export async function endedWhileWaiting(host: RunHost, before: Deployment, ended: Deployment, runningJobId?: string): Promise<void> {
  for (const id of allJobIdsOf(ended.id)) if (id !== runningJobId) await host.queue.cancel(id).catch(() => false);
  if (before.lock) await host.store.releaseLock(before.stackKey, before.lock.lockId);
  await host.store.deletePlan(before.id);
  try {
    if (!host.options.keepWorkDirs) await removeWorkDir(workDirOf(host, host.executorFor(before.format), before.id));
  } catch {
    // no executor for the format here: no work dir either
  }
  host.events.emit('status', { deploymentId: ended.id, status: ended.status, previous: before.status, deployment: host.redactor.redactValue(ended) });
  await admitNext(host, before.stackKey);
  await groupMemberEnded(host, ended);
}

/**
 * Stores a new deployment and enqueues its first job: the approval policy is decided now, while the
 * caller is known (a runner later applies without asking, or parks the plan); the run's secret variables
 * go to the store apart from the record; the request is audited and its first status emitted.
 */
export async function admit(host: RunHost, d: Deployment, caller: Caller | undefined, audit: { action: string; detail?: Record<string, unknown> }, secrets: Record<string, unknown> = {}): Promise<Deployment> {
  if (d.operation !== 'drift' && !d.options.dryRun) {
    const policy = host.options.approvalPolicy({ environment: d.environment, autoApprove: d.options.autoApprove, caller: caller ?? null, operation: d.operation });
    if (policy === 'auto') d.approval = { decision: 'approved', by: caller?.id ?? null, at: nowIso(), comment: 'auto-approved' };
  }
  d.owner = host.options.instanceId;
  await saveSecretVariables(host.store, d.id, secrets);
  await host.store.putDeployment(d);
  await host.audit({ who: caller?.id ?? null, action: audit.action, stackKey: d.stackKey, deploymentId: d.id, detail: { operation: d.operation, ...audit.detail } });
  host.events.emit('status', { deploymentId: d.id, status: d.status, previous: null, deployment: d });
  await host.queue.enqueue(firstJob(d));
  return d;
}
