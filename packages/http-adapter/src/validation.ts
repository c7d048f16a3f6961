import { z } from 'zod';
import { checkCodeFields, ValidationError } from '@iac-orchestrator/core';

/**
 * Validates `value` with one of core's input schemas and returns the parsed value (defaults applied), or
 * throws a `ValidationError` whose `field` names the first offending field.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' = 'body'): z.output<S> {
  const input = value === undefined || value === null ? {} : value;
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new ValidationError(where === 'body' ? 'Request body must be a JSON object' : 'Invalid query string');
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    throw new ValidationError(`Unknown field "${key}"`, [...issue.path, key].join('.'));
  }
  const field = issue.path.map(String).join('.');
  // zod does not keep the input in its issues: look the value up, so a wrong type is not called missing.
  const missing = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined;
  throw new ValidationError(field ? `${field}: ${missing ? 'is required' : issue.message}` : issue.message, field || undefined);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (!v || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, key)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/**
 * The spec's rule for a deploy request, checked before the schema so its message is the spec's:
 * `blueprintId` is always needed, and exactly one of `generationJobId`, `files` or `source` (core's
 * `checkCodeFields`).
 */
export function requireDeployIds(body: unknown): void {
  checkCodeFields(body);
}

/** A route parameter that must be a plain id (deployment ids are never paths). */
export function deploymentIdParam(params: unknown): string {
  const id = (params as { id?: unknown }).id;
  if (typeof id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,199}$/.test(id)) {
    throw new ValidationError('id: invalid deployment id', 'id');
  }
  return id;
}

/** Body of actions that take no input (cancel, drift): nothing, `{}`, or an error naming the stray field. */
export const EmptyBodySchema = z.object({}).strict();
