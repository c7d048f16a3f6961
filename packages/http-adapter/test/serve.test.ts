import { execa, type ResultPromise } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const cli = 'packages/http-adapter/src/cli.ts';

/** Env of the child: no inherited secrets or CI variables beyond what the service needs. */
function childEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...extra };
}

/** Starts `iac-orchestrator serve` (the real CLI entry) and waits for its "listening" log line. */
async function serve(env: Record<string, string>): Promise<{ child: ResultPromise; url: string; output: () => string }> {
  const child = execa('node', ['--import', 'tsx', cli, 'serve'], { cwd: root, env: childEnv(env), extendEnv: false, reject: false, buffer: true });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) resolve(m[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    void child.then((r) => reject(new Error(`serve exited early (${r.exitCode}): ${out}`)));
  });
  return { child, url, output: () => out };
}

describe('iac-orchestrator serve (the CLI as a child process)', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'serve-test-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('starts with the file store, answers /health and /ready, and stops cleanly on SIGTERM', async () => {
    const { child, url, output } = await serve({
      PORT: '0',
      ORCHESTRATOR_DATA_DIR: join(dir, 'data'),
      TERRAFORM_WORK_DIR: join(dir, 'tf'),
      BICEP_WORK_DIR: join(dir, 'bicep'),
      CFN_WORK_DIR: join(dir, 'cfn'),
      AWS_SECRET_ACCESS_KEY: 'serve-test-secret-value',
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(output()).toMatch(/listening on loopback only/);

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    const ready = await fetch(`${url}/ready`);
    const report = (await ready.json()) as { store: { ok: boolean }; executors: Array<{ format: string; ok: boolean }> };
    expect(report.store.ok).toBe(true);
    expect(report.executors.map((e) => e.format).sort()).toEqual(['bicep', 'cloudformation', 'terraform']);
    expect(report.executors.find((e) => e.format === 'terraform')?.ok).toBe(true);
    expect(ready.status).toBe(report.executors.every((e) => e.ok) ? 200 : 503);

    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(output()).toMatch(/"msg":"shut down"/);
    expect(output()).not.toContain('serve-test-secret-value');
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('refuses to listen beyond loopback without tokens (exit 2, says why)', async () => {
    const r = await execa('node', ['--import', 'tsx', cli, 'serve'], { cwd: root, env: childEnv({ HOST: '0.0.0.0', PORT: '0' }), extendEnv: false, reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0 without authentication/);
  });

  it('an unknown command prints the usage (exit 2)', async () => {
    const r = await execa('node', ['--import', 'tsx', cli, 'launch'], { cwd: root, env: childEnv({}), extendEnv: false, reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/Usage: iac-orchestrator serve/);
  });
});
