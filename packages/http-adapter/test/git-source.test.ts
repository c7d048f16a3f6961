import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitCodeSource, type FetchedGitCode, type GitCodeFetcher } from '@iac-orchestrator/core';
import { ApiHarness, deployBody, terraformAvailable } from './support/harness.js';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { BareRepo, hasGit, terraformAt } from '../../../test-support/git-repo.js';

const ok = terraformAvailable() && prerequisite('git', hasGit(), 'the git CLI is not on PATH');
const TOKEN = 'ghp_GitTokenThatMustNeverShow_0123456789';

/** The real GitCodeSource, counting the fetches that brought code (a rollback must not fetch). */
class CountingGit implements GitCodeFetcher {
  fetches = 0;
  constructor(private readonly inner: GitCodeSource) {}
  async fetch(...args: Parameters<GitCodeFetcher['fetch']>): Promise<FetchedGitCode> {
    const code = await this.inner.fetch(...args);
    this.fetches++;
    return code;
  }
  secretValues(): string[] {
    return this.inner.secretValues();
  }
}

describe.skipIf(!ok)('deploying from a Git repository through REST, with real git and terraform', () => {
  const api = new ApiHarness();
  let repo: BareRepo;
  const git = new CountingGit(new GitCodeSource({ protocols: ['file', 'https', 'ssh', 'http'], allowedHosts: ['127.0.0.1'], credentials: [{ match: 'http://127.0.0.1:9/', token: TOKEN }], timeoutMs: 30_000 }));
  let commit1 = '';
  let commit2 = '';
  let first = '';
  let second = '';
  const gitBody = (git: Record<string, unknown>, over: Record<string, unknown> = {}) => deployBody({ blueprintId: 'gitops-web', source: { git }, ...over });
  const count = async () => (await api.call('GET', '/api/deployments?limit=100', { role: 'viewer' })).body.deployments.length;

  beforeAll(async () => {
    repo = await BareRepo.create();
    commit1 = await repo.commit('one', { 'README.md': '# infra', 'infra/main.tf': terraformAt('one'), 'infra/passwd.tf': { symlink: '/etc/passwd' } });
    await api.start({ orchestrator: { gitSource: git } });
  });
  afterAll(async () => {
    await api.stop();
    await repo?.dispose();
  });

  it('deploys a branch and records the commit it resolved to', async () => {
    const r = await api.call('POST', '/api/deployments', { role: 'deployer', body: gitBody({ url: repo.url, ref: 'main', path: 'infra' }) });
    expect(r.status).toBe(202);
    first = r.body.deploymentId;
    const d = await api.waitForStatus(first, ['completed', 'failed']);
    expect(d.error).toBeNull();
    expect(d.status).toBe('completed');
    expect(d.source).toEqual({ git: { url: repo.url, ref: 'main', path: 'infra', commit: commit1 } });
    expect(d.outputs).toEqual({ version: 'one' });
    // The symlink to /etc/passwd was skipped, never read: terraform saw main.tf only.
    const bundle = await api.orchestrator.store.getBundle(d.bundleDigest);
    expect(Object.keys(bundle!.files)).toEqual(['main.tf']);
    expect(JSON.stringify(bundle)).not.toMatch(/root:.*:0:0:/);
  });

  it('deploys a tag at the second commit; status and history show each version\'s commit', async () => {
    commit2 = await repo.commit('two', { 'infra/main.tf': terraformAt('two') });
    repo.tag('v2', commit2);
    const r = await api.call('POST', '/api/deployments', { role: 'deployer', body: gitBody({ url: repo.url, ref: 'v2', path: 'infra' }) });
    expect(r.status).toBe(202);
    second = r.body.deploymentId;
    const d = await api.waitForStatus(second, ['completed', 'failed']);
    expect(d).toMatchObject({ status: 'completed', outputs: { version: 'two' }, source: { git: { ref: 'v2', commit: commit2 } } });
    const history = await api.call('GET', `/api/deployments/${second}/state/history`, { role: 'viewer' });
    expect(history.status).toBe(200);
    expect(history.body.versions.map((v: { version: number; source: { git: { commit: string } } }) => [v.version, v.source.git.commit])).toEqual([
      [2, commit2],
      [1, commit1],
    ]);
    const list = await api.call('GET', '/api/deployments?blueprintId=gitops-web', { role: 'viewer' });
    expect(list.body.deployments.find((x: { id: string }) => x.id === second).source.git.commit).toBe(commit2);
  });

  it('rolls back to the first version with commit 1\'s stored code, without fetching (the repository is gone)', async () => {
    const fetchesBefore = git.fetches;
    await repo.dispose();
    const r = await api.call('POST', `/api/deployments/${second}/rollback`, { role: 'deployer', body: { targetVersion: 1, reason: 'back to one' } });
    expect(r.status).toBe(202);
    const d = await api.waitForStatus(r.body.rollbackDeploymentId, ['completed', 'failed']);
    expect(d.error).toBeNull();
    expect(d).toMatchObject({ status: 'completed', operation: 'rollback', outputs: { version: 'one' }, source: { git: { url: repo.url, ref: 'main', path: 'infra', commit: commit1 } } });
    expect(git.fetches).toBe(fetchesBefore);
    const history = await api.call('GET', `/api/deployments/${second}/state/history`, { role: 'viewer' });
    expect(history.body.versions[0]).toMatchObject({ version: 3, reason: 'rollback', source: { git: { commit: commit1 } } });
  });

  it('answers 400 for refused URLs, paths and ambiguous requests, and stores nothing', async () => {
    const before = await count();
    const fetchesBefore = git.fetches;
    const bad: Array<[Record<string, unknown>, RegExp, string]> = [
      [{ url: 'ext::sh -c touch% /tmp/pwned', ref: 'main' }, /ext::/, 'source.git.url'],
      [{ url: 'fd::3', ref: 'main' }, /must be an/, 'source.git.url'],
      [{ url: 'git.example.com:org/infra.git', ref: 'main' }, /scp-like/, 'source.git.url'],
      [{ url: '-uupload-pack=touch /tmp/x', ref: 'main' }, /must not start with "-"/, 'source.git.url'],
      [{ url: `https://ci:${TOKEN}@git.example.com/infra.git`, ref: 'main' }, /credentials come from the service configuration/, 'source.git.url'],
      [{ url: 'http://localhost:9/org/infra.git', ref: 'main' }, /host localhost is not one this service fetches from \(ORCHESTRATOR_GIT_ALLOWED_HOSTS\)/, 'source.git.url'],
      [{ url: 'http://127.0.0.1:9\\@evil.example/org/infra.git', ref: 'main' }, /must not contain "\\"/, 'source.git.url'],
      [{ url: 'http://127.0.0.1:9/org/..%2fother/infra.git', ref: 'main' }, /must not encode/, 'source.git.url'],
      [{ url: repo.url, ref: '--upload-pack=x' }, /ref must be/, 'source.git.ref'],
      [{ url: repo.url, ref: 'main', path: '../../etc' }, /path must be a relative directory/, 'source.git.path'],
      [{ url: repo.url, ref: 'main', path: '/etc' }, /path must be a relative directory/, 'source.git.path'],
    ];
    for (const [g, message, field] of bad) {
      const r = await api.call('POST', '/api/deployments', { role: 'deployer', body: gitBody(g) });
      expect(r.status, JSON.stringify(g)).toBe(400);
      expect(r.body.error).toMatch(message);
      expect(r.body.field).toBe(field);
      expect(JSON.stringify(r.body)).not.toContain(TOKEN);
    }
    const both = await api.call('POST', '/api/deployments', { role: 'deployer', body: gitBody({ url: repo.url, ref: 'main' }, { files: { 'main.tf': terraformAt('x') } }) });
    expect(both).toMatchObject({ status: 400, body: { error: 'Give only one of generationJobId, files or source (got files and source)', field: 'source' } });
    expect(git.fetches).toBe(fetchesBefore);
    expect(await count()).toBe(before);
  });

  it('a missing ref is a clean 422, an unreachable repository a 502 that never shows the configured token', async () => {
    const before = await count();
    const other = await BareRepo.create();
    try {
      await other.commit('c', { 'main.tf': terraformAt('c') });
      const missing = await api.call('POST', '/api/deployments', { role: 'deployer', body: gitBody({ url: other.url, ref: 'no-such-branch' }) });
      expect(missing).toMatchObject({ status: 422, body: { error: `Failed to fetch code from Git: ref "no-such-branch" not found in ${other.url}` } });
    } finally {
      await other.dispose();
    }
    const down = await api.call('POST', '/api/deployments', { role: 'deployer', body: gitBody({ url: 'http://127.0.0.1:9/org/infra.git', ref: 'main' }) });
    expect(down.status).toBe(502);
    expect(down.body.error).toMatch(/^Failed to fetch code from Git: could not fetch/);
    expect(down.body.error).not.toMatch(/Failed to connect|Couldn't connect|unable to access/);
    expect(JSON.stringify(down.body)).not.toContain(TOKEN);
    expect(JSON.stringify(down.body)).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString('base64'));
    expect(await count()).toBe(before);
  });
});
