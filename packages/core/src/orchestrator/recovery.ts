import type { Deployment } from '../types/domain.js';
import type { RunHost } from './host.js';
import { runScopedHost } from '../masking/run-scope.js';
import { ownerProcessIsDead, stackRefOf } from './records.js';
import { removeWorkDir, versionBody, workDirOf } from './run-context.js';
import { errorMessage, nowIso } from './util.js';
import { updateDeployment } from './deployment-writes.js';
import { flushSpool } from './spool.js';
import { admitNext, allJobIdsOf, firstJob } from './admission.js';
import { chainHead, retentionFor, sameAsHead } from './state-stream.js';
import { groupMemberEnded, settleGroups } from './groups/progress.js';
import { planMayStart } from './groups/members.js';
import { appliesInOneRun } from './one-run-marker.js';

/** Statuses in which some process is (or was) running the deployment. */
const RUNNING = ['planning', 'applying'] as const;

/** Active deployments in `status`. One status per listing: stores keep an index per status, so this reads
 * only active deployments, never the whole history. */
async function listActive(host: RunHost, status: Deployment['status']): Promise<Deployment[]> {
  const out: Deployment[] = [];
  let cursor: string | null = null;
  do {
    const page = await host.store.listDeployments({ status, limit: 100, cursor });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/**
 * Finds deployments whose runner died (its host/pid is gone, or the lease of its stack lock lapsed),
 * saves the state its tool left as a `recovered` version, marks it `failed` ("interrupted") and frees
 * its lock. Plans waiting for approval are left to be approved or cancelled: nothing runs for them.
 * A `pending` deployment whose job was lost with its process (the in-process queue dies with it) is
 * enqueued again (`requeued`): nothing of it ran, so it simply runs.
 */
export async function recoverDeployments(host: RunHost, runningHere: Set<string>): Promise<{ recovered: string[]; requeued: string[] }> {
  await flushSpool(host);
  const recovered: string[] = [];
  const candidates = (await Promise.all(RUNNING.map((s) => listActive(host, s)))).flat();
  for (const listed of candidates) {
    if (runningHere.has(listed.id) || !(await isAbandoned(host, listed))) continue;
    // A run that just ended records its end before freeing its lock: recovery works only on the exact
    // revision it judged abandoned, and its final write is a compare-and-set on that revision.
    const d = await host.store.getDeployment(listed.id);
    if (!d || (d.revision ?? 0) !== (listed.revision ?? 0) || !(RUNNING as readonly string[]).includes(d.status)) continue;
    const done = await recoverOne(host, d).catch((e) => {
      host.logger('error', 'recovery of a deployment failed', { deploymentId: d.id, error: errorMessage(e) });
      return false;
    });
    if (done) recovered.push(d.id);
  }
  // Canary groups whose first target ended while no process was there to start or stop the rest.
  await settleGroups(host, [...(await listActive(host, 'pending')), ...(await listActive(host, 'awaiting_approval'))]);
  const requeued = await requeueLost(host, runningHere);
  return { recovered, requeued };
}

/** True while one of the deployment's jobs is waiting, delayed or running in the queue. */
async function queued(host: RunHost, d: Deployment): Promise<boolean> {
  for (const id of allJobIdsOf(d.id)) if (await host.queue.position(id).catch(() => null)) return true;
  return false;
}

/** Enqueues again the first pending deployment of each stack (and pending drift checks) that no queue holds. */
async function requeueLost(host: RunHost, runningHere: Set<string>): Promise<string[]> {
  const pending = (await listActive(host, 'pending')).reverse(); // oldest first
  const heads = new Map<string, Deployment>();
  for (const d of pending) if (d.operation === 'drift' || !heads.has(d.stackKey)) heads.set(d.operation === 'drift' ? d.id : d.stackKey, d);
  const requeued: string[] = [];
  for (const d of heads.values()) {
    if (runningHere.has(d.id) || (await queued(host, d)) || !(await planMayStart(host, d))) continue;
    // An in-process queue lives in one process: a live peer's pending work is in its memory, not lost.
    if (host.queue.engine === 'in-process' && d.owner && d.owner !== host.options.instanceId && !ownerProcessIsDead(d.owner)) continue;
    if (d.operation !== 'drift') {
      const lock = await host.store.getLock(d.stackKey);
      if (lock?.deploymentId && lock.deploymentId !== d.id) continue; // admitted when that deployment ends
    }
    await host.queue.enqueue(firstJob(d));
    requeued.push(d.id);
  }
  return requeued;
}

async function isAbandoned(host: RunHost, d: Deployment): Promise<boolean> {
  if (await queued(host, d)) return false; // approved and waiting for a runner, or running in a live runner
  if (d.owner === host.options.instanceId) return true; // ours, yet not running here: a previous life of this process
  if (ownerProcessIsDead(d.owner)) return true;
  if (!d.lock) return false;
  const live = await host.store.getLock(d.stackKey);
  return !live || live.lockId !== d.lock.lockId; // its lease lapsed: nobody renews it
}

/** Ends one interrupted deployment (see {@link recoverDeployments}, and stalled jobs in runner.ts). */
export async function recoverOne(serviceHost: RunHost, d: Deployment): Promise<boolean> {
  const host = runScopedHost(serviceHost);
  const log = (level: 'info' | 'warn' | 'error', message: string) =>
    host.store.appendLogs(d.id, [{ timestamp: nowIso(), level, message: host.redactor.redact(message), resource: null }]);
  let stateVersion = d.stateVersion;
  const executor = (() => {
    try {
      return host.executorFor(d.format);
    } catch {
      return null;
    }
  })();
  const workDir = executor ? workDirOf(host, executor, d.id) : null;
  // A run that planned and applied in one tool process may have changed things while still `planning`.
  const mayHaveChanged = d.status === 'applying' || (d.status === 'planning' && (await appliesInOneRun(host, d.id).catch(() => true)));
  if (mayHaveChanged && executor?.recoverState && workDir) {
    const live = await host.store.getLock(d.stackKey);
    if (live && d.lock && live.lockId === d.lock.lockId) await host.store.forceReleaseLock(d.stackKey);
    const lock = await host.store.acquireLock({ stackKey: d.stackKey, operation: 'recover', who: 'orchestrator', info: `recovery of ${d.id}`, ttlMs: host.options.lockTtlMs, deploymentId: d.id }).catch(() => null);
    if (lock) {
      try {
        const bundle = await host.store.getBundle(d.bundleDigest);
        const ac = new AbortController();
        // What the run already saved while it applied (intermediate versions) is where the chain goes on.
        const head = await chainHead(host.store, d);
        if (head.ours) stateVersion = head.version;
        const sandbox = await host.sandbox();
        const snap = bundle
          ? await executor.recoverState({
              deploymentId: d.id, stack: stackRefOf(d), stackKey: d.stackKey, operation: d.operation, workDir, bundle, priorState: null,
              variables: d.options.variables, env: {}, parallelism: d.options.parallelism, options: d.options.executor, signal: ac.signal,
              emit: () => undefined, secret: (v) => host.redactor.add(v), sandbox,
            })
          : null;
        if (snap && sameAsHead(head, snap.raw)) {
          await log('warn', `The state the interrupted run left was already saved as version ${head.version}`);
        } else if (snap) {
          const v = await host.store.writeStateVersion({ stackKey: d.stackKey, expectedVersion: head.version, lockId: lock.lockId, token: lock.token, retention: retentionFor(host, d, head.version), version: { ...versionBody(host, d, snap), reason: 'recovered' } });
          stateVersion = v.version;
          await log('warn', `Recovered the state the interrupted run left as version ${v.version}`);
        }
      } catch (e) {
        await log('error', `Could not save the state the interrupted run left: ${errorMessage(e)}`);
      } finally {
        await host.store.releaseLock(d.stackKey, lock.lockId);
      }
    }
  } else if (d.lock) {
    const live = await host.store.getLock(d.stackKey);
    if (live && live.lockId === d.lock.lockId) await host.store.releaseLock(d.stackKey, live.lockId);
  }
  if (workDir && !host.options.keepWorkDirs) await removeWorkDir(workDir);
  const at = nowIso();
  const error = `Deployment interrupted: the process running it (${d.owner ?? 'unknown'}) stopped`;
  const { deployment: failed, written } = await updateDeployment(host.store, d.id, (current) =>
    (current.revision ?? 0) === (d.revision ?? 0) ? { ...current, status: 'failed', error, stateVersion, lock: null, completedAt: at } : null,
  );
  if (!written) return false;
  await host.store.deletePlan(d.id);
  await log('error', error);
  await host.audit({ who: null, action: 'deployment.recover', stackKey: d.stackKey, deploymentId: d.id, detail: { previousStatus: d.status, stateVersion } });
  host.events.emit('status', { deploymentId: d.id, status: 'failed', previous: d.status, deployment: host.redactor.redactValue(failed) });
  await admitNext(host, d.stackKey).catch(() => null);
  await groupMemberEnded(host, failed).catch(() => undefined);
  return true;
}
