import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '@iac-orchestrator/core';
import { planParameters, storableParameters, writeParameterFile } from '../src/parameters.js';
import { buildChildEnv, preparePrivateHome } from '../src/env.js';
import { parseCliError, isStackMissing } from '../src/cli.js';
import { isUnsupportedEndpoint } from '../src/drift.js';
import { planStartFor, isStable, succeeded } from '../src/stack-status.js';
import { recorded } from './helpers/recorded.js';

const declared = recorded<{ Parameters: Array<{ ParameterKey: string; DefaultValue?: string; NoEcho?: boolean }> }>('get-template-summary').stdout.Parameters;

describe('template parameters from the deployment variables', () => {
  it('values become strings; defaults are left to CloudFormation; NoEcho values are secrets', () => {
    const p = planParameters(declared, { QueueName: 'orders', VisibilityTimeout: 60, ApiToken: 's3cr3t-value' }, []);
    expect(p.parameters).toEqual([
      { ParameterKey: 'QueueName', ParameterValue: 'orders' },
      { ParameterKey: 'VisibilityTimeout', ParameterValue: '60' },
      { ParameterKey: 'ApiToken', ParameterValue: 's3cr3t-value' },
    ]);
    expect(p.secretValues).toEqual(['s3cr3t-value']);
    expect(storableParameters(p.parameters, p.noEchoKeys)).toContainEqual({ ParameterKey: 'ApiToken', UsePreviousValue: true });
  });

  it('an update keeps the stack’s value of a parameter without default or variable', () => {
    expect(planParameters(declared, {}, ['QueueName']).parameters).toEqual([{ ParameterKey: 'QueueName', UsePreviousValue: true }]);
  });

  it('refuses unknown variables, missing values and values that are not scalars', () => {
    expect(() => planParameters(declared, { QueueName: 'q', Nope: 1 }, [])).toThrow(ValidationError);
    expect(() => planParameters(declared, {}, [])).toThrow(/"QueueName" need a value/);
    expect(() => planParameters(declared, { QueueName: { a: 1 } }, [])).toThrow(/must be a string, number, boolean or list/);
    expect(planParameters([{ ParameterKey: 'Subnets' }], { Subnets: ['a', 'b'] }, []).parameters).toEqual([{ ParameterKey: 'Subnets', ParameterValue: 'a,b' }]);
  });

  it('writes the parameter file as JSON with mode 0600 (a value with quotes or commas stays intact)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfn-params-'));
    try {
      const path = writeParameterFile(dir, [{ ParameterKey: 'A', ParameterValue: 'x", "y,z' }]);
      expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual([{ ParameterKey: 'A', ParameterValue: 'x", "y,z' }]);
      expect(statSync(path).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the child environment', () => {
  it('holds the allowlist, the deployment’s AWS_* variables and a private HOME; never the rest of the parent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfn-env-'));
    try {
      const home = preparePrivateHome(dir);
      const env = buildChildEnv(
        { AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 'sk', AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_PROFILE: 'admin', AZURE_CLIENT_SECRET: 'no' },
        home,
        { PATH: '/usr/bin', HOME: '/root', GITHUB_TOKEN: 'ghp', AWS_SECRET_ACCESS_KEY: 'parent-key', HTTPS_PROXY: 'http://proxy:3128' },
      );
      expect(env).toEqual({
        PATH: '/usr/bin',
        HTTPS_PROXY: 'http://proxy:3128',
        AWS_ACCESS_KEY_ID: 'AKIA',
        AWS_SECRET_ACCESS_KEY: 'sk',
        AWS_REGION: 'eu-west-1',
        AWS_DEFAULT_REGION: 'eu-west-1',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
        HOME: home,
        AWS_CONFIG_FILE: join(home, '.aws', 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
        AWS_PAGER: '',
        AWS_CLI_AUTO_PROMPT: 'off',
        PYTHONDONTWRITEBYTECODE: '1',
        PYTHONIOENCODING: 'utf-8',
      });
      expect(readFileSync(env.AWS_CONFIG_FILE, 'utf8')).toBe('');
      expect(statSync(join(home, '.aws')).mode & 0o777).toBe(0o700);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('CLI errors recorded from moto', () => {
  it('a missing stack is recognised, not a failure', () => {
    const r = recorded('describe-stacks-missing');
    const e = parseCliError(r.stderr, r.exitCode);
    expect(e).toMatchObject({ awsCode: 'ValidationError', operation: 'DescribeStacks', message: 'Stack with id iac-rec-dev does not exist' });
    expect(isStackMissing(e)).toBe(true);
  });

  it('an invalid template carries the service’s message', () => {
    const r = recorded('validate-template-invalid');
    const e = parseCliError(r.stderr, r.exitCode);
    expect(e.awsCode).toBe('ValidationError');
    expect(e.message).toMatch(/fifo/);
    expect(isStackMissing(e)).toBe(false);
  });

  it('drift on an endpoint without it: unsupported only for a custom endpoint', () => {
    const r = recorded('detect-stack-drift-unsupported');
    const e = parseCliError(r.stderr, r.exitCode);
    expect(isUnsupportedEndpoint(e, true)).toBe(true);
    expect(isUnsupportedEndpoint(e, false)).toBe(false);
    expect(isUnsupportedEndpoint(parseCliError('An error occurred (NotImplemented) when calling the DetectStackDrift operation: nope', 254), false)).toBe(true);
  });
});

describe('stack statuses', () => {
  it.each([
    [null, 'create'],
    ['REVIEW_IN_PROGRESS', 'create'],
    ['DELETE_COMPLETE', 'create'],
    ['ROLLBACK_COMPLETE', 'recreate'],
    ['CREATE_COMPLETE', 'update'],
    ['UPDATE_ROLLBACK_COMPLETE', 'update'],
    ['UPDATE_IN_PROGRESS', 'wait'],
    ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'wait'],
    ['UPDATE_ROLLBACK_FAILED', 'stuck'],
    ['DELETE_FAILED', 'stuck'],
  ])('planning on %s → %s', (status, kind) => {
    expect(planStartFor(status).kind).toBe(kind);
  });

  it('stable and succeeded', () => {
    expect(isStable('REVIEW_IN_PROGRESS')).toBe(true);
    expect(isStable('UPDATE_ROLLBACK_IN_PROGRESS')).toBe(false);
    expect(succeeded('UPDATE', 'UPDATE_ROLLBACK_COMPLETE')).toBe(false);
    expect(succeeded('CREATE', 'ROLLBACK_COMPLETE')).toBe(false);
    expect(succeeded('DELETE', 'DELETE_COMPLETE')).toBe(true);
  });
});
