import { MASK, isSecretName } from '@iac-orchestrator/core';

/** One step of a Terraform attribute path as `sensitive_attributes` records it. */
export interface PathStep {
  type: 'get_attr' | 'index';
  value: unknown;
}

/**
 * Replaces every value Terraform marks sensitive with {@link MASK} and hands the real value to `found`.
 * `sensitiveValues` is `show -json`'s mirror structure (`true` at each sensitive leaf); `value` must be
 * unwrapped already ({@link unwrapDynamicValues}).
 */
export function maskBySensitiveValues(value: unknown, sensitiveValues: unknown, found: (v: unknown) => void): unknown {
  if (sensitiveValues === true) {
    found(value);
    return value === null || value === undefined ? value : MASK;
  }
  if (!sensitiveValues || typeof sensitiveValues !== 'object' || value === null || typeof value !== 'object') return value;
  const marks = sensitiveValues as Record<string, unknown>;
  if (Array.isArray(value)) return value.map((v, i) => maskBySensitiveValues(v, Array.isArray(marks) ? marks[i] : undefined, found));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskBySensitiveValues(v, marks[k], found);
  return out;
}

/**
 * Masks the paths of a raw tfstate instance's `sensitive_attributes`. Dynamic-typed attributes are stored
 * as `{value, type}` wrappers, so a step that misses steps through `value` first.
 */
export function maskByPaths(attributes: Record<string, unknown>, paths: readonly PathStep[][], found: (v: unknown) => void): Record<string, unknown> {
  const root = structuredClone(attributes);
  for (const path of paths) {
    let parent: Record<string, unknown> | unknown[] | null = null;
    let key: string | number | null = null;
    let cur: unknown = root;
    for (const step of path) {
      cur = unwrapDynamic(cur, step);
      if (!cur || typeof cur !== 'object') {
        cur = undefined;
        break;
      }
      parent = cur as Record<string, unknown>;
      key = stepKey(step);
      if (key === null) {
        cur = undefined;
        break;
      }
      cur = (cur as Record<string | number, unknown>)[key];
    }
    if (parent && key !== null && cur !== undefined && cur !== null) {
      found(cur);
      (parent as Record<string | number, unknown>)[key] = MASK;
    }
  }
  return root;
}

function stepKey(step: PathStep): string | number | null {
  const v = step.type === 'index' && step.value && typeof step.value === 'object' ? (step.value as { value?: unknown }).value : step.value;
  return typeof v === 'string' || typeof v === 'number' ? v : null;
}

function unwrapDynamic(cur: unknown, step: PathStep): unknown {
  if (!cur || typeof cur !== 'object' || Array.isArray(cur)) return cur;
  const o = cur as Record<string, unknown>;
  const key = stepKey(step);
  if (key !== null && !(key in o) && 'value' in o && 'type' in o && Object.keys(o).length === 2) return o.value;
  return cur;
}

const CTY_PRIMITIVES = new Set(['string', 'number', 'bool', 'dynamic']);
const CTY_COLLECTIONS = new Set(['list', 'set', 'map', 'object', 'tuple']);

/** Whether `o` is how a raw tfstate stores a dynamically typed value: `{value, type}` with a cty type. */
function isDynamicWrapper(o: unknown): o is { value: unknown; type: unknown } {
  if (!o || typeof o !== 'object' || Array.isArray(o)) return false;
  const keys = Object.keys(o);
  if (keys.length !== 2 || !keys.includes('value') || !keys.includes('type')) return false;
  const t = (o as { type: unknown }).type;
  return (typeof t === 'string' && CTY_PRIMITIVES.has(t)) || (Array.isArray(t) && typeof t[0] === 'string' && CTY_COLLECTIONS.has(t[0]));
}

/**
 * Replaces raw tfstate's `{value, type}` wrappers of dynamically typed attributes (terraform_data's
 * `input` / `output`, any `DynamicPseudoType`) with their values, as `terraform show -json` shows them.
 */
export function unwrapDynamicValues(value: unknown): unknown {
  if (isDynamicWrapper(value)) return unwrapDynamicValues(value.value);
  if (Array.isArray(value)) return value.map(unwrapDynamicValues);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = unwrapDynamicValues(v);
  return out;
}

/** Masks string leaves whose attribute name says "secret" (password, token...): a net under the flags. */
export function maskBySecretNames(value: unknown, found: (v: unknown) => void): unknown {
  if (Array.isArray(value)) return value.map((v) => maskBySecretNames(v, found));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string' && v !== MASK && v.length > 0 && isSecretName(k)) {
      found(v);
      out[k] = MASK;
    } else out[k] = maskBySecretNames(v, found);
  }
  return out;
}

/** Every string leaf of a secret value (and the JSON of a structured one), as redaction needs them. */
export function secretStrings(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') return [value];
  // Booleans are no secret worth masking ("true" everywhere would shred every log line).
  if (typeof value === 'boolean') return [];
  if (typeof value === 'number') return [String(value)];
  const out = [JSON.stringify(value)];
  for (const v of Array.isArray(value) ? value : Object.values(value)) out.push(...secretStrings(v));
  return out;
}

/** Whether a sensitivity mirror marks anything at all (`false` and `{}` mark nothing). */
export function marksAnything(marks: unknown): boolean {
  if (marks === true) return true;
  if (!marks || typeof marks !== 'object') return false;
  return Object.values(marks).some(marksAnything);
}
