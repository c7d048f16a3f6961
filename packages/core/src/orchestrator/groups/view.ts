/* eslint-disable @typescript-eslint/no-empty-object-type -- interfaces extending their schema's type, so typedoc documents their fields (as in types/domain.ts). */
import { z } from 'zod';
import { DeploymentStatusSchema, GroupOrderSchema, TargetCloudSchema, FormatSchema, type Deployment, type DeploymentStatus } from '../../types/domain.js';

/** A group's status, derived from its members' (see {@link groupStatusOf}). */
export const GroupStatusSchema = z.enum(['pending', 'planning', 'awaiting_approval', 'applying', 'completed', 'failed', 'cancelled', 'planned']);
export type GroupStatus = z.infer<typeof GroupStatusSchema>;

/** One target of a group, with its deployment's summary. */
export const GroupTargetViewSchema = z.object({
  /** The target's name. */
  name: z.string(),
  /** Its region. */
  region: z.string(),
  /** Its deployment (a deployment like any other: logs, state, destroy and rollback go through it). */
  deploymentId: z.string(),
  /** Its stack's key (the group stack key ends in `/<name>@<region>`). */
  stackKey: z.string(),
  /** Its deployment's status. */
  status: DeploymentStatusSchema,
  /** Its plan's counts, once planned. */
  plan: z.object({ add: z.number().int(), change: z.number().int(), destroy: z.number().int(), hasChanges: z.boolean() }).nullable(),
  /** The state version its apply wrote, if any. */
  stateVersion: z.number().int().nullable(),
  /** Why it failed or was cancelled (masked). */
  error: z.string().nullable(),
  /** When its plan started (ISO 8601). */
  startedAt: z.string().nullable(),
  /** When it ended (ISO 8601). */
  completedAt: z.string().nullable(),
});
/** One target of a group, with its deployment's summary. */
export interface GroupTargetView extends z.infer<typeof GroupTargetViewSchema> {}

export const DeploymentGroupSchema = z.object({
  /** The group's id. */
  id: z.string(),
  blueprintId: z.string(),
  environment: z.string(),
  targetCloud: TargetCloudSchema,
  format: FormatSchema,
  /** `parallel`, or `canary` (the first target, then the rest once it completed). */
  order: GroupOrderSchema,
  /** Derived from the targets' deployments. */
  status: GroupStatusSchema,
  /** The group's approval (one for all targets): who decided, when, with what comment; null while none. */
  approval: z.object({ decision: z.enum(['approved', 'rejected']), by: z.string().nullable(), at: z.string(), comment: z.string().nullable() }).nullable(),
  requestedBy: z.string().nullable(),
  createdAt: z.string(),
  /** When the last target ended, once all have. */
  completedAt: z.string().nullable(),
  /** The targets in order (the first is the canary). */
  targets: z.array(GroupTargetViewSchema),
});
/** A deployment group: one blueprint deployed to several targets, each its own stack. */
export interface DeploymentGroup extends z.infer<typeof DeploymentGroupSchema> {}

const TERMINAL: DeploymentStatus[] = ['completed', 'failed', 'cancelled', 'planned', 'rolled_back'];

/**
 * The group's status: once every target ended, `failed` if one failed, else `cancelled` if one was, else
 * `planned` for a dry run, else `completed`. Before that: `applying` while one applies, `planning` while
 * one plans, `awaiting_approval` when every target still to run waits for the group's decision, else
 * `pending`.
 */
export function groupStatusOf(members: readonly Deployment[]): GroupStatus {
  const s = members.map((m) => m.status);
  if (s.every((x) => TERMINAL.includes(x))) {
    if (s.includes('failed')) return 'failed';
    if (s.includes('cancelled')) return 'cancelled';
    return s.includes('planned') ? 'planned' : 'completed';
  }
  if (s.includes('applying')) return 'applying';
  if (s.includes('planning')) return 'planning';
  const open = members.filter((m) => !TERMINAL.includes(m.status));
  if (open.every((m) => m.status === 'awaiting_approval' && !m.approval)) return 'awaiting_approval';
  // Approved plans held back until the canary completed count as being applied.
  return open.some((m) => m.status === 'awaiting_approval' && m.approval?.decision === 'approved') ? 'applying' : 'pending';
}

/** The group as `getGroup` returns it. */
export function groupView(groupId: string, members: readonly Deployment[]): DeploymentGroup {
  const first = members[0]!;
  const decided = members.find((m) => m.approval)?.approval ?? null;
  const ended = members.every((m) => TERMINAL.includes(m.status));
  return {
    id: groupId,
    blueprintId: first.blueprintId,
    environment: first.environment,
    targetCloud: first.targetCloud,
    format: first.format,
    order: first.group!.order,
    status: groupStatusOf(members),
    approval: decided,
    requestedBy: first.requestedBy,
    createdAt: first.createdAt,
    completedAt: ended ? members.map((m) => m.completedAt ?? '').sort().at(-1) || null : null,
    targets: members.map((m) => ({
      name: m.target ?? '',
      region: m.region ?? '',
      deploymentId: m.id,
      stackKey: m.stackKey,
      status: m.status,
      plan: m.plan ? { add: m.plan.add, change: m.plan.change, destroy: m.plan.destroy, hasChanges: m.plan.hasChanges } : null,
      stateVersion: m.stateVersion,
      error: m.error,
      startedAt: m.startedAt,
      completedAt: m.completedAt,
    })),
  };
}
