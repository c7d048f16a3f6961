import { describe, expect, it } from 'vitest';
import { totalmem } from 'node:os';
import { buildChildEnv, defaultGoMemoryLimit, terraformCredentialEnv } from '../src/env.js';
import { TerraformExecutor } from '../src/index.js';

const parent = {
  PATH: '/usr/bin',
  HOME: '/home/svc',
  LANG: 'C.UTF-8',
  TF_LOG: 'TRACE',
  TF_CLI_CONFIG_FILE: '/root/.terraformrc',
  AWS_SECRET_ACCESS_KEY: 'parent-aws-secret',
  DATABASE_URL: 'postgres://x',
};

describe('the child environment', () => {
  it('is the allowlist plus Terraform automation settings: no TF_LOG, no HOME, nothing else of the parent', () => {
    const env = buildChildEnv({ cloud: 'aws', credentials: {}, parent, cliConfigFile: '/etc/tf.rc', pluginCacheDir: '/cache' });
    // HOME would lead to the service's ~/.aws, ~/.azure and gcloud files.
    expect(env).toEqual({
      PATH: '/usr/bin',
      LANG: 'C.UTF-8',
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
      TF_CLI_CONFIG_FILE: '/etc/tf.rc',
      TF_PLUGIN_CACHE_DIR: '/cache',
      GOGC: '400',
      GOMEMLIMIT: defaultGoMemoryLimit(),
    });
  });

  it("sets Go's GC for terraform and its providers: GOGC 400 by default, the configured GOGC and GOMEMLIMIT otherwise", () => {
    expect(buildChildEnv({ cloud: 'aws', credentials: {}, parent: { ...parent, GOGC: '50', GOMEMLIMIT: '1GiB' } })).toMatchObject({ GOGC: '400' });
    // A quarter of this machine's memory, never the parent's.
    expect(buildChildEnv({ cloud: 'aws', credentials: {}, parent: { ...parent, GOMEMLIMIT: '1GiB' } }).GOMEMLIMIT).toBe(`${Math.max(512, Math.floor(totalmem() / 4 / 2 ** 20))}MiB`);
    expect(buildChildEnv({ cloud: 'aws', credentials: {}, parent, goMemoryLimit: 'off' }).GOMEMLIMIT).toBe('off');
    expect(() => new TerraformExecutor({ goMemoryLimit: 'none' })).toThrow(/goMemoryLimit/);
    // Sizes Go would refuse (past 2^63: a fatal error at every start) or that make it collect all the time.
    for (const bad of ['99999999999999999999TiB', '2048TiB', '1B', '63MiB']) expect(() => new TerraformExecutor({ goMemoryLimit: bad })).toThrow(/goMemoryLimit/);
    for (const good of ['64MiB', '1024TiB', '3GiB', String(2 ** 30)]) expect(() => new TerraformExecutor({ goMemoryLimit: good })).not.toThrow();
    expect(buildChildEnv({ cloud: 'aws', credentials: {}, parent, goGc: 'off', goMemoryLimit: '2GiB' })).toMatchObject({ GOGC: 'off', GOMEMLIMIT: '2GiB' });
    expect(buildChildEnv({ cloud: 'aws', credentials: {}, parent, goGc: 100 }).GOGC).toBe('100');
    expect(() => new TerraformExecutor({ goGc: 0 })).toThrow(/goGc/);
    expect(() => new TerraformExecutor({ goGc: 1.5 })).toThrow(/goGc/);
    expect(() => new TerraformExecutor({ goMemoryLimit: '2 GB' })).toThrow(/goMemoryLimit/);
    expect(() => new TerraformExecutor({ goGc: 'off', goMemoryLimit: '1536MiB' })).not.toThrow();
  });

  it('never inherits the parent TF_CLI_CONFIG_FILE when none is configured', () => {
    expect(buildChildEnv({ cloud: 'aws', credentials: {}, parent }).TF_CLI_CONFIG_FILE).toBeUndefined();
  });

  it('maps azure credentials to ARM_*, keeping explicit ARM_* values', () => {
    const creds = { AZURE_CLIENT_ID: 'cid', AZURE_CLIENT_SECRET: 'csecret', AZURE_TENANT_ID: 'tid', AZURE_SUBSCRIPTION_ID: 'sid', AWS_ACCESS_KEY_ID: 'nope' };
    const env = buildChildEnv({ cloud: 'azure', credentials: creds, parent: {} });
    expect(env).toMatchObject({ ARM_CLIENT_ID: 'cid', ARM_CLIENT_SECRET: 'csecret', ARM_TENANT_ID: 'tid', ARM_SUBSCRIPTION_ID: 'sid' });
    expect(env.AWS_ACCESS_KEY_ID).toBeUndefined();
    expect(terraformCredentialEnv('azure', { AZURE_CLIENT_ID: 'alias', ARM_CLIENT_ID: 'explicit' }).ARM_CLIENT_ID).toBe('explicit');
  });

  it('maps gcp credentials to GOOGLE_*', () => {
    const env = terraformCredentialEnv('gcp', { GCP_PROJECT_ID: 'proj', GCP_CREDENTIALS_FILE: '/keys/sa.json', AZURE_CLIENT_SECRET: 'x' });
    expect(env).toEqual({ GCP_PROJECT_ID: 'proj', GCP_CREDENTIALS_FILE: '/keys/sa.json', GOOGLE_PROJECT: 'proj', GOOGLE_APPLICATION_CREDENTIALS: '/keys/sa.json' });
  });

  it('passes aws credentials as they are and drops other clouds', () => {
    const env = buildChildEnv({ cloud: 'aws', credentials: { AWS_ACCESS_KEY_ID: 'a', AWS_ENDPOINT_URL: 'http://moto', GCP_PROJECT_ID: 'g' }, parent: {} });
    expect(env.AWS_ACCESS_KEY_ID).toBe('a');
    expect(env.AWS_ENDPOINT_URL).toBe('http://moto');
    expect(env.GCP_PROJECT_ID).toBeUndefined();
    expect(new TerraformExecutor().credentialEnv('aws', { AWS_REGION: 'eu-west-1', ARM_CLIENT_ID: 'x' })).toEqual({ AWS_REGION: 'eu-west-1' });
  });
});
