import { createHash } from 'node:crypto';
import type { Deployment, DeploymentGroupRef } from '../../types/domain.js';
import { NotFoundError } from '../../errors.js';
import type { RunHost } from '../host.js';
import { parseId } from '../validation.js';

/**
 * A deployment group is its member deployments: no group record exists. Each member's id is derived from
 * the group's id and its place, so that the group is found from its id (member 0 carries its size) and
 * any member finds the others, in any process (see docs/adr/0005).
 * @module
 */

/** The id of member `index` of group `groupId`: a UUID-shaped digest, stable across processes. */
export function groupMemberId(groupId: string, index: number): string {
  const h = createHash('sha256').update(`deployment-group:${groupId}:${index}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-b${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A group's members in order (the first is the canary), as stored now; a member never stored is left out. */
export async function loadGroup(host: Pick<RunHost, 'store'>, groupId: string): Promise<Deployment[]> {
  const id = parseId(groupId);
  const first = await host.store.getDeployment(groupMemberId(id, 0));
  if (!first || first.group?.id !== id) throw new NotFoundError(`Deployment group ${groupId} not found`);
  const rest = await Promise.all(Array.from({ length: first.group.size - 1 }, (_, i) => host.store.getDeployment(groupMemberId(id, i + 1))));
  return [first, ...rest.filter((d): d is Deployment => d !== null && d.group?.id === id)];
}

/** True for a canary group's later target (it waits for the first). */
export const isFollower = (g: DeploymentGroupRef | null | undefined): g is DeploymentGroupRef => !!g && g.order === 'canary' && g.index > 0;

/** Whether the first target's end lets the rest go on (a rollback later does not undo that it completed). */
export const canaryCompleted = (leader: Deployment): boolean => leader.status === 'completed' || leader.status === 'rolled_back';

/**
 * Whether a member's plan may start now. A later target of a group whose first target was never stored
 * (its creation failed or was cut short part-way: the caller got an error, the group cannot be found)
 * never starts, whatever the order. A canary group's later target approved in advance (plan and apply in
 * one go) waits until the first target completed; a group waiting for a manual approval plans every
 * target at once (the approval covers all plans), so nothing holds those back.
 */
export async function planMayStart(host: Pick<RunHost, 'store'>, d: Deployment): Promise<boolean> {
  if (!d.group || d.group.index === 0) return true;
  const leader = await host.store.getDeployment(groupMemberId(d.group.id, 0));
  if (!leader || leader.group?.id !== d.group.id) return false;
  if (!isFollower(d.group) || d.approval?.decision !== 'approved') return true;
  return canaryCompleted(leader);
}
