import { describe, expect, it } from 'vitest';
import { collectCredentials, ConfigError, loadConfig } from '../src/config.js';
import { TokenConfigError } from '../src/auth.js';

const TOKEN = 'a'.repeat(32);

describe('loadConfig', () => {
  it('applies the spec defaults: port 3004, loopback without tokens, SQLite store in ./.orchestrator-data', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3004);
    expect(c.host).toBe('127.0.0.1');
    expect(c.unauthenticated).toBe(true);
    expect(c.logLevel).toBe('info');
    expect(c.maxDeploymentTimeoutMs).toBe(1_800_000);
    expect(c.stateRetention).toBe(10);
    expect(c.store).toEqual({ kind: 'sqlite', dataDir: `${process.cwd()}/.orchestrator-data`, encryptionKey: undefined });
    expect(loadConfig({ ORCHESTRATOR_STORE: 'file' }).store.kind).toBe('file');
    expect(() => loadConfig({ ORCHESTRATOR_STORE: 'postgres' })).toThrow(/ORCHESTRATOR_STORE/);
    expect(loadConfig({ REDIS_URL: 'redis://r:6379', RETENTION_DAYS: '30' }).store).toMatchObject({ kind: 'redis', retentionDays: 30 });
    expect(loadConfig({ RETENTION_DAYS: '7' }).store).toMatchObject({ kind: 'sqlite', retentionDays: 7 });
    expect(() => loadConfig({ REDIS_URL: 'redis://r:6379', RETENTION_DAYS: '-1' })).toThrow(/RETENTION_DAYS/);
    expect(c.generator).toBeNull();
    expect(c.terraform.binary).toBe('terraform');
  });

  it('honours every variable of the spec Configuration section', () => {
    const c = loadConfig({
      PORT: '4100',
      NODE_ENV: 'production',
      LOG_LEVEL: 'debug',
      IAC_GENERATOR_URL: 'http://iac-generator:3002',
      TERRAFORM_WORK_DIR: '/tmp/terraform',
      BICEP_WORK_DIR: '/tmp/bicep',
      CFN_WORK_DIR: '/tmp/cloudformation',
      MAX_DEPLOYMENT_TIMEOUT_MS: '60000',
      STATE_BACKUP_RETENTION: '5',
      AZURE_SUBSCRIPTION_ID: 'sub-1234',
      AZURE_TENANT_ID: 'tenant-1234',
      AZURE_CLIENT_ID: 'client-1234',
      AZURE_CLIENT_SECRET: 'azure-secret-value',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'aws-secret-value',
      AWS_REGION: 'us-east-1',
      GCP_PROJECT_ID: 'my-project',
      GCP_CREDENTIALS_FILE: '/path/to/key.json',
      ORCHESTRATOR_DATA_DIR: '/var/lib/orch',
      STATE_ENCRYPTION_KEY: 'passphrase-long-enough',
    });
    expect(c.port).toBe(4100);
    expect(c.nodeEnv).toBe('production');
    expect(c.logLevel).toBe('debug');
    expect(c.generator).toEqual({ url: 'http://iac-generator:3002', timeoutMs: 10_000, retries: 3 });
    expect(c.terraform.workRoot).toBe('/tmp/terraform');
    expect(c.bicep.workRoot).toBe('/tmp/bicep');
    expect(c.cloudformation.workRoot).toBe('/tmp/cloudformation');
    expect(c.maxDeploymentTimeoutMs).toBe(60_000);
    expect(c.stateRetention).toBe(5);
    expect(c.store).toEqual({ kind: 'sqlite', dataDir: '/var/lib/orch', encryptionKey: 'passphrase-long-enough' });
    expect(c.credentials).toMatchObject({
      AZURE_CLIENT_SECRET: 'azure-secret-value',
      ARM_CLIENT_SECRET: 'azure-secret-value',
      ARM_SUBSCRIPTION_ID: 'sub-1234',
      AWS_SECRET_ACCESS_KEY: 'aws-secret-value',
      AWS_REGION: 'us-east-1',
      GOOGLE_PROJECT: 'my-project',
      GOOGLE_APPLICATION_CREDENTIALS: '/path/to/key.json',
    });
  });

  it('selects the Redis store with REDIS_URL', () => {
    const c = loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: 'orch:' });
    expect(c.store).toEqual({ kind: 'redis', url: 'redis://127.0.0.1:6379', prefix: 'orch:', encryptionKey: undefined });
  });

  it('refuses to listen beyond loopback without tokens unless explicitly opened', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(ConfigError);
    expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(/ORCHESTRATOR_API_TOKENS/);
    expect(loadConfig({ HOST: '0.0.0.0', ORCHESTRATOR_ALLOW_UNAUTHENTICATED: 'true' }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '::1' }).host).toBe('::1');
  });

  it('ORCHESTRATOR_SANDBOX: auto by default; none is refused beyond loopback unless explicitly allowed', () => {
    expect(loadConfig({}).sandbox).toBe('auto');
    expect(loadConfig({ ORCHESTRATOR_SANDBOX: 'bwrap' }).sandbox).toBe('bwrap');
    expect(loadConfig({ ORCHESTRATOR_SANDBOX: 'none' })).toMatchObject({ sandbox: 'none', host: '127.0.0.1' });
    const open = { HOST: '0.0.0.0', ORCHESTRATOR_API_TOKENS: `ci:deployer:${TOKEN}`, ORCHESTRATOR_SANDBOX: 'none' };
    expect(() => loadConfig(open)).toThrow(/ORCHESTRATOR_ALLOW_UNSANDBOXED/);
    expect(loadConfig({ ...open, ORCHESTRATOR_ALLOW_UNSANDBOXED: 'true' })).toMatchObject({ sandbox: 'none', allowUnsandboxed: true });
    expect(() => loadConfig({ ORCHESTRATOR_SANDBOX: 'docker' })).toThrow(/ORCHESTRATOR_SANDBOX/);
  });

  it('listens on every interface by default once tokens are configured', () => {
    const c = loadConfig({ ORCHESTRATOR_API_TOKENS: `ci:deployer:${TOKEN}` });
    expect(c.host).toBe('0.0.0.0');
    expect(c.unauthenticated).toBe(false);
    expect(c.tokens.map((t) => [t.name, t.role])).toEqual([['ci', 'deployer']]);
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ IAC_GENERATOR_URL: 'ftp://x' })).toThrow(/IAC_GENERATOR_URL/);
    expect(() => loadConfig({ STATE_BACKUP_RETENTION: '0' })).toThrow(/STATE_BACKUP_RETENTION/);
    expect(() => loadConfig({ ORCHESTRATOR_API_TOKENS: 'ci:deployer:short' })).toThrow(TokenConfigError);
  });
});

describe('collectCredentials', () => {
  it('keeps cloud variables only and never overrides an explicit ARM_* value', () => {
    const c = collectCredentials({ PATH: '/bin', HOME: '/root', AZURE_CLIENT_ID: 'x-client', ARM_CLIENT_ID: 'explicit', AWS_PROFILE: 'dev' });
    expect(c).toEqual({ AZURE_CLIENT_ID: 'x-client', ARM_CLIENT_ID: 'explicit', AWS_PROFILE: 'dev' });
  });
});
