import type { z } from 'zod';

/**
 * Bounds of a deployment's `variables`: they are copied, stored, masked and handed to the tools, all by
 * code that may walk them recursively, so a request nested thousands deep would crash a run long after
 * it was accepted. Refused at request time instead.
 */
export const VARIABLE_LIMITS = {
  /** Deepest nesting of objects/arrays inside one variable's value. */
  maxDepth: 32,
  /** Most variables per deployment. */
  maxCount: 10_000,
  /** Largest serialised size of all variables, bytes. */
  maxBytes: 1024 * 1024,
} as const;

/** zod `superRefine` of the variables record: depth (iterative walk, never recursion), count and size. */
export function checkVariables(vars: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const names = Object.keys(vars);
  if (names.length > VARIABLE_LIMITS.maxCount) {
    ctx.addIssue({ code: 'custom', message: `at most ${VARIABLE_LIMITS.maxCount} variables (got ${names.length})` });
    return;
  }
  for (const name of names) {
    if (depthOf(vars[name]) > VARIABLE_LIMITS.maxDepth) {
      ctx.addIssue({ code: 'custom', path: [name], message: `nested deeper than ${VARIABLE_LIMITS.maxDepth} levels` });
      return;
    }
  }
  const bytes = Buffer.byteLength(JSON.stringify(vars));
  if (bytes > VARIABLE_LIMITS.maxBytes) ctx.addIssue({ code: 'custom', message: `larger than ${VARIABLE_LIMITS.maxBytes} bytes once serialised (${bytes})` });
}

/** Nesting depth of a JSON-like value (a scalar is 0), stopping as soon as it passes the limit. */
function depthOf(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    if (d + 1 > max) max = d + 1;
    if (max > VARIABLE_LIMITS.maxDepth) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}
