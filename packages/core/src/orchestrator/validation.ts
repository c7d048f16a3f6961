import type { z } from 'zod';
import { ValidationError } from '../errors.js';

/** Parses input with a zod schema; a failure becomes a ValidationError naming the offending field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'input'): z.output<S> {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue?.path.length ? issue.path.map(String).join('.') : undefined;
  const message = issue ? (field ? `${field}: ${issue.message}` : issue.message) : `Invalid ${what}`;
  throw new ValidationError(message, field);
}

/** Checks an id passed as a path parameter before it reaches a store key. */
export function parseId(id: unknown, name = 'id'): string {
  if (typeof id !== 'string' || !/^[A-Za-z0-9_.:-]{1,200}$/.test(id)) throw new ValidationError(`Invalid ${name}`, name);
  return id;
}
