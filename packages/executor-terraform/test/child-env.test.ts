import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetCloud } from '@iac-orchestrator/core';
import { findCommand, prerequisite } from '../../../test-support/prerequisites.js';
import { PARENT_ENV_ALLOWLIST } from '../src/env.js';
import { deployOnce, hasTerraform, loadFixture, testBed } from './helpers.js';

const ok = prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH') && prerequisite('env', findCommand('env') !== null, 'no env binary');

/** The environment the probe printed, from its provisioner output lines in the log events. */
async function probe(bed: Awaited<ReturnType<typeof testBed>>, cloud: TargetCloud, env: Record<string, string>): Promise<Record<string, string>> {
  const bundle = await loadFixture('env-probe');
  const { ctx, result } = await deployOnce(bed, { bundle, env, stack: { targetCloud: cloud } });
  expect(result.outcome).toBe('succeeded');
  const seen: Record<string, string> = {};
  for (const e of ctx.events) {
    const m = e.type === 'log' ? /^terraform_data\.probe: \(local-exec\): ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(e.message) : null;
    if (m) seen[m[1]!] = m[2]!;
  }
  expect(seen.PROBE).toBe('1');
  if (seen.TF_HTTP_PASSWORD) expect(ctx.secrets).toContain(seen.TF_HTTP_PASSWORD);
  return seen;
}

describe.skipIf(!ok)('the environment Terraform really runs with', () => {
  let bed: Awaited<ReturnType<typeof testBed>>;
  const saved = { ...process.env };
  beforeAll(async () => {
    bed = await testBed();
    // Things in the parent that must not reach Terraform.
    process.env.TF_LOG = 'TRACE';
    process.env.SOME_APP_SECRET = 'parent-only-secret';
    process.env.AWS_SECRET_ACCESS_KEY = 'parent-aws-secret';
  });
  afterAll(async () => {
    for (const k of ['TF_LOG', 'SOME_APP_SECRET', 'AWS_SECRET_ACCESS_KEY']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await bed?.dispose();
  });

  it('azure: ARM_* from AZURE_*, automation settings, our CLI config, nothing else of the parent', async () => {
    const seen = await probe(bed, 'azure', {
      AZURE_CLIENT_ID: 'client-id-1',
      AZURE_CLIENT_SECRET: 'client-secret-1',
      AZURE_TENANT_ID: 'tenant-1',
      AZURE_SUBSCRIPTION_ID: 'sub-1',
      AWS_ACCESS_KEY_ID: 'aws-key-that-must-be-dropped',
    });
    expect(seen).toMatchObject({
      ARM_CLIENT_ID: 'client-id-1',
      ARM_CLIENT_SECRET: 'client-secret-1',
      ARM_TENANT_ID: 'tenant-1',
      ARM_SUBSCRIPTION_ID: 'sub-1',
      TF_IN_AUTOMATION: '1',
      TF_CLI_CONFIG_FILE: bed.cliConfigFile,
      GOGC: '400',
    });
    for (const absent of ['TF_LOG', 'SOME_APP_SECRET', 'AWS_SECRET_ACCESS_KEY', 'AWS_ACCESS_KEY_ID']) expect(seen[absent]).toBeUndefined();
    // nothing beyond the allowlist, Terraform's settings and this cloud's credentials
    const expected = new Set<string>([...PARENT_ENV_ALLOWLIST, 'TF_IN_AUTOMATION', 'TF_INPUT', 'CHECKPOINT_DISABLE', 'TF_CLI_CONFIG_FILE', 'TF_PLUGIN_CACHE_DIR', 'GOGC', 'GOMEMLIMIT', 'PROBE', 'PWD', 'SHLVL', '_']);
    // The served state backend: its address and one-run secret (registered for masking), nothing else.
    for (const k of ['TF_HTTP_ADDRESS', 'TF_HTTP_USERNAME', 'TF_HTTP_PASSWORD', 'TF_HTTP_RETRY_MAX', 'TF_HTTP_RETRY_WAIT_MIN']) expected.add(k);
    // HOME is never the service's: the sandbox's private empty one, or none at all.
    expect(seen.HOME === undefined || seen.HOME === '/home/sandbox').toBe(true);
    expected.add('HOME');
    // The stack's initialised data dir, reused from the work root (read-only inside the sandbox).
    expect(seen.TF_DATA_DIR).toMatch(new RegExp(`^${bed.workRoot}/\\.warm/[0-9a-f]{32}/b-[0-9a-z]+-[0-9a-f]{8}/data$`));
    expected.add('TF_DATA_DIR');
    expect(Object.keys(seen).filter((k) => !expected.has(k) && !/^(ARM|AZURE)_/.test(k))).toEqual([]);
  });

  it('gcp: GOOGLE_PROJECT / GOOGLE_APPLICATION_CREDENTIALS from GCP_*', async () => {
    const seen = await probe(bed, 'gcp', { GCP_PROJECT_ID: 'proj-1', GCP_CREDENTIALS_FILE: '/keys/sa.json', AZURE_CLIENT_SECRET: 'dropped' });
    expect(seen).toMatchObject({ GOOGLE_PROJECT: 'proj-1', GOOGLE_APPLICATION_CREDENTIALS: '/keys/sa.json' });
    expect(seen.ARM_CLIENT_SECRET).toBeUndefined();
    expect(seen.AZURE_CLIENT_SECRET).toBeUndefined();
  });
});
