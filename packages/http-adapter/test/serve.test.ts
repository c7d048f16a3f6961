import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, cliEntry, repoRoot, startServe } from './support/serve.js';

describe('iac-orchestrator serve (the CLI as a child process)', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'serve-test-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('starts with the SQLite store (the default), answers /health and /ready, and stops cleanly on SIGTERM', async () => {
    const svc = await startServe({
      PORT: '0',
      ORCHESTRATOR_DATA_DIR: join(dir, 'data'),
      TERRAFORM_WORK_DIR: join(dir, 'tf'),
      BICEP_WORK_DIR: join(dir, 'bicep'),
      CFN_WORK_DIR: join(dir, 'cfn'),
      AWS_SECRET_ACCESS_KEY: 'serve-test-secret-value',
    });
    expect(svc.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(svc.output()).toMatch(/listening on loopback only/);

    const health = await fetch(`${svc.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    const ready = await fetch(`${svc.url}/ready`);
    const report = (await ready.json()) as { store: { ok: boolean }; executors: Array<{ format: string; ok: boolean }>; sandbox: { kind: string; ok: boolean } };
    expect(report.store.ok).toBe(true);
    expect(report.sandbox).toMatchObject({ ok: true, kind: expect.stringMatching(/^(bwrap|none)$/) });
    expect(report.executors.map((e) => e.format).sort()).toEqual(['bicep', 'cloudformation', 'terraform']);
    expect(report.executors.find((e) => e.format === 'terraform')?.ok).toBe(true);
    expect(ready.status).toBe(report.executors.every((e) => e.ok) ? 200 : 503);

    expect(await svc.stop()).toBe(0);
    expect(svc.output()).toMatch(/"msg":"shut down"/);
    expect(svc.output()).not.toContain('serve-test-secret-value');
    await expect(fetch(`${svc.url}/health`)).rejects.toThrow();
  }, 180_000);

  it('refuses to listen beyond loopback without tokens (exit 2, says why)', async () => {
    const r = await execa('node', ['--import', 'tsx', cliEntry, 'serve'], { cwd: repoRoot, env: childEnv({ HOST: '0.0.0.0', PORT: '0' }), extendEnv: false, reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0 without authentication/);
  });

  it('refuses to run tools unsandboxed beyond loopback unless told so (exit 2, says why)', async () => {
    const env = { HOST: '0.0.0.0', PORT: '0', ORCHESTRATOR_API_TOKENS: `ci:deployer:${'t'.repeat(40)}`, ORCHESTRATOR_SANDBOX: 'none', ORCHESTRATOR_DATA_DIR: join(dir, 'data-none') };
    const r = await execa('node', ['--import', 'tsx', cliEntry, 'serve'], { cwd: repoRoot, env: childEnv(env), extendEnv: false, reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/Refusing to run tool processes without a sandbox .*ORCHESTRATOR_ALLOW_UNSANDBOXED=true/);
  });

  it('an unknown command prints the usage (exit 2)', async () => {
    const r = await execa('node', ['--import', 'tsx', cliEntry, 'launch'], { cwd: repoRoot, env: childEnv({}), extendEnv: false, reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/Usage: iac-orchestrator serve/);
  });
});
