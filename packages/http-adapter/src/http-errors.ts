import { TooManyStreamsError } from './sse.js';
import { CodeSourceError, isOrchestratorError, StateLockedError, ValidationError } from '@iac-orchestrator/core';

/** No or unknown bearer token. */
export class UnauthenticatedError extends Error {
  readonly code = 'UNAUTHENTICATED';
  constructor(message = 'Authentication required') {
    super(message);
    this.name = 'UnauthenticatedError';
  }
}

/** A body the service does not read: oversized (413), not JSON (415), malformed JSON (400). */
export class RequestFormatError extends Error {
  readonly code = 'REQUEST_FORMAT';
  constructor(
    message: string,
    readonly status: 400 | 413 | 415,
  ) {
    super(message);
    this.name = 'RequestFormatError';
  }
}

/**
 * The one table from error code to HTTP status. `VERSION_NOT_RETAINED` is 410 Gone: the version exists
 * in the history but its state and code were dropped past `STATE_BACKUP_RETENTION`, which no retry fixes.
 * `CODE_SOURCE` is decided per case in {@link codeSourceStatus}.
 */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  VALIDATION_ERROR: 400,
  REQUEST_FORMAT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  STATE_LOCKED: 409,
  CONFLICT: 409,
  INVALID_STATE: 409,
  LOCK_LOST: 409,
  CANCELLED: 409,
  VERSION_NOT_RETAINED: 410,
  CODE_SOURCE: 502,
  EXECUTOR_ERROR: 502,
  EXECUTOR_UNAVAILABLE: 503,
  STORE_UNAVAILABLE: 503,
  TIMEOUT: 504,
};

/** 404 when the generator has no such job, 422 when it exists but is not completed, 502 when it failed us. */
export function codeSourceStatus(e: CodeSourceError): number {
  if (e.upstream) return 502;
  const reason = e.details?.reason;
  if (reason === 'not_found' || /job not found/i.test(e.message)) return 404;
  if (reason === 'not_completed' || reason === 'job_failed') return 422;
  return 422;
}

export interface HttpErrorBody {
  error: string;
  field?: string;
  lock?: Record<string, unknown> | null;
}

/** Turns anything thrown into a status and a safe body. Unknown errors become a bare 500: no internals. */
export function toHttpError(e: unknown): { status: number; body: HttpErrorBody; internal: boolean } {
  if (e instanceof RequestFormatError) return { status: e.status, body: { error: e.message }, internal: false };
  if (e instanceof UnauthenticatedError) return { status: 401, body: { error: e.message }, internal: false };
  if (e instanceof TooManyStreamsError) return { status: 429, body: { error: e.message }, internal: false };
  if (isOrchestratorError(e) && e.code in STATUS_BY_CODE) {
    const status = e instanceof CodeSourceError ? codeSourceStatus(e) : STATUS_BY_CODE[e.code];
    const body: HttpErrorBody = { error: e.message };
    if (e instanceof ValidationError && e.field) body.field = e.field;
    // A 409 names who holds the lock, never its lockId (the secret that releases it).
    if (e instanceof StateLockedError) body.lock = e.lock ? withoutLockId(e.lock) : null;
    return { status, body, internal: false };
  }
  const framework = frameworkError(e);
  if (framework) return { ...framework, internal: false };
  return { status: 500, body: { error: 'Internal error' }, internal: true };
}

function withoutLockId(lock: Record<string, unknown>): Record<string, unknown> {
  const { lockId: _secret, ...rest } = lock;
  return rest;
}

/** Fastify's own client errors (body parsing, limits), re-worded so they never echo internals. */
function frameworkError(e: unknown): { status: number; body: HttpErrorBody } | null {
  if (!e || typeof e !== 'object') return null;
  const { code, statusCode } = e as { code?: unknown; statusCode?: unknown };
  if (typeof code !== 'string' || !code.startsWith('FST_')) return null;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { error: 'Request body is too large' } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return statusCode === 415
        ? { status: 415, body: { error: 'Request body must be JSON (Content-Type: application/json)' } }
        : { status: 400, body: { error: 'Invalid request body' } };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, body: { error: 'Request body is not valid JSON' } };
    case 'FST_ERR_NOT_FOUND':
      return { status: 404, body: { error: 'Not found' } };
    default:
      if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
        return { status: statusCode, body: { error: 'Invalid request' } };
      }
      return null;
  }
}
