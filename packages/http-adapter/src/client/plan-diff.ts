import type { PlanSummary } from '@iac-orchestrator/core';

/** `+` create, `~` update, `-` delete, `-/+` replace, as Terraform shows them. */
export type DiffSign = '+' | '~' | '-' | '-/+';

export interface AttributeChange {
  name: string;
  before: string;
  after: string;
}

export interface PlanDiffLine {
  sign: DiffSign;
  id: string;
  type: string | null;
  action: string;
  reason: string | null;
  attributes: AttributeChange[];
}

/** What a plan shows a person: the lines that change something and the totals. */
export interface PlanDiff {
  lines: PlanDiffLine[];
  add: number;
  change: number;
  destroy: number;
  hasChanges: boolean;
}

const SIGN: Record<string, DiffSign | undefined> = { create: '+', update: '~', delete: '-', replace: '-/+' };

/** Shown for a value marked sensitive (the same marker the service uses). */
export const MASKED = '***';

/** Attribute names whose values are never shown, whatever the plan carries. */
const SECRET_NAME = /(password|secret|token|private_?key|connection_?string|credential|api_?key)/i;

const show = (v: unknown): string => (v === undefined ? '(known after apply)' : typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? 'null');

/**
 * Turns a stored plan into diff lines. Attribute changes are shown when the plan carries them (a
 * `changes` list per resource: `{ name|path, before, after, sensitive }`); values marked sensitive or
 * named like secrets are masked.
 */
export function planDiff(plan: PlanSummary | null | undefined): PlanDiff {
  if (!plan) return { lines: [], add: 0, change: 0, destroy: 0, hasChanges: false };
  const lines: PlanDiffLine[] = [];
  for (const r of plan.resources) {
    const sign = SIGN[r.action];
    if (!sign) continue;
    const raw = (r as { changes?: unknown }).changes;
    const attributes = Array.isArray(raw) ? raw.map(attributeChange).filter((a): a is AttributeChange => a !== null) : [];
    lines.push({ sign, id: r.id, type: r.type ?? null, action: r.action, reason: r.reason ?? null, attributes });
  }
  return { lines, add: plan.add, change: plan.change, destroy: plan.destroy, hasChanges: plan.hasChanges };
}

function attributeChange(c: unknown): AttributeChange | null {
  if (!c || typeof c !== 'object') return null;
  const o = c as { name?: unknown; path?: unknown; before?: unknown; after?: unknown; sensitive?: unknown };
  const name = typeof o.name === 'string' ? o.name : typeof o.path === 'string' ? o.path : null;
  if (!name) return null;
  // Executors mask the sensitive parts themselves (`***`): shown as given. A value flagged sensitive that
  // arrives unmasked, or a secret-named one, is masked whole here.
  const premasked = (JSON.stringify([o.before, o.after]) ?? '').includes(MASKED);
  const secret = SECRET_NAME.test(name) || (o.sensitive === true && !premasked);
  return { name, before: secret ? MASKED : show(o.before), after: secret ? MASKED : show(o.after) };
}

/** `Plan: 2 to add, 0 to change, 0 to destroy.` */
export const planTotals = (d: Pick<PlanDiff, 'add' | 'change' | 'destroy'>): string =>
  `Plan: ${d.add} to add, ${d.change} to change, ${d.destroy} to destroy.`;

/** Output values for display: sensitive ones (masked by the service, or named like secrets) stay masked. */
export function displayOutputs(outputs: Record<string, unknown>): Array<{ name: string; value: string; sensitive: boolean }> {
  return Object.entries(outputs).map(([name, v]) => {
    const masked = typeof v === 'string' && /^\*+$|^\(sensitive\)$|REDACTED/.test(v);
    const sensitive = masked || SECRET_NAME.test(name);
    return { name, value: sensitive ? MASKED : typeof v === 'string' ? v : JSON.stringify(v), sensitive };
  });
}
