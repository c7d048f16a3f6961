import { ExecutorError, type PlanSummary, type PlannedAction } from '@iac-orchestrator/core';
import { parseResourceId } from './resource-id.js';

/** What-if's change types (ARM "ARM template deployment what-if operation", change types). */
export const CHANGE_TYPES = ['Create', 'Delete', 'Ignore', 'NoChange', 'Modify', 'Deploy', 'Unsupported'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

/** One predicted change, as shown for approval. */
export interface ResourceChange {
  resourceId: string;
  type: string;
  name: string;
  changeType: ChangeType;
  /** Changed property paths (Modify), e.g. `sku.name: Modify`. */
  delta: Array<{ path: string; propertyChangeType: string }>;
  unsupportedReason?: string;
}

export interface WhatIfPlan {
  changes: ResourceChange[];
  counts: Record<ChangeType, number>;
}

const ACTION: Record<ChangeType, PlannedAction> = {
  Create: 'create',
  Modify: 'update',
  // Redeployed; ARM could not tell whether properties change (ResourceIdOnly results).
  Deploy: 'update',
  Delete: 'delete',
  NoChange: 'no-op',
  Ignore: 'no-op',
  Unsupported: 'no-op',
};

/** Reads `az deployment group what-if --no-pretty-print` output (a WhatIfOperationResult). */
export function parseWhatIf(result: unknown): WhatIfPlan {
  if (!result || typeof result !== 'object') throw new ExecutorError('what-if printed no result');
  const r = result as { status?: string; error?: { code?: string; message?: string } | null; changes?: unknown };
  if (r.error) throw new ExecutorError(`what-if failed: ${r.error.code ?? 'error'}: ${r.error.message ?? ''}`, { toolCode: r.error.code ?? null });
  const counts = Object.fromEntries(CHANGE_TYPES.map((t) => [t, 0])) as Record<ChangeType, number>;
  const changes: ResourceChange[] = [];
  for (const c of Array.isArray(r.changes) ? (r.changes as Array<Record<string, unknown>>) : []) {
    const resourceId = String(c.resourceId ?? '');
    const changeType = (CHANGE_TYPES as readonly string[]).includes(String(c.changeType)) ? (c.changeType as ChangeType) : 'Unsupported';
    const { type, name } = parseResourceId(resourceId);
    const delta = Array.isArray(c.delta)
      ? (c.delta as Array<Record<string, unknown>>).map((d) => ({ path: String(d.path), propertyChangeType: String(d.propertyChangeType) }))
      : [];
    counts[changeType] += 1;
    changes.push({ resourceId, type, name, changeType, delta, ...(c.unsupportedReason ? { unsupportedReason: String(c.unsupportedReason) } : {}) });
  }
  return { changes, counts };
}

/** The plan summary the orchestrator shows and stores; `reason` carries Azure's change type. */
export function planSummaryOf(plan: WhatIfPlan): PlanSummary {
  const add = plan.counts.Create;
  const change = plan.counts.Modify + plan.counts.Deploy;
  const destroy = plan.counts.Delete;
  return {
    add,
    change,
    destroy,
    hasChanges: add + change + destroy > 0,
    resources: plan.changes.map((c) => ({
      id: c.resourceId,
      type: c.type,
      action: ACTION[c.changeType],
      reason: c.changeType + (c.delta.length ? ` (${c.delta.map((d) => `${d.path}: ${d.propertyChangeType}`).join(', ')})` : ''),
    })),
  };
}

/** "2 to create, 1 to modify, ..." for the log. */
export function describeCounts(counts: Record<ChangeType, number>): string {
  const words: Record<ChangeType, string> = {
    Create: 'to create', Modify: 'to modify', Deploy: 'to deploy', Delete: 'to delete', NoChange: 'no change', Ignore: 'to ignore', Unsupported: 'unsupported',
  };
  const parts = CHANGE_TYPES.filter((t) => counts[t] > 0).map((t) => `${counts[t]} ${words[t]}`);
  return parts.length ? parts.join(', ') : 'no resources';
}
