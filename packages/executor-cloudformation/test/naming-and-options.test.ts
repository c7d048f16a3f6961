import { describe, expect, it } from 'vitest';
import { stackKeyOf, ValidationError, type StackRef } from '@iac-orchestrator/core';
import { CFN_NAME, changeSetNameFor, stackNameFor } from '../src/stack-name.js';
import { parseDeploymentOptions } from '../src/executor-options.js';
import { optionsFromEnv } from '../src/config.js';
import { CloudFormationExecutor } from '../src/index.js';

describe('stack name convention', () => {
  const key = (b: string, e: string) => `${b}/${e}/aws/cloudformation`;

  it('is <prefix><blueprint>-<environment> when that is already a valid name', () => {
    expect(stackNameFor({ blueprintId: 'orders', environment: 'prod' }, key('orders', 'prod'), 'iac-')).toBe('iac-orders-prod');
  });

  it('sanitises to CloudFormation’s rule and adds a hash when sanitising lost information', () => {
    const a = stackNameFor({ blueprintId: 'web.app', environment: 'prod_eu' }, key('web.app', 'prod_eu'), 'iac-');
    const b = stackNameFor({ blueprintId: 'web_app', environment: 'prod.eu' }, key('web_app', 'prod.eu'), 'iac-');
    expect(a).toMatch(/^iac-web-app-prod-eu-[0-9a-f]{8}$/);
    expect(b).toMatch(/^iac-web-app-prod-eu-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
  });

  it('starts with a letter even without a prefix, and stays within 128 characters', () => {
    const n = stackNameFor({ blueprintId: '9f1c2d3e-uuid', environment: 'dev' }, key('9f1c2d3e-uuid', 'dev'), '');
    expect(n).toMatch(CFN_NAME);
    const long = stackNameFor({ blueprintId: 'b'.repeat(200), environment: 'dev' }, key('b'.repeat(200), 'dev'), 'iac-');
    expect(long.length).toBeLessThanOrEqual(128);
    expect(long).toMatch(CFN_NAME);
  });

  it('gives every group target its own stack, never the plain deployment’s (invariant 4 at the cloud side)', () => {
    const plain: StackRef = { blueprintId: 'shop', environment: 'production', targetCloud: 'aws', format: 'cloudformation' };
    const blue: StackRef = { ...plain, target: 'blue', region: 'us-east-1' };
    const green: StackRef = { ...plain, target: 'green', region: 'us-east-1' }; // same region, other target
    const blueEu: StackRef = { ...blue, region: 'eu-west-1' }; // same target name in another group, other region
    const refs = [plain, blue, green, blueEu];
    expect(new Set(refs.map(stackKeyOf)).size).toBe(4);
    const names = refs.map((s) => stackNameFor(s, stackKeyOf(s), 'iac-'));
    expect(names[0]).toBe('iac-shop-production'); // unchanged for plain deployments: no migration
    expect(names[1]).toMatch(/^iac-shop-production-blue-[0-9a-f]{8}$/);
    expect(names[2]).toMatch(/^iac-shop-production-green-[0-9a-f]{8}$/);
    expect(new Set(names).size).toBe(4);
    for (const n of names) expect(n).toMatch(CFN_NAME);
    const long: StackRef = { ...blue, blueprintId: 'b'.repeat(120), target: 't'.repeat(63) };
    const longName = stackNameFor(long, stackKeyOf(long), 'iac-');
    expect(longName.length).toBeLessThanOrEqual(128);
    expect(longName).toMatch(CFN_NAME);
    const longEu: StackRef = { ...long, region: 'eu-west-1' };
    expect(longName).not.toBe(stackNameFor(longEu, stackKeyOf(longEu), 'iac-'));
  });

  it('change set names are per deployment and valid', () => {
    expect(changeSetNameFor('3f2a1b4c-0000-4000-8000-000000000001')).toBe('iac-3f2a1b4c-0000-4000-8000-000000000001');
    expect(changeSetNameFor('dep:1@x')).toMatch(CFN_NAME);
  });
});

describe('options.executor of a CloudFormation deployment', () => {
  it('accepts capabilities, tags, a stack name, a role and cfnLint', () => {
    expect(
      parseDeploymentOptions({
        capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND', 'CAPABILITY_IAM'],
        tags: { team: 'payments' },
        stackName: 'Payments-Prod',
        roleArn: 'arn:aws:iam::123456789012:role/cfn-deployer',
        cfnLint: true,
      }),
    ).toEqual({
      capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
      tags: { team: 'payments' },
      stackName: 'Payments-Prod',
      roleArn: 'arn:aws:iam::123456789012:role/cfn-deployer',
      cfnLint: true,
    });
    expect(parseDeploymentOptions({})).toEqual({});
  });

  it.each([
    [{ capabilities: ['CAPABILITY_ADMIN'] }, 'options.executor.capabilities'],
    [{ tags: { 'aws:owner': 'x' } }, 'options.executor.tags'],
    [{ tags: { a: 1 } }, 'options.executor.tags'],
    [{ stackName: '1-bad_name' }, 'options.executor.stackName'],
    [{ roleArn: 'admin' }, 'options.executor.roleArn'],
    [{ cfnLint: 'yes' }, 'options.executor.cfnLint'],
    [{ resourceGroup: 'rg' }, 'options.executor'],
  ])('refuses %j with a ValidationError on %s', (raw, field) => {
    const err = (() => {
      try {
        parseDeploymentOptions(raw as Record<string, unknown>);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe(field);
  });
});

describe('optionsFromEnv (the standalone service)', () => {
  it('reads CFN_WORK_DIR and the CFN_* settings', () => {
    expect(optionsFromEnv({ CFN_WORK_DIR: '/tmp/cloudformation', CFN_POLL_INTERVAL_MS: '5000', CFN_LINT: 'true', CFN_STACK_NAME_PREFIX: 'acme-' })).toEqual({
      workRoot: '/tmp/cloudformation',
      pollIntervalMs: 5000,
      cfnLint: true,
      stackNamePrefix: 'acme-',
    });
    expect(optionsFromEnv({})).toEqual({});
  });
});

describe('CloudFormationExecutor.validateOptions (checked when the request arrives)', () => {
  it('accepts known options and refuses bad ones naming the field', () => {
    const ex = new CloudFormationExecutor();
    expect(() => ex.validateOptions({ stackName: 'web-prod', capabilities: ['CAPABILITY_IAM'] })).not.toThrow();
    for (const [options, field] of [
      [{ capabilities: ['CAPABILITY_EVERYTHING'] }, 'options.executor.capabilities'],
      [{ stackName: '1-starts-with-digit' }, 'options.executor.stackName'],
      [{ nonsense: true }, 'options.executor'],
    ] as const) {
      let err: unknown = null;
      try {
        ex.validateOptions(options as Record<string, unknown>);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe(field);
    }
  });
});
