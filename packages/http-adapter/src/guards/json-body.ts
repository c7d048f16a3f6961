import { RequestFormatError } from '../http-errors.js';

/** Deepest nesting of objects/arrays a request body may have; the schemas never need more than a few levels. */
export const MAX_BODY_DEPTH = 64;

/**
 * Parses a JSON request body with precise refusals: a body nested deeper than {@link MAX_BODY_DEPTH}
 * (checked by a linear scan before parsing, so a 100k-deep body costs one pass and no recursion), and a
 * `__proto__` key (which would become an object's prototype once copied by assignment further down),
 * named with where it sits. Anything else unparsable is "not valid JSON".
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  const depth = nestingDepth(text);
  if (depth > MAX_BODY_DEPTH) throw new RequestFormatError(`Request body is nested deeper than ${MAX_BODY_DEPTH} levels`, 400);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RequestFormatError('Request body is not valid JSON', 400);
  }
  const at = pathOfKey(parsed, '__proto__');
  if (at !== null) throw new RequestFormatError(`Request body: the key "__proto__" is not allowed (in ${at})`, 400);
  return parsed;
}

/** Deepest bracket nesting outside strings; a linear scan that never recurses. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/**
 * Dotted path of the object holding `key` (breadth-first, iterative; the body is already depth-bounded).
 * JSON.parse keeps a "__proto__" key as an own property, so it is found like any other.
 */
function pathOfKey(root: unknown, key: string): string | null {
  const queue: Array<[unknown, string]> = [[root, '']];
  for (let i = 0; i < queue.length; i++) {
    const [v, path] = queue[i];
    if (!v || typeof v !== 'object') continue;
    if (Object.prototype.hasOwnProperty.call(v, key)) return path || 'the top level';
    for (const [k, child] of Object.entries(v)) queue.push([child, path ? `${path}.${k}` : k]);
  }
  return null;
}
