import type { PlannedAction, PlanSummary } from '@iac-orchestrator/core';
import type { DescribeChangeSetOutput, ResourceChange } from './commands/describe-change-set.js';
import type { StackResourceSummary } from './commands/list-stack-resources.js';

type PlannedResource = PlanSummary['resources'][number];

/**
 * A change set's resource change as a planned action: Add → create, Remove → delete, Modify → update, or
 * replace when CloudFormation says the resource is recreated (`Replacement: True`). A `Conditional`
 * replacement stays an update, with the reason saying it may replace.
 */
export function plannedActionOf(rc: ResourceChange): { action: PlannedAction; reason?: string } {
  switch (rc.Action) {
    case 'Add':
      return { action: 'create' };
    case 'Import':
      return { action: 'create', reason: 'imported into the stack' };
    case 'Remove':
      return { action: 'delete' };
    case 'Modify': {
      const attrs = [...new Set((rc.Details ?? []).map((d) => d.Target?.Name ?? d.Target?.Attribute).filter((x): x is string => !!x))];
      const what = attrs.length > 0 ? `changes ${attrs.join(', ')}` : rc.Scope?.length ? `changes ${rc.Scope.join(', ')}` : undefined;
      if (rc.Replacement === 'True') return { action: 'replace', reason: what ? `replaced: ${what}` : 'replaced' };
      if (rc.Replacement === 'Conditional') return { action: 'update', reason: [what, 'may require replacement'].filter(Boolean).join('; ') };
      return { action: 'update', ...(what ? { reason: what } : {}) };
    }
    case 'Dynamic':
      return { action: 'update', reason: 'decided while the stack updates (dynamic change)' };
    default:
      return { action: 'update', reason: `CloudFormation action ${rc.Action ?? 'unknown'}` };
  }
}

/** Counts as terraform does: a replacement both adds and destroys. */
export function summarise(resources: PlannedResource[]): PlanSummary {
  let add = 0;
  let change = 0;
  let destroy = 0;
  for (const r of resources) {
    if (r.action === 'create') add++;
    else if (r.action === 'update') change++;
    else if (r.action === 'delete') destroy++;
    else if (r.action === 'replace') {
      add++;
      destroy++;
    }
  }
  return { add, change, destroy, hasChanges: add + change + destroy > 0, resources };
}

/** The plan summary of a change set (all pages' changes). */
export function summaryOfChangeSet(changes: NonNullable<DescribeChangeSetOutput['Changes']>): PlanSummary {
  const resources: PlannedResource[] = [];
  for (const c of changes) {
    const rc = c.ResourceChange;
    if (!rc?.LogicalResourceId) continue;
    const { action, reason } = plannedActionOf(rc);
    resources.push({ id: rc.LogicalResourceId, ...(rc.ResourceType ? { type: rc.ResourceType } : {}), action, ...(reason ? { reason } : {}) });
  }
  return summarise(resources);
}

/** A destroy plan: every resource the stack holds is deleted. */
export function summaryOfDestroy(resources: StackResourceSummary[]): PlanSummary {
  const live = resources.filter((r) => r.ResourceStatus !== 'DELETE_COMPLETE');
  return summarise(live.map((r) => ({ id: r.LogicalResourceId, type: r.ResourceType, action: 'delete' as const })));
}

/** CloudFormation's words for "this change set changes nothing" (a successful no-op, not a failure). */
export function isNoChangeReason(reason: string | null | undefined): boolean {
  return !!reason && /didn't contain changes|No updates are to be performed/i.test(reason);
}
