import { ValidationError } from '@iac-orchestrator/core';

/** Per-request bounds of a deploy request, on top of core's schema. */
export interface DeployLimits {
  /** Most variables a request may declare sensitive: each value is masked in every log line of its run. */
  maxSensitiveValues: number;
}

export const DEFAULT_DEPLOY_LIMITS: DeployLimits = { maxSensitiveValues: 2000 };

/**
 * Refuses a deploy request above the per-request bounds before anything is resolved or stored. Every
 * sensitive value costs masking work on every line its run logs and memory while the run lives, so their
 * number is bounded per request (`ORCHESTRATOR_MAX_SENSITIVE_VALUES`).
 */
export function checkDeployLimits(body: unknown, limits: DeployLimits): void {
  const options = (body as { options?: unknown } | null)?.options;
  const sensitive = options && typeof options === 'object' ? (options as { sensitiveVariables?: unknown }).sensitiveVariables : undefined;
  if (Array.isArray(sensitive) && sensitive.length > limits.maxSensitiveValues) {
    throw new ValidationError(
      `options.sensitiveVariables: at most ${limits.maxSensitiveValues} sensitive variables per request (got ${sensitive.length})`,
      'options.sensitiveVariables',
    );
  }
}
