import type { DriftReport, PlanSummary, PlannedAction } from '@iac-orchestrator/core';
import { marksAnything, secretStrings } from './mask.js';
import { attributeChanges, type ShownChange } from './plan-changes.js';
import type { PlannedChange } from './stream.js';

/** The parts of `terraform show -json <planfile>` that we read. */
export interface ShownPlan {
  resource_changes?: Array<{
    address: string;
    type?: string;
    mode?: string;
    change?: ShownChange;
    action_reason?: string;
  }>;
  resource_drift?: Array<{ address: string; type?: string; mode?: string; change?: { actions?: string[] } }>;
  output_changes?: Record<string, { actions?: string[] }>;
  planned_values?: { outputs?: Record<string, { sensitive?: boolean; value?: unknown }> };
  variables?: Record<string, { value?: unknown }>;
}

/** Terraform's action list → one planned action (`["delete","create"]` and the reverse are a replace). */
export function plannedAction(actions: readonly string[] | undefined): PlannedAction {
  const a = actions ?? [];
  if (a.includes('delete') && a.includes('create')) return 'replace';
  if (a.length === 1 && ['create', 'update', 'delete', 'read'].includes(a[0]!)) return a[0] as PlannedAction;
  return 'no-op';
}

/** Add / change / destroy counts and per-resource actions, counted the way Terraform's own summary is. */
export function summarisePlan(plan: ShownPlan): PlanSummary {
  let add = 0;
  let change = 0;
  let destroy = 0;
  const resources: PlanSummary['resources'] = [];
  for (const rc of plan.resource_changes ?? []) {
    const action = plannedAction(rc.change?.actions);
    if (action === 'create' || action === 'replace') add++;
    if (action === 'delete' || action === 'replace') destroy++;
    if (action === 'update') change++;
    if (action === 'no-op' || (action === 'read' && rc.mode === 'data')) continue;
    // What an update or replace changes, for the reviewer of the plan (creates and deletes show the whole resource).
    const changes = action === 'update' || action === 'replace' ? attributeChanges(rc.change) : [];
    resources.push({
      id: rc.address,
      ...(rc.type ? { type: rc.type } : {}),
      action,
      ...(rc.action_reason ? { reason: rc.action_reason } : {}),
      ...(changes.length ? { changes } : {}),
    });
  }
  const outputsChange = Object.values(plan.output_changes ?? {}).some((o) => plannedAction(o.actions) !== 'no-op');
  return { add, change, destroy, hasChanges: add + change + destroy > 0 || outputsChange, resources };
}

/** The stream's change reasons → the `action_reason` names `show -json` gives (the summary's vocabulary). */
const STREAM_REASONS: Record<string, string> = {
  tainted: 'replace_because_tainted',
  requested: 'replace_by_request',
  cannot_update: 'replace_because_cannot_update',
  replace_triggered_by: 'replace_by_triggers',
};

const isDataSource = (address: string) => address.startsWith('data.') || address.includes('.data.');

/**
 * The same summary as {@link summarisePlan}, from the `-json` stream of `terraform plan` itself
 * (`planned_change` per resource, the `outputs` message's actions), so no `show -json` process has to
 * load every provider schema again. Resources in address order, as `show -json` lists them.
 */
export function summariseStreamedPlan(changes: readonly PlannedChange[], outputActions: Readonly<Record<string, string>> = {}): PlanSummary {
  let add = 0;
  let change = 0;
  let destroy = 0;
  const resources: PlanSummary['resources'] = [];
  for (const c of [...changes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    // move, import and remove (forget) touch no infrastructure: `show -json` lists them as no-op.
    const action = (['create', 'update', 'delete', 'replace', 'read'] as const).find((a) => a === c.action) ?? 'no-op';
    if (action === 'create' || action === 'replace') add++;
    if (action === 'delete' || action === 'replace') destroy++;
    if (action === 'update') change++;
    if (action === 'no-op' || (action === 'read' && isDataSource(c.id))) continue;
    const reason = c.reason && c.reason !== 'unknown' ? (STREAM_REASONS[c.reason] ?? c.reason) : undefined;
    resources.push({ id: c.id, ...(c.type ? { type: c.type } : {}), action, ...(reason ? { reason } : {}) });
  }
  const outputsChange = Object.values(outputActions).some((a) => a !== 'noop' && a !== 'no-op');
  return { add, change, destroy, hasChanges: add + change + destroy > 0 || outputsChange, resources };
}

/** What a refresh-only plan found changed outside Terraform. */
export function driftFromPlan(plan: ShownPlan, checkedAt = new Date().toISOString()): DriftReport {
  const resources = (plan.resource_drift ?? [])
    .filter((d) => d.mode !== 'data')
    .map((d) => {
      const action = plannedAction(d.change?.actions);
      const change = action === 'delete' ? 'deleted' : action === 'update' ? 'modified' : action;
      return { id: d.address, ...(d.type ? { type: d.type } : {}), change };
    });
  return { drifted: resources.length > 0, checkedAt, resources };
}

/** Values a plan shows that are secret (sensitive outputs), so they are registered before anything is logged. */
export function planSecrets(plan: ShownPlan): string[] {
  const out: string[] = [];
  for (const o of Object.values(plan.planned_values?.outputs ?? {})) if (o.sensitive) out.push(...secretStrings(o.value));
  return out;
}

/**
 * Which attributes of each resource are sensitive (provider schema and config), from the saved plan:
 * kept in the plan artifact so that apply can mask the new state without another `show -json` (which
 * loads every provider's schema again, seconds per run for big providers).
 */
export function sensitiveMarks(plan: ShownPlan): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const rc of plan.resource_changes ?? []) {
    const marks = marksAnything(rc.change?.after_sensitive) ? rc.change?.after_sensitive : rc.change?.before_sensitive;
    if (marksAnything(marks)) out[rc.address] = marks;
  }
  return out;
}
