import type { ApprovalPolicy } from './types.js';

/** Environments whose plans a human approves unless the caller may approve them. */
const PRODUCTION = /^(prod|production|prd)([-_.].*)?$/i;

/**
 * The default policy: production-like environments (`prod`, `production`, `prd`, `prod-eu`...) stop at
 * `awaiting_approval` unless the request asks for auto-approval AND the caller may approve; every other
 * environment (dev, staging...) honours `autoApprove`.
 */
export const defaultApprovalPolicy: ApprovalPolicy = ({ environment, autoApprove, caller }) => {
  if (PRODUCTION.test(environment)) return autoApprove && caller?.canApprove ? 'auto' : 'manual';
  return autoApprove ? 'auto' : 'manual';
};

export const isProductionEnvironment = (environment: string): boolean => PRODUCTION.test(environment);
