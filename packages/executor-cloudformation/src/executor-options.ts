import { ValidationError } from '@iac-orchestrator/core';
import type { Capability } from './commands/create-change-set.js';
import { CFN_NAME, CFN_NAME_MAX } from './stack-name.js';

export const CAPABILITIES: readonly Capability[] = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'];

/** `options.executor` of a CloudFormation deployment. */
export interface CloudFormationDeploymentOptions {
  /** Explicit stack name instead of the `<prefix><blueprint>-<environment>` convention. */
  stackName?: string;
  /** IAM and macro acknowledgements CloudFormation asks for. */
  capabilities?: Capability[];
  /** Stack tags (CloudFormation propagates them to resources that support tags). */
  tags?: Record<string, string>;
  /** Service role CloudFormation assumes for this stack. */
  roleArn?: string;
  /** Also run `cfn-lint` on the template before the change set; its errors fail the plan. */
  cfnLint?: boolean;
}

const KEYS = ['stackName', 'capabilities', 'tags', 'roleArn', 'cfnLint'];
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/**
 * Parses `ctx.options` (the request's `options.executor`) into typed options. Written by hand rather than
 * with zod to keep this package's dependencies at execa + core; every failure is a ValidationError that
 * names the field, and unknown keys are refused.
 */
export function parseDeploymentOptions(raw: Record<string, unknown> | undefined): CloudFormationDeploymentOptions {
  const o = raw ?? {};
  const field = (k: string) => `options.executor.${k}`;
  const fail = (k: string, msg: string): never => {
    throw new ValidationError(`${field(k)} ${msg}`, field(k));
  };
  const unknown = Object.keys(o).filter((k) => !KEYS.includes(k));
  if (unknown.length > 0) throw new ValidationError(`Unknown CloudFormation option(s): ${unknown.join(', ')}`, 'options.executor');
  const out: CloudFormationDeploymentOptions = {};
  if (o.stackName !== undefined) {
    if (typeof o.stackName !== 'string' || o.stackName.length > CFN_NAME_MAX || !CFN_NAME.test(o.stackName)) {
      fail('stackName', `must start with a letter and hold only letters, digits and hyphens (at most ${CFN_NAME_MAX})`);
    }
    out.stackName = o.stackName as string;
  }
  if (o.capabilities !== undefined) {
    if (!Array.isArray(o.capabilities) || !o.capabilities.every((c) => CAPABILITIES.includes(c as Capability))) {
      fail('capabilities', `must be a list of ${CAPABILITIES.join(', ')}`);
    }
    out.capabilities = [...new Set(o.capabilities as Capability[])];
  }
  if (o.tags !== undefined) {
    if (!o.tags || typeof o.tags !== 'object' || Array.isArray(o.tags)) fail('tags', 'must be an object of string values');
    const entries = Object.entries(o.tags as Record<string, unknown>);
    if (entries.length > 40) fail('tags', 'may hold at most 40 tags');
    for (const [k, v] of entries) {
      if (!k || k.length > 128 || k.toLowerCase().startsWith('aws:')) fail('tags', `key "${k.slice(0, 40)}" must be 1-128 characters and not start with "aws:"`);
      if (typeof v !== 'string' || v.length > 256) fail('tags', `value of "${k}" must be a string of at most 256 characters`);
    }
    out.tags = Object.fromEntries(entries) as Record<string, string>;
  }
  if (o.roleArn !== undefined) {
    if (typeof o.roleArn !== 'string' || !ROLE_ARN.test(o.roleArn)) fail('roleArn', 'must be an IAM role ARN');
    out.roleArn = o.roleArn as string;
  }
  if (o.cfnLint !== undefined) {
    if (typeof o.cfnLint !== 'boolean') fail('cfnLint', 'must be true or false');
    out.cfnLint = o.cfnLint as boolean;
  }
  return out;
}
