import type { Colors } from 'picocolors/types';
import type { DeploymentSummaryView, DeploymentView, StackStateView, StateVersionView } from '../api-contract.js';
import { displayOutputs, planDiff, planTotals, type DiffSign } from '../client/plan-diff.js';

/** Text renderings of the service's answers, coloured only when `c` has colours on. */

const SIGN_COLOR: Record<DiffSign, keyof Colors> = { '+': 'green', '~': 'yellow', '-': 'red', '-/+': 'magenta' };

/** The plan as a readable diff: one line per changed resource, its changed attributes under it. */
export function formatPlan(d: Pick<DeploymentView, 'plan'>, c: Colors): string[] {
  const diff = planDiff(d.plan);
  if (!d.plan) return ['No plan yet.'];
  const out: string[] = [];
  for (const l of diff.lines) {
    const paint = c[SIGN_COLOR[l.sign]] as (s: string) => string;
    out.push(paint(`${l.sign.padStart(3)} ${l.id}${l.type && !l.id.startsWith(`${l.type}.`) ? ` (${l.type})` : ''}${l.action === 'replace' && l.reason ? ` — ${l.reason}` : ''}`));
    for (const a of l.attributes) out.push(`      ${a.name}: ${a.before} → ${a.after}`);
  }
  if (!diff.hasChanges) out.push('No changes.');
  out.push(c.bold(planTotals(diff)));
  return out;
}

export function formatOutputs(outputs: Record<string, unknown>): string[] {
  const rows = displayOutputs(outputs);
  return rows.length ? ['Outputs:', ...rows.map((o) => `  ${o.name} = ${o.value}`)] : [];
}

const STATUS_COLOR: Record<string, keyof Colors> = {
  completed: 'green',
  planned: 'green',
  failed: 'red',
  cancelled: 'red',
  awaiting_approval: 'yellow',
  rolled_back: 'magenta',
};

export const paintStatus = (s: string, c: Colors): string => (STATUS_COLOR[s] ? (c[STATUS_COLOR[s]] as (x: string) => string)(s) : c.cyan(s));

/** `status <id>`: the record as a person reads it. */
export function formatDeployment(d: DeploymentView, c: Colors): string[] {
  const out = [
    `${c.bold(d.id)}  ${paintStatus(d.status, c)}`,
    `  blueprint ${d.blueprintId} · ${d.environment} · ${d.targetCloud} · ${d.format}${d.operation ? ` · ${d.operation}` : ''}`,
    `  created ${d.createdAt}${d.completedAt ? ` · ended ${d.completedAt}` : ''}${d.requestedBy ? ` · by ${d.requestedBy}` : ''}`,
  ];
  if (d.source) out.push(`  git ${d.source.git.url} ${d.source.git.ref}${d.source.git.path ? ` ${d.source.git.path}/` : ''} @ ${d.source.git.commit}`);
  if (d.state.version !== null) out.push(`  state version ${d.state.version}${d.state.locked ? ' (locked)' : ''}`);
  if (d.error) out.push(c.red(`  error: ${d.error}`));
  if (d.approval) out.push(`  ${d.approval.decision} by ${d.approval.by ?? '?'} at ${d.approval.at}${d.approval.comment ? `: ${d.approval.comment}` : ''}`);
  if (d.plan) out.push(`  ${planTotals(d.plan)}`);
  if (d.state.resources.length) {
    out.push('Resources:');
    for (const r of d.state.resources) out.push(`  ${r.status === 'failed' ? c.red('✗') : c.green('✓')} ${r.id}  ${r.status}`);
  }
  return [...out, ...formatOutputs(d.outputs)];
}

/** `list`: one row per deployment. */
export function formatList(items: DeploymentSummaryView[], c: Colors): string[] {
  if (!items.length) return ['No deployments.'];
  const rows = items.map((d) => [d.id, d.status, d.environment, d.blueprintId, d.format, d.createdAt]);
  const head = ['ID', 'STATUS', 'ENV', 'BLUEPRINT', 'FORMAT', 'CREATED'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[], paint = false) => r.map((v, i) => (paint && i === 1 ? paintStatus(v, c) + ' '.repeat(widths[i] - v.length) : v.padEnd(widths[i]))).join('  ');
  return [c.bold(line(head)).trimEnd(), ...rows.map((r) => line(r, true).trimEnd())];
}

export function formatState(s: StackStateView): string[] {
  const out = [`state ${s.stateId} version ${s.version}${s.lastModified ? ` · modified ${s.lastModified}` : ''}`];
  out.push(s.locked && s.lock ? `locked by ${s.lock.who} (${s.lock.operation}) until ${s.lock.expiresAt}` : 'not locked');
  for (const r of s.resources) out.push(`  ${r.id}  ${r.type}  ${r.status}`);
  return [...out, ...formatOutputs(s.outputs)];
}

export function formatHistory(versions: StateVersionView[]): string[] {
  if (!versions.length) return ['No state versions.'];
  return versions.map((v) => `v${v.version}  ${v.reason.padEnd(9)}  ${v.createdAt}  ${v.resources.length} resource(s)  deployment ${v.deploymentId}${v.source ? `  git ${v.source.git.commit.slice(0, 12)}` : ''}${v.retained ? '' : '  (past retention)'}`);
}
