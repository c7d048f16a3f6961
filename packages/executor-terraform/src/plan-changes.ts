import { MASK, isSecretName } from '@iac-orchestrator/core';
import { marksAnything, maskBySensitiveValues } from './mask.js';

/** One changed top-level attribute of a planned update, as a person reviewing the plan reads it. */
export interface AttributeChange {
  name: string;
  /** Absent when the value is only known after apply. */
  before?: unknown;
  after?: unknown;
  /** Part or all of the value is sensitive (masked as `***`). */
  sensitive?: boolean;
}

/** `change` of a `resource_changes` entry of `terraform show -json`. */
export interface ShownChange {
  actions?: string[];
  before?: unknown;
  after?: unknown;
  after_unknown?: unknown;
  before_sensitive?: unknown;
  after_sensitive?: unknown;
}

/** Plans stay small records: long values are cut, and a resource lists at most this many attributes. */
const MAX_ATTRIBUTES = 50;
const MAX_VALUE_CHARS = 300;

const asObject = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

function clip(v: unknown): unknown {
  if (v === undefined) return undefined;
  const text = JSON.stringify(v) ?? 'null';
  return text.length <= MAX_VALUE_CHARS ? v : `${text.slice(0, MAX_VALUE_CHARS)}…`;
}

/**
 * The attributes an update or replace changes, before → after, with every value Terraform marks
 * sensitive (provider schema, sensitive variables) and every secret-named attribute masked.
 */
export function attributeChanges(change: ShownChange | undefined): AttributeChange[] {
  if (!change) return [];
  const before = asObject(change.before);
  const after = asObject(change.after);
  const unknown = asObject(change.after_unknown);
  const bMarks = asObject(change.before_sensitive);
  const aMarks = asObject(change.after_sensitive);
  const out: AttributeChange[] = [];
  for (const name of [...new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)])].sort()) {
    const isUnknown = unknown[name] === true;
    if (!isUnknown && JSON.stringify(before[name]) === JSON.stringify(after[name])) continue;
    const secret = isSecretName(name) || bMarks[name] === true || aMarks[name] === true;
    const sensitive = secret || marksAnything(bMarks[name]) || marksAnything(aMarks[name]);
    const mask = (v: unknown, marks: unknown) => (secret ? (v === undefined || v === null ? v : MASK) : maskBySensitiveValues(v, marks, () => undefined));
    out.push({
      name,
      ...(name in before ? { before: clip(mask(before[name], bMarks[name])) } : {}),
      ...(!isUnknown && name in after ? { after: clip(mask(after[name], aMarks[name])) } : {}),
      ...(sensitive ? { sensitive: true } : {}),
    });
    if (out.length >= MAX_ATTRIBUTES) break;
  }
  return out;
}
