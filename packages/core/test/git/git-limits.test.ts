import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CodeSourceError, GitCodeSource, ValidationError, resolveSandbox } from '../../src/index.js';
import { findCommand, prerequisite } from '../../../../test-support/prerequisites.js';
import { BareRepo, hasGit, terraformAt } from '../../../../test-support/git-repo.js';
import { writeBombPack } from '../../../../test-support/git-bomb.js';

const ok = prerequisite('git', hasGit(), 'the git CLI is not on PATH') && prerequisite('prlimit', findCommand('prlimit') !== null, 'prlimit (util-linux) is not on PATH');

describe.skipIf(!ok)('GitCodeSource under memory and CPU limits (real git, real sandbox)', () => {
  it('a few-KB pack that inflates to hundreds of MiB fails cleanly as too large, within the per-process limit', async () => {
    const repo = await BareRepo.create();
    try {
      await writeBombPack(repo, { count: 4, blobBytes: 200 * 1024 * 1024 });
      const sandbox = await resolveSandbox('auto');
      const git = new GitCodeSource({ protocols: ['file'], maxMemoryBytes: 128 * 1024 * 1024, maxCpuSeconds: 20 });
      const err = await git.fetch({ url: repo.url, ref: 'main' }, { sandbox }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CodeSourceError);
      expect(err).toMatchObject({ code: 'CODE_SOURCE', upstream: false, details: { reason: 'too_large' } });
      expect((err as Error).message).toBe(`Failed to fetch code from Git: ${repo.url}@main needs more memory or CPU to unpack than this service allows a fetch (134217728 bytes, 20 CPU seconds per git process)`);
    } finally {
      await repo.dispose();
    }
  }, 120_000);

  it('the same kind of pack, small, is fetched normally under the limits (the crafted pack is a valid one)', async () => {
    const repo = await BareRepo.create();
    try {
      const commit = await writeBombPack(repo, { count: 2, blobBytes: 64 * 1024 });
      const git = new GitCodeSource({ protocols: ['file'], maxMemoryBytes: 128 * 1024 * 1024 });
      const r = await git.fetch({ url: repo.url, ref: 'main' }, { sandbox: await resolveSandbox('auto') });
      expect(r.commit).toBe(commit);
      expect(Object.keys(r.files).sort()).toEqual(['main.tf', 'z0.bin', 'z1.bin']);
      expect(r.files['z1.bin']).toHaveLength(64 * 1024 + 1);
    } finally {
      await repo.dispose();
    }
  });

  it('leaves blobs over the file limit on a server that filters: a repository with big files elsewhere fits, one in path is refused', async () => {
    const repo = await BareRepo.create();
    try {
      const commit = await repo.commit('one', { 'infra/main.tf': terraformAt('one'), 'assets/video.bin': randomBytes(3 * 1024 * 1024).toString('base64'), 'infra/big.json': randomBytes(1536 * 1024).toString('base64') });
      const git = new GitCodeSource({ protocols: ['file'], maxFetchBytes: 1024 * 1024 });
      const sandbox = await resolveSandbox('auto');
      // A server without filter support sends everything: over maxFetchBytes.
      await expect(git.fetch({ url: repo.url, ref: 'main', path: 'infra' }, { sandbox })).rejects.toMatchObject({ details: { reason: 'too_large' } });
      repo.git(repo.dir, 'config', 'uploadpack.allowFilter', 'true');
      const err = await git.fetch({ url: repo.url, ref: 'main', path: 'infra' }, { sandbox }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toBe('File "big.json" is larger than 1048576 bytes');
      await repo.commit('two', { 'infra/big.json': null });
      const r = await git.fetch({ url: repo.url, ref: 'main', path: 'infra' }, { sandbox });
      expect(r.commit).not.toBe(commit);
      expect(Object.keys(r.files)).toEqual(['main.tf']);
    } finally {
      await repo.dispose();
    }
  });
});
