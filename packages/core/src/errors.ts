/**
 * Typed errors. Each has a stable string `code`; the HTTP adapter maps codes to statuses in one table.
 * Messages are safe to show: they never carry credentials (the orchestrator redacts them on the way out).
 */
export class OrchestratorError extends Error {
  readonly code: string = 'INTERNAL';
  readonly details?: Record<string, unknown>;
  constructor(message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

/** Bad input. `field` names the offending field when there is one. */
export class ValidationError extends OrchestratorError {
  override readonly code = 'VALIDATION_ERROR';
  readonly field?: string;
  constructor(message: string, field?: string, details?: Record<string, unknown>) {
    super(message, { ...details, ...(field ? { field } : {}) });
    this.field = field;
  }
}

export class NotFoundError extends OrchestratorError {
  override readonly code = 'NOT_FOUND';
}

/** The stack's lock is held; `lock` names the holder (without its fencing token). */
export class StateLockedError extends OrchestratorError {
  override readonly code = 'STATE_LOCKED';
  readonly lock: Record<string, unknown> | null;
  constructor(lock: { lockId: string; who: string; operation: string; createdAt: string; expiresAt: string } | null, message = 'State is already locked') {
    const holder = lock
      ? { lockId: lock.lockId, who: lock.who, operation: lock.operation, createdAt: lock.createdAt, expiresAt: lock.expiresAt }
      : null;
    super(message, holder ? { lock: holder } : undefined);
    this.lock = holder;
  }
}

/** A compare-and-set lost: the state (or a record) moved since it was read. */
export class ConflictError extends OrchestratorError {
  override readonly code = 'CONFLICT';
}

/** The writer's lock expired, was force-released or was taken over (its fencing token is stale). */
export class LockLostError extends OrchestratorError {
  override readonly code = 'LOCK_LOST';
}

/** The operation does not fit the deployment's current status (approve a completed one...). */
export class InvalidStateError extends OrchestratorError {
  override readonly code = 'INVALID_STATE';
}

/** A state version exists only as metadata: its raw state and code are past retention. */
export class VersionNotRetainedError extends OrchestratorError {
  override readonly code = 'VERSION_NOT_RETAINED';
}

export class CancelledError extends OrchestratorError {
  override readonly code = 'CANCELLED';
  constructor(message = 'Deployment cancelled') {
    super(message);
  }
}

export class TimeoutError extends OrchestratorError {
  override readonly code = 'TIMEOUT';
}

/** The code could not be had (generator job missing, not completed, unreachable). */
export class CodeSourceError extends OrchestratorError {
  override readonly code = 'CODE_SOURCE';
  /** Whether the source itself is unavailable (network, 5xx) rather than the request being wrong. */
  readonly upstream: boolean;
  constructor(message: string, upstream = false, details?: Record<string, unknown>) {
    super(message, details);
    this.upstream = upstream;
  }
}

/** A CLI or tool failed; `toolCode` carries e.g. Azure's error code. */
export class ExecutorError extends OrchestratorError {
  override readonly code = 'EXECUTOR_ERROR';
}

/** The tool is missing or too old. */
export class ExecutorUnavailableError extends OrchestratorError {
  override readonly code = 'EXECUTOR_UNAVAILABLE';
}

export class ForbiddenError extends OrchestratorError {
  override readonly code = 'FORBIDDEN';
}

/** The state store cannot be reached; nothing was acknowledged. */
export class StoreUnavailableError extends OrchestratorError {
  override readonly code = 'STORE_UNAVAILABLE';
}

export const isOrchestratorError = (e: unknown): e is OrchestratorError => e instanceof OrchestratorError;

/** Whether `e` carries `code` (an OrchestratorError from any copy of this package, or a plain object). */
function hasCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

/**
 * Whether `e` is a cancellation (`code: 'CANCELLED'`), e.g. an `AbortSignal`'s reason. Checks the code,
 * not the class, so it holds for code that cannot share `instanceof` with this package (another bundled
 * copy, another realm).
 */
export const isCancelled = (e: unknown): e is CancelledError => hasCode(e, 'CANCELLED');

/** Whether `e` is a time budget running out (`code: 'TIMEOUT'`); like {@link isCancelled}, by code. */
export const isTimeout = (e: unknown): e is TimeoutError => hasCode(e, 'TIMEOUT');
