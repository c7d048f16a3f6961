import { ValidationError } from '../errors.js';
import { CODE_FIELD_NAMES } from '../types/deploy-source.js';
import { CODE_REQUIRED_MESSAGE, ONE_CODE_SOURCE_MESSAGE, REQUIRED_IDS_MESSAGE } from './inputs.js';

const present = (v: unknown): boolean => v !== undefined && v !== null && v !== '';

/**
 * The spec's rule for a request that carries code, checked before its schema so that the messages are the
 * spec's: `blueprintId` is always needed, and exactly one of `generationJobId`, `files` (inline) or
 * `source` (a Git repository) says where the code comes from. Throws a {@link ValidationError}.
 */
export function checkCodeFields(body: unknown): void {
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
    throw new ValidationError('Request body must be a JSON object');
  }
  const b = (body ?? {}) as Record<string, unknown>;
  if (!present(b.blueprintId)) throw new ValidationError(REQUIRED_IDS_MESSAGE, 'blueprintId');
  const given = CODE_FIELD_NAMES.filter((name) => present(b[name]));
  if (given.length === 0) throw new ValidationError(CODE_REQUIRED_MESSAGE, 'generationJobId');
  if (given.length > 1) throw new ValidationError(`${ONE_CODE_SOURCE_MESSAGE} (got ${given.join(' and ')})`, given[1]);
}
