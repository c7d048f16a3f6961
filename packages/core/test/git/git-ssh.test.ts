import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BwrapSandbox, CodeSourceError, GitCodeSource, NoSandbox, resolveSandbox, ValidationError, type GitSshCredential, type Sandbox } from '../../src/index.js';
import { prepareSshHome } from '../../src/git/ssh-home.js';
import { scriptedFiles } from '../../src/testing/scripted-executor.js';
import { prerequisite } from '../../../../test-support/prerequisites.js';
import { BareRepo, hasGit } from '../../../../test-support/git-repo.js';
import { findSshd, keygen, TestSshd } from '../../../../test-support/sshd.js';
import { harness, res, waitFor, type Harness } from '../orchestrator/helpers.js';

const sshd = findSshd();
const ok = prerequisite('git', hasGit(), 'the git CLI is not on PATH') && prerequisite('sshd', sshd !== null, 'openssh-server is not installed (/usr/sbin/sshd)');

describe.skipIf(!ok)('Git sources over ssh:// with a configured key (real sshd, real git, bubblewrap)', () => {
  let server: TestSshd;
  let repo: BareRepo;
  let sandbox: Sandbox;
  let keyText: string;
  let h: Harness | undefined;
  let tmp: string;
  let keys: string;
  const cred = (over: Partial<GitSshCredential> = {}): GitSshCredential => ({ match: `127.0.0.1:${server.port}`, keyFile: server.client.privateFile, knownHosts: server.knownHostsLine, ...over });
  const input = (url: string, ref = 'main') => ({ blueprintId: 'bp-ssh', environment: 'dev', targetCloud: 'aws' as const, format: 'terraform' as const, options: { autoApprove: true }, source: { git: { url, ref } } });
  // The key's body (its base64 lines), which must never show in an error, a record or a log.
  const keyBody = () => keyText.split('\n').filter((l) => l && !l.startsWith('-----'));

  beforeAll(async () => {
    sandbox = await resolveSandbox('auto');
    prerequisite('bwrap', sandbox.kind === 'bwrap', 'bubblewrap cannot isolate here (ssh:// needs a private ~/.ssh)');
    server = await TestSshd.start(sshd!);
    keyText = await server.clientKeyText();
    repo = await BareRepo.create();
    tmp = await mkdtemp(join(tmpdir(), 'git-ssh-test-'));
    keys = await mkdtemp(join(tmpdir(), 'git-ssh-keys-'));
  });
  afterEach(async () => {
    await h?.dispose();
    h = undefined;
  });
  afterAll(async () => {
    await server?.stop();
    await repo?.dispose();
    for (const d of [tmp, keys]) if (d) await rm(d, { recursive: true, force: true });
  });

  it('deploys from ssh:// through the Orchestrator with the configured key and host key: the commit is recorded', async () => {
    const commit = await repo.commit('one', scriptedFiles({ resources: [res('a', 'over-ssh')] }));
    const git = new GitCodeSource({ protocols: ['ssh'], allowedHosts: [`127.0.0.1:${server.port}`], sshCredentials: [cred()], tmpDir: tmp });
    h = await harness({ gitSource: git, sandbox });
    const url = server.url(repo.dir);
    const d = await waitFor(h.orch, (await h.orch.deploy(input(url))).id);
    expect(d.status).toBe('completed');
    expect(d.source).toEqual({ git: { url, ref: 'main', path: '', commit } });
    // sshd let in exactly the configured key (its fingerprint), and the private copy is gone.
    const fingerprint = spawnSync('ssh-keygen', ['-l', '-f', `${server.client.privateFile}.pub`], { encoding: 'utf8' }).stdout.split(' ')[1]!;
    expect(server.output()).toMatch(new RegExp(`Accepted publickey for ${server.user} from 127\\.0\\.0\\.1 .* ${fingerprint.replace(/[+/]/g, '\\$&')}`));
    expect(await readdir(tmp)).toEqual([]);
    const recorded = JSON.stringify([d, await h.orch.audit({ deploymentId: d.id }), await h.orch.stateHistory(d.id)]);
    for (const line of keyBody()) expect(recorded).not.toContain(line);
  });

  it('refuses a host whose key is not the configured one (no fallback), and never shows the key', async () => {
    const other = keygen(keys, 'other_host');
    const wrong = `[127.0.0.1]:${server.port} ${other.publicLine.split(' ').slice(0, 2).join(' ')}`;
    const git = new GitCodeSource({ protocols: ['ssh'], allowedHosts: [`127.0.0.1:${server.port}`], sshCredentials: [cred({ knownHosts: wrong })], tmpDir: tmp });
    const before = (server.output().match(/Accepted publickey/g) ?? []).length;
    const err = await git.fetch({ url: server.url(repo.dir), ref: 'main' }, { sandbox }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodeSourceError);
    expect(err).toMatchObject({ details: { reason: 'host_key' } });
    expect((err as Error).message).toMatch(/Host key verification failed/);
    expect((server.output().match(/Accepted publickey/g) ?? []).length).toBe(before);
    const shown = JSON.stringify({ m: (err as Error).message, d: (err as CodeSourceError).details, s: (err as Error).stack });
    for (const line of keyBody()) expect(shown).not.toContain(line);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('refuses ssh:// without a key configured for that host or port, and without an isolating sandbox', async () => {
    const url = server.url(repo.dir);
    const none = new GitCodeSource({ protocols: ['ssh'], allowedHosts: [`127.0.0.1:${server.port}`], tmpDir: tmp });
    await expect(none.fetch({ url, ref: 'main' }, { sandbox })).rejects.toThrow(ValidationError);
    await expect(none.fetch({ url, ref: 'main' }, { sandbox })).rejects.toThrow(`no ssh key configured for 127.0.0.1:${server.port}`);
    const otherPort = new GitCodeSource({ protocols: ['ssh'], allowedHosts: [`127.0.0.1:${server.port}`], sshCredentials: [cred({ match: '127.0.0.1' })], tmpDir: tmp });
    await expect(otherPort.fetch({ url, ref: 'main' }, { sandbox })).rejects.toThrow(/no ssh key configured/);
    const unsandboxed = new GitCodeSource({ protocols: ['ssh'], allowedHosts: [`127.0.0.1:${server.port}`], sshCredentials: [cred()], tmpDir: tmp });
    await expect(unsandboxed.fetch({ url, ref: 'main' }, { sandbox: new NoSandbox() })).rejects.toThrow(/needs an isolating sandbox/);
    for (const keyFile of [keys, '/dev/zero', join(keys, 'missing')]) {
      const bad = new GitCodeSource({ protocols: ['ssh'], allowedHosts: [`127.0.0.1:${server.port}`], sshCredentials: [cred({ keyFile })], tmpDir: tmp });
      await expect(bad.fetch({ url, ref: 'main' }, { sandbox }), keyFile).rejects.toMatchObject({ code: 'CODE_SOURCE', details: { reason: 'credentials' }, message: expect.stringMatching(/ssh key file configured for .* cannot be used/) });
    }
    expect(await readdir(tmp)).toEqual([]);
  });

  it('fails cleanly when the key is not the authorized one, naming no key content', async () => {
    const stranger = keygen(keys, 'stranger');
    const git = new GitCodeSource({ protocols: ['ssh'], allowedHosts: [`127.0.0.1:${server.port}`], sshCredentials: [cred({ keyFile: stranger.privateFile })], tmpDir: tmp });
    const err = await git.fetch({ url: server.url(repo.dir), ref: 'main' }, { sandbox }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodeSourceError);
    expect(err).toMatchObject({ details: { reason: 'auth' } });
    expect((err as Error).message).toMatch(/Permission denied \(publickey\)/);
    const strangerText = spawnSync('cat', [stranger.privateFile], { encoding: 'utf8' }).stdout;
    for (const line of strangerText.split('\n').filter((l) => l && !l.startsWith('-----'))) expect((err as Error).message).not.toContain(line);
    expect(await readdir(tmp)).toEqual([]);
  });

  it("ssh inside the sandbox reads only the private ~/.ssh: this key, these host keys, batch mode, no agent", async () => {
    const dir = await mkdtemp(join(keys, 'home-'));
    const binds = await prepareSshHome({ url: server.url(repo.dir), host: '127.0.0.1', credentials: [cred()], sandbox, dir });
    const wrapped = sandbox.wrap({ command: 'ssh', args: ['-G', '-p', String(server.port), '127.0.0.1'], cwd: '/tmp', env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent' }, writablePaths: [], readablePaths: [], binds });
    const r = spawnSync(wrapped.command, wrapped.args, { env: wrapped.env, cwd: wrapped.cwd, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const home = (sandbox as BwrapSandbox).userHome;
    expect(lines.filter((l) => l.startsWith('identityfile '))).toEqual([`identityfile ${home}/.ssh/id`]);
    expect(lines).toEqual(expect.arrayContaining(['identitiesonly yes', 'batchmode yes', 'stricthostkeychecking true', `userknownhostsfile ${home}/.ssh/known_hosts`, 'globalknownhostsfile /dev/null', 'identityagent none']));
    await rm(dir, { recursive: true, force: true });
  });

  it('pinned to a checked address, ssh connects there and still checks the host key under the URL\'s host', async () => {
    const dir = await mkdtemp(join(keys, 'pin-'));
    const url = `ssh://${server.user}@pinned.invalid:${server.port}${repo.dir}`;
    const hosts = server.knownHostsLine.replace('[127.0.0.1]', '[pinned.invalid]');
    const binds = await prepareSshHome({ url, host: 'pinned.invalid', credentials: [cred({ match: `pinned.invalid:${server.port}`, knownHosts: hosts })], sandbox, dir, pinAddress: '127.0.0.1' });
    const wrapped = sandbox.wrap({ command: 'ssh', args: ['-G', '-p', String(server.port), 'pinned.invalid'], cwd: '/tmp', env: { PATH: '/usr/bin:/bin' }, writablePaths: [], readablePaths: [], binds });
    const out = spawnSync(wrapped.command, wrapped.args, { env: wrapped.env, cwd: wrapped.cwd, encoding: 'utf8' }).stdout.split('\n');
    expect(out).toEqual(expect.arrayContaining(['hostname 127.0.0.1', `hostkeyalias [pinned.invalid]:${server.port}`]));
    // The real connection: the name resolves nowhere (.invalid), so only the pin reaches sshd; host key found under [pinned.invalid]:port.
    const clone = sandbox.wrap({ command: 'git', args: ['ls-remote', '--', url, 'main'], cwd: '/tmp', env: { PATH: '/usr/bin:/bin', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' }, writablePaths: [], readablePaths: [], binds });
    const r = spawnSync(clone.command, clone.args, { env: clone.env, cwd: clone.cwd, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f]{40}\trefs\/heads\/main/);
    await expect(prepareSshHome({ url, host: 'pinned.invalid', credentials: [cred({ match: 'pinned.invalid' })], sandbox, dir: await mkdtemp(join(keys, 'pin-')), pinAddress: 'evil; ProxyCommand x' }).catch((e: unknown) => e)).resolves.toBeInstanceOf(Error);
    await rm(dir, { recursive: true, force: true });
  });
});
