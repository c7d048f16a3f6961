import { afterEach, describe, expect, it } from 'vitest';
import { GitCodeSource, ValidationError, type GitCodeFetcher } from '../../src/index.js';
import { scriptedFiles } from '../../src/testing/scripted-executor.js';
import { prerequisite } from '../../../../test-support/prerequisites.js';
import { BareRepo, hasGit } from '../../../../test-support/git-repo.js';
import { harness, res, waitFor, type Harness } from '../orchestrator/helpers.js';

const ok = prerequisite('git', hasGit(), 'the git CLI is not on PATH');
let h: Harness | undefined;
let repo: BareRepo | undefined;
afterEach(async () => {
  await h?.dispose();
  await repo?.dispose();
  h = repo = undefined;
});

const input = (git: Record<string, unknown>, over: Record<string, unknown> = {}) => ({ blueprintId: 'bp-git', environment: 'dev', targetCloud: 'aws' as const, format: 'terraform' as const, options: { autoApprove: true }, source: { git } as never, ...over });

describe.skipIf(!ok)('Orchestrator.deploy with source.git (real git, scripted executor)', () => {
  it('records the commit of each ref, shows it in the history, and a rollback carries it without fetching', async () => {
    repo = await BareRepo.create();
    const c1 = await repo.commit('one', scriptedFiles({ resources: [res('a', 'one')] }));
    const c2 = await repo.commit('two', scriptedFiles({ resources: [res('a', 'two')] }));
    let fetches = 0;
    const contexts: Array<Parameters<GitCodeFetcher['fetch']>[1]> = [];
    const real = new GitCodeSource({ protocols: ['file'] });
    const gitSource: GitCodeFetcher = { fetch: async (src, ctx) => ((fetches += 1), contexts.push(ctx), real.fetch(src, ctx)) };
    h = await harness({ gitSource });
    const d1 = await waitFor(h.orch, (await h.orch.deploy(input({ url: repo.url, ref: c1 }), { id: 'alice', canApprove: false })).id);
    // The fetcher learns who asked (per-caller limits) and gets the orchestrator's masking logger.
    expect(contexts[0]).toMatchObject({ callerId: 'alice', log: expect.any(Function) });
    const d2 = await waitFor(h.orch, (await h.orch.deploy(input({ url: repo.url, ref: 'main' }))).id);
    expect(d1.source).toEqual({ git: { url: repo.url, ref: c1, path: '', commit: c1 } });
    expect(d2.source?.git.commit).toBe(c2);
    expect((await h.orch.stateHistory(d2.id)).map((v) => [v.version, v.source?.git.commit])).toEqual([[2, c2], [1, c1]]);
    const audit = await h.orch.audit({ deploymentId: d2.id });
    expect(audit.find((a) => a.action === 'deployment.create')?.detail).toMatchObject({ source: { git: { commit: c2 } } });

    const r = await h.orch.rollback(d2.id, { targetVersion: 1 });
    const rolled = await waitFor(h.orch, r.rollbackDeploymentId);
    expect(rolled).toMatchObject({ status: 'completed', bundleDigest: d1.bundleDigest, source: d1.source });
    expect(fetches).toBe(2);
  });

  it('wants exactly one code field, and refuses Git when no Git source is configured', async () => {
    h = await harness({ gitSource: null });
    const files = scriptedFiles({ resources: [] });
    await expect(h.orch.deploy(input({ url: 'https://git.example.com/r.git', ref: 'main' }, { files }))).rejects.toMatchObject({ message: 'Give only one of generationJobId, files or source (got files and source)', field: 'source' });
    await expect(h.orch.deploy(input({ url: 'https://git.example.com/r.git', ref: 'main' }, { generationJobId: 'g1' }))).rejects.toMatchObject({ field: 'source' });
    await expect(h.orch.deploy(input({ url: 'https://git.example.com/r.git', ref: 'main' }))).rejects.toThrow(/no Git code source configured/);
    await expect(h.orch.deploy(input({ url: 'https://git.example.com/r.git', ref: 'main', extra: 1 }))).rejects.toBeInstanceOf(ValidationError);
    expect((await h.orch.list()).items).toEqual([]);
  });
});

describe.skipIf(!ok)('Orchestrator.deployGroup with source.git (real git, scripted executor)', () => {
  const groupInput = (over: Record<string, unknown>) => ({ ...input({}, over), order: 'parallel' as const, targets: [{ name: 'eu', region: 'eu-west-1' }, { name: 'us', region: 'us-east-1' }] });

  it('fetches the code once for the group and records the commit on every target', async () => {
    repo = await BareRepo.create();
    const c1 = await repo.commit('one', scriptedFiles({ resources: [res('a', 'one')] }));
    let fetches = 0;
    const real = new GitCodeSource({ protocols: ['file'] });
    h = await harness({ gitSource: { fetch: async (src, ctx) => ((fetches += 1), real.fetch(src, ctx)) } });
    const group = await h.orch.deployGroup(groupInput({ source: { git: { url: repo.url, ref: 'main' } } }));
    const done = await Promise.all(group.targets.map((t) => waitFor(h!.orch, t.deploymentId)));
    expect(done.map((d) => [d.status, d.source?.git.commit])).toEqual([['completed', c1], ['completed', c1]]);
    expect(fetches).toBe(1);
  });

  it('wants exactly one code field for a group too, and stores nothing otherwise', async () => {
    h = await harness({ gitSource: null });
    const files = scriptedFiles({ resources: [] });
    await expect(h.orch.deployGroup(groupInput({ source: { git: { url: 'https://git.example.com/r.git', ref: 'main' } }, files }))).rejects.toMatchObject({ message: 'Give only one of generationJobId, files or source (got files and source)', field: 'source' });
    await expect(h.orch.deployGroup(groupInput({ source: { git: { url: 'https://git.example.com/r.git', ref: 'main' } } }))).rejects.toThrow(/no Git code source configured/);
    expect((await h.orch.list()).items).toEqual([]);
  });
});
