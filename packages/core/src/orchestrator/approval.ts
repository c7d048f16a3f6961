import { ForbiddenError } from '../errors.js';
import type { Caller } from './inputs.js';
import type { ApprovalPolicy } from './types.js';

/** Environments protected when the operator names none (ORCHESTRATOR_PROTECTED_ENVIRONMENTS). */
export const DEFAULT_PROTECTED_ENVIRONMENTS: readonly string[] = ['production', 'prod'];

/**
 * Whether `environment` is one of the protected ones: an explicit list, compared case-insensitively and
 * exactly. No guessing from the name (`prod2`, `live`, `prod-eu` are protected only when listed), so the
 * operator decides, and what is protected can be read in one place.
 */
export function isProtectedEnvironment(environment: string, protectedEnvironments: readonly string[] = DEFAULT_PROTECTED_ENVIRONMENTS): boolean {
  const env = environment.toLowerCase();
  return protectedEnvironments.some((p) => p.toLowerCase() === env);
}

/**
 * The default policy over a list of protected environments: a protected environment stops at
 * `awaiting_approval` unless the request asks for auto-approval AND the caller may approve; every other
 * environment honours `autoApprove`.
 */
export function approvalPolicyFor(protectedEnvironments: readonly string[] = DEFAULT_PROTECTED_ENVIRONMENTS): ApprovalPolicy {
  return ({ environment, autoApprove, caller }) => {
    if (isProtectedEnvironment(environment, protectedEnvironments)) return autoApprove && caller?.canApprove ? 'auto' : 'manual';
    return autoApprove ? 'auto' : 'manual';
  };
}

/** The policy over {@link DEFAULT_PROTECTED_ENVIRONMENTS}. */
export const defaultApprovalPolicy: ApprovalPolicy = approvalPolicyFor();

/** @deprecated Use {@link isProtectedEnvironment}: whether an environment is protected by the default list. */
export const isProductionEnvironment = (environment: string): boolean => isProtectedEnvironment(environment);

/** Refuses a decision on a protected environment's plan by a caller known not to be an approver. */
export function assertMayDecide(caller: Caller | undefined, environment: string, protectedEnvironments: readonly string[]): void {
  if (caller && caller.canApprove === false && isProtectedEnvironment(environment, protectedEnvironments)) throw new ForbiddenError('Approving production deployments needs the approver role');
}
