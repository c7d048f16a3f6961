import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeProcess } from './support/serve.js';
import { terraformAvailable } from './support/harness.js';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { BareRepo, hasGit, terraformAt } from '../../../test-support/git-repo.js';

const ok = terraformAvailable() && prerequisite('git', hasGit(), 'the git CLI is not on PATH');
const TOKEN = 'ghp_ServeConfigToken_ShouldNeverBeSeen_42';

describe.skipIf(!ok)('iac-orchestrator serve with ORCHESTRATOR_GIT_* (the CLI as a child process)', () => {
  let dir = '';
  let repo: BareRepo;
  let svc: ServeProcess | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'git-serve-test-'));
    repo = await BareRepo.create();
  });
  afterAll(async () => {
    await svc?.stop();
    await repo?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('plans code fetched from a file:// repository as configured, refuses other transports, never logs the token', async () => {
    const commit = await repo.commit('one', { 'main.tf': terraformAt('served') });
    svc = await startServe({
      PORT: '0',
      ORCHESTRATOR_EXECUTORS: 'terraform',
      ORCHESTRATOR_DATA_DIR: join(dir, 'data'),
      TERRAFORM_WORK_DIR: join(dir, 'tf'),
      ORCHESTRATOR_GIT_PROTOCOLS: 'file',
      ORCHESTRATOR_GIT_CREDENTIALS: JSON.stringify({ 'git.example.com': TOKEN }),
    });
    const post = (source: unknown) =>
      fetch(`${svc!.url}/api/deployments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ blueprintId: 'served', environment: 'dev', targetCloud: 'aws', format: 'terraform', source, options: { dryRun: true } }),
      });
    const started = await post({ git: { url: repo.url, ref: 'main' } });
    expect(started.status).toBe(202);
    const { deploymentId } = (await started.json()) as { deploymentId: string };
    type View = { status: string; source: unknown; plan: { add: number } | null; error: string | null };
    const read = async () => (await (await fetch(`${svc!.url}/api/deployments/${deploymentId}`)).json()) as View;
    let d = await read();
    while (!['planned', 'failed'].includes(d.status)) {
      await new Promise((r) => setTimeout(r, 200));
      d = await read();
    }
    expect(d.error).toBeNull();
    expect(d).toMatchObject({ status: 'planned', plan: { add: 1 }, source: { git: { url: repo.url, ref: 'main', path: '', commit } } });

    const https = await post({ git: { url: 'https://git.example.com/team/infra.git', ref: 'main' } });
    expect(https.status).toBe(400);
    expect(((await https.json()) as { error: string }).error).toBe('source.git.url: https:// URLs are not allowed by this service (allowed: file)');
    const served = svc;
    svc = undefined;
    expect(await served.stop()).toBe(0);
    expect(served.output()).toMatch(/"msg":"shut down"/);
    expect(served.output()).not.toContain(TOKEN);
    expect(served.output()).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString('base64'));
  }, 180_000);
});
