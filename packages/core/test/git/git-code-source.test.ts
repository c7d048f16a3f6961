import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeSourceError, GitCodeSource, NoSandbox, resolveSandbox, ValidationError, type Sandbox } from '../../src/index.js';
import { prerequisite } from '../../../../test-support/prerequisites.js';
import { BareRepo, hasGit, terraformAt } from '../../../../test-support/git-repo.js';

const ok = prerequisite('git', hasGit(), 'the git CLI is not on PATH');

describe.skipIf(!ok)('GitCodeSource with the real git CLI', () => {
  let repo: BareRepo;
  let first: string;
  let second: string;
  let sandbox: Sandbox;
  const git = new GitCodeSource({ protocols: ['file'] });

  beforeAll(async () => {
    repo = await BareRepo.create();
    first = await repo.commit('one', { 'README.md': 'docs', 'infra/main.tf': terraformAt('one'), 'infra/passwd.tf': { symlink: '/etc/passwd' }, 'infra/.github/x.yml': 'a: 1' });
    second = await repo.commit('two', { 'infra/main.tf': terraformAt('two') });
    repo.tag('v2', second);
    sandbox = await resolveSandbox('auto');
  });
  afterAll(async () => repo?.dispose());

  it('fetches a branch, a tag and a full commit SHA, each at its own commit', async () => {
    const branch = await git.fetch({ url: repo.url, ref: 'main', path: 'infra' }, { sandbox });
    expect(branch.commit).toBe(second);
    expect(branch.files['main.tf']).toContain('terraform_data" "two"');
    const tag = await git.fetch({ url: repo.url, ref: 'v2', path: 'infra' }, { sandbox });
    expect(tag.commit).toBe(second);
    const sha = await git.fetch({ url: repo.url, ref: first, path: 'infra' }, { sandbox });
    expect(sha.commit).toBe(first);
    expect(sha.files['main.tf']).toContain('terraform_data" "one"');
    const root = await git.fetch({ url: repo.url, ref: first }, { sandbox: new NoSandbox() });
    expect(Object.keys(root.files).sort()).toEqual(['README.md', 'infra/main.tf']);
  });

  it('never reads what a symlink in the repository points to, in or out of a sandbox', async () => {
    for (const sb of [sandbox, new NoSandbox()]) {
      const r = await git.fetch({ url: repo.url, ref: first, path: 'infra' }, { sandbox: sb });
      expect(Object.keys(r.files)).toEqual(['main.tf']);
      expect(JSON.stringify(r.files)).not.toMatch(/root:.*:0:0:/);
      expect(r.notes).toEqual(['skipped symlink passwd.tf (symlinks are never followed)']);
    }
  });

  it('refuses dangerous URLs and paths before running git', async () => {
    const bad = ['ext::sh -c touch% /tmp/pwned', 'fd::3', 'example.com:org/repo.git', '-uupload-pack=touch /tmp/x', 'https://user:tok3n@example.com/r.git', `file://${repo.dir}/../x`, '/etc'];
    const all = new GitCodeSource({ protocols: ['https', 'ssh', 'file'] });
    for (const url of bad) await expect(all.fetch({ url, ref: 'main' }, { sandbox }), url).rejects.toBeInstanceOf(ValidationError);
    await expect(new GitCodeSource().fetch({ url: repo.url, ref: 'main' }, { sandbox }), 'file:// is opt-in').rejects.toThrow(/file:\/\/ URLs are not allowed/);
    await expect(git.fetch({ url: repo.url, ref: 'main', path: '../etc' }, { sandbox })).rejects.toBeInstanceOf(ValidationError);
  });

  it('fails clearly for a missing ref or path', async () => {
    await expect(git.fetch({ url: repo.url, ref: 'no-such-branch' }, { sandbox })).rejects.toMatchObject({ code: 'CODE_SOURCE', message: expect.stringMatching(/ref "no-such-branch" not found/) });
    await expect(git.fetch({ url: repo.url, ref: 'main', path: 'nope' }, { sandbox })).rejects.toBeInstanceOf(CodeSourceError);
  });

  it('never shows a configured token, even when git fails with it', async () => {
    const token = 'ghp_SuperSecretToken1234567890';
    const https = new GitCodeSource({ protocols: ['https'], allowedHosts: ['127.0.0.1'], credentials: [{ match: '127.0.0.1:9', token }], timeoutMs: 20_000 });
    const err = await https.fetch({ url: 'https://127.0.0.1:9/org/repo.git', ref: 'main' }, { sandbox }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodeSourceError);
    expect(JSON.stringify({ m: (err as Error).message, d: (err as CodeSourceError).details })).not.toContain(token);
    expect(https.secretValues()).toContain(token);
  });
});

describe.skipIf(!ok)('GitCodeSource bounds', () => {
  it('stops a fetch that outgrows maxFetchBytes, and one that outlasts timeoutMs, removing its clone', async () => {
    const tmpDir = await mkdtemp(join(tmpdir(), 'git-bounds-'));
    const repo = await BareRepo.create();
    try {
      await repo.commit('big', { 'main.tf': terraformAt('big'), 'blob.txt': randomBytes(512 * 1024).toString('base64') });
      const small = new GitCodeSource({ protocols: ['file'], maxFetchBytes: 64 * 1024, tmpDir });
      await expect(small.fetch({ url: repo.url, ref: 'main' }, { sandbox: new NoSandbox() })).rejects.toMatchObject({ code: 'CODE_SOURCE', details: { reason: 'too_large' } });

      // A server that accepts the request and never answers.
      const silent = createServer(() => undefined);
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const port = (silent.address() as { port: number }).port;
      const slow = new GitCodeSource({ protocols: ['http'], allowedHosts: ['127.0.0.1'], timeoutMs: 1500, tmpDir });
      await expect(slow.fetch({ url: `http://127.0.0.1:${port}/r.git`, ref: 'main' }, { sandbox: new NoSandbox() })).rejects.toMatchObject({ code: 'CODE_SOURCE', details: { reason: 'timeout' } });
      silent.closeAllConnections();
      silent.close();
      expect(await readdir(tmpDir)).toEqual([]);
    } finally {
      await repo.dispose();
    }
  });
});
