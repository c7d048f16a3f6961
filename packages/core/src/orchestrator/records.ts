import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Deployment, DeploymentGroupRef, DeploymentOptions, Operation, StackRef } from '../types/domain.js';
import type { DeploymentSource } from '../types/deploy-source.js';
import { stackKeyOf } from '../stack.js';

let lastCreated = 0;

/** Creation times strictly increase within a process: deployments of a stack are served in arrival order,
 * and listings order by (createdAt, id), so two requests in the same millisecond must not tie. */
function nextCreatedAt(): string {
  lastCreated = Math.max(Date.now(), lastCreated + 1);
  return new Date(lastCreated).toISOString();
}

/** A fresh deployment record in `pending`. */
export function newDeployment(args: {
  stack: StackRef;
  operation: Operation;
  options: DeploymentOptions;
  bundleDigest: string;
  generationJobId: string | null;
  source?: DeploymentSource | null;
  requestedBy: string | null;
  rollbackOf?: string | null;
  targetVersion?: number | null;
  reason?: string | null;
  /** A deployment group member's id is derived from its group's (see groups/members.ts). */
  id?: string;
  group?: DeploymentGroupRef;
}): Deployment {
  const at = nextCreatedAt();
  return {
    id: args.id ?? randomUUID(),
    stackKey: stackKeyOf(args.stack),
    // Picked one by one: `stack` may be a whole request, whose files must never land in the record.
    blueprintId: args.stack.blueprintId,
    environment: args.stack.environment,
    targetCloud: args.stack.targetCloud,
    format: args.stack.format,
    ...(args.stack.target ? { target: args.stack.target, region: args.stack.region ?? null } : {}),
    ...(args.group ? { group: args.group } : {}),
    generationJobId: args.generationJobId,
    ...(args.source ? { source: args.source } : {}),
    operation: args.operation,
    status: 'pending',
    options: args.options,
    bundleDigest: args.bundleDigest,
    requestedBy: args.requestedBy,
    baseVersion: null,
    stateVersion: null,
    plan: null,
    drift: null,
    resources: [],
    outputs: {},
    error: null,
    rollbackOf: args.rollbackOf ?? null,
    targetVersion: args.targetVersion ?? null,
    reason: args.reason ?? null,
    rolledBackBy: null,
    approval: null,
    cancelRequestedAt: null,
    lock: null,
    owner: null,
    revision: 0,
    createdAt: at,
    updatedAt: at,
    startedAt: null,
    completedAt: null,
  };
}

export const stackRefOf = (d: Deployment): StackRef => ({
  blueprintId: d.blueprintId,
  environment: d.environment,
  targetCloud: d.targetCloud,
  format: d.format,
  // A group target's stack: its destroy, rollback and drift checks stay on that target's stack.
  ...(d.target ? { target: d.target, region: d.region ?? undefined } : {}),
});

/** host:pid:random — enough for recovery to tell whether the owning process is still alive. */
export const newInstanceId = (): string => `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

/** True when the owner ran on this host and its process no longer exists. */
export function ownerProcessIsDead(owner: string | null): boolean {
  if (!owner) return false;
  const [host, pidText] = owner.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
