import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodeSourceError, ValidationError } from '../errors.js';
import { Redactor } from '../redaction.js';
import type { GitSource } from '../types/deploy-source.js';
import type { FetchedGitCode, GitCodeFetcher } from '../types/code-source.js';
import type { Sandbox } from '../types/sandbox.js';
import { chooseCredential, credentialPrefix, type GitCredential } from './git-credentials.js';
import { gitEnv } from './git-env.js';
import { runGit, type GitResult } from './git-process.js';
import { parseBatch, pickTreeFiles } from './git-tree.js';
import { checkGitUrl, gitSourcePath, type GitProtocol } from './git-url.js';
import { dirBytes } from './dir-bytes.js';
import { FetchSlots } from './fetch-slots.js';
import type { GitSshCredential } from './ssh-credentials.js';
import { prepareSshHome } from './ssh-home.js';
import { throwSshFailure } from './ssh-failure.js';

/** Options of {@link GitCodeSource}; the service fills them from `ORCHESTRATOR_GIT_*`. */
export interface GitCodeSourceOptions {
  /** The git binary: a path or a name on PATH. Default `git`. */
  binary?: string;
  /** Transports accepted. Default `https`, `ssh`. `file` lets callers deploy any repository this
   * machine's service user can read; `http` is cleartext. */
  protocols?: readonly GitProtocol[];
  /** https tokens by URL prefix or host (never from a request). */
  credentials?: readonly GitCredential[];
  /** ssh keys and trusted host keys by host or ssh URL prefix (never from a request). An ssh:// URL without
   * one is refused; with one, ssh runs with a private `~/.ssh` bound in the sandbox (see `prepareSshHome`). */
  sshCredentials?: readonly GitSshCredential[];
  /** Bound on the whole fetch (init, fetch, read), ms. Default 60 s. */
  timeoutMs?: number;
  /** Most bytes the fetched repository may take on disk before git is stopped. Default 64 MiB. */
  maxFetchBytes?: number;
  /** Where the temporary clones go (each removed after use). Default the OS temp dir. */
  tmpDir?: string;
  /** Fetches at once; more wait for a slot (the wait counts against `timeoutMs`). Default 4. */
  maxConcurrentFetches?: number;
}

const PREFIX = 'Failed to fetch code from Git';

/**
 * Fetches one commit of a Git repository with the real git CLI, shallowly (`fetch --depth 1` of the ref
 * into an empty repository: branch, tag or full commit SHA), inside the orchestrator's sandbox, and reads
 * the regular files of `path` from git's object store (`ls-tree` + `cat-file`): nothing of the repository
 * is checked out, so no filter, hook or symlink of it ever acts on this machine. The temporary clone is
 * removed afterwards; the whole fetch is bounded in time and size.
 */
export class GitCodeSource implements GitCodeFetcher {
  private readonly protocols: readonly GitProtocol[];
  private readonly credentials: readonly GitCredential[];
  private readonly redactor = new Redactor();
  private readonly slots: FetchSlots;

  constructor(private readonly opts: GitCodeSourceOptions = {}) {
    this.protocols = opts.protocols ?? ['https', 'ssh'];
    this.credentials = opts.credentials ?? [];
    this.slots = new FetchSlots(opts.maxConcurrentFetches ?? 4);
    for (const c of this.credentials) for (const s of chooseCredential(credentialPrefix(c.match), [c])?.secrets ?? [c.token]) this.redactor.add(s);
  }

  secretValues(): string[] {
    return this.credentials.flatMap((c) => chooseCredential(credentialPrefix(c.match), [c])?.secrets ?? [c.token]);
  }

  async fetch(source: GitSource, ctx: { sandbox: Sandbox; signal?: AbortSignal }): Promise<FetchedGitCode> {
    const checked = checkGitUrl(source.url, this.protocols);
    const path = gitSourcePath(source.path);
    const where = `${source.url}@${source.ref}`;
    const timeoutMs = this.opts.timeoutMs ?? 60_000;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, timeout.signal]) : timeout.signal;
    const release = await this.slots.acquire(signal).catch(() => {
      clearTimeout(timer);
      if (ctx.signal?.aborted) throw ctx.signal.reason;
      throw new CodeSourceError(`${PREFIX}: no fetch slot was free within ${timeoutMs} ms (too many Git fetches at once)`, true, { reason: 'timeout' });
    });
    let tmp: string;
    try {
      tmp = await mkdtemp(join(this.opts.tmpDir ?? tmpdir(), 'iac-git-'));
    } catch (e) {
      clearTimeout(timer);
      release();
      throw e;
    }
    try {
      const home = join(tmp, 'home');
      const repo = join(tmp, 'repo');
      await mkdir(home, { mode: 0o700 });
      await mkdir(repo, { mode: 0o700 });
      const binds = checked.protocol === 'ssh' ? await prepareSshHome({ url: checked.url, host: new URL(checked.url).host, credentials: this.opts.sshCredentials ?? [], sandbox: ctx.sandbox, dir: tmp }) : undefined;
      const env = gitEnv({ home, protocols: this.protocols, credential: chooseCredential(checked.url, this.credentials) });
      const git = (args: string[], more: { input?: string; maxStdoutBytes?: number; signal?: AbortSignal } = {}) =>
        runGit({ binary: this.opts.binary ?? 'git', args, cwd: repo, env, sandbox: ctx.sandbox, writablePaths: [tmp], readablePaths: checked.filePath ? [checked.filePath] : [], ...(binds ? { binds } : {}), maxStdoutBytes: more.maxStdoutBytes ?? 1024 * 1024, signal: more.signal ?? signal, ...(more.input !== undefined ? { input: more.input } : {}) });
      const fail = (r: GitResult, what: string): never => {
        if (ctx.signal?.aborted) throw ctx.signal.reason;
        if (timeout.signal.aborted) throw new CodeSourceError(`${PREFIX}: ${where} did not answer within ${timeoutMs} ms`, true, { reason: 'timeout' });
        throw new CodeSourceError(`${PREFIX}: ${what}${r.stderr.trim() ? `: ${this.lastLines(r.stderr)}` : ''}`, true, { reason: 'upstream' });
      };

      const init = await git(['init', '--quiet', '.']);
      if (init.exitCode !== 0) fail(init, 'could not prepare a repository');
      const fetched = await this.fetchRef(git, checked.url, source.ref, tmp, signal);
      if (fetched.exitCode !== 0) {
        if (fetched.overflow || fetched.stderr === TOO_LARGE) throw new CodeSourceError(`${PREFIX}: ${where} is larger than ${this.maxFetchBytes()} bytes`, false, { reason: 'too_large' });
        if (/couldn't find remote ref|not our ref|unadvertised object|no such remote ref|Invalid refspec/i.test(fetched.stderr)) {
          throw new CodeSourceError(`${PREFIX}: ref "${source.ref}" not found in ${source.url}`, false, { reason: 'ref_not_found' });
        }
        if (checked.protocol === 'ssh') throwSshFailure(fetched.stderr, where);
        fail(fetched, `could not fetch ${where}`);
      }
      const rev = await git(['rev-parse', '--verify', '--end-of-options', 'FETCH_HEAD^{commit}']);
      const commit = rev.stdout.toString('utf8').trim();
      if (rev.exitCode !== 0 || !/^[0-9a-f]{40,64}$/.test(commit)) fail(rev, `${where} is not a commit`);
      const listing = await git(['ls-tree', '-r', '-z', '--long', '--end-of-options', path ? `${commit}:${path}` : commit]);
      if (listing.overflow) throw new ValidationError(`source.git: ${path || 'the repository root'} lists more files than a bundle may hold (name a sub-directory in source.git.path)`, 'source.git.path');
      if (listing.exitCode !== 0) {
        if (listing.aborted) fail(listing, 'listing files');
        throw new CodeSourceError(`${PREFIX}: path "${path}" is not a directory of ${source.url} at ${commit}`, false, { reason: 'path_not_found' });
      }
      const { files, skipped } = pickTreeFiles(listing.stdout);
      if (files.length === 0) throw new ValidationError(`source.git: ${path || 'the repository root'} holds no files at ${commit}`, 'source.git.path');
      const total = files.reduce((n, f) => n + f.size + f.oid.length + 64, 0);
      const blobs = await git(['cat-file', '--batch'], { input: files.map((f) => f.oid).join('\n') + '\n', maxStdoutBytes: total });
      if (blobs.exitCode !== 0) fail(blobs, 'reading files');
      const notes = [
        ...skipped.symlinks.map((p) => `skipped symlink ${p} (symlinks are never followed)`),
        ...skipped.submodules.map((p) => `skipped submodule ${p} (submodules are not fetched)`),
      ];
      return { files: parseBatch(blobs.stdout, files), commit, path, notes };
    } finally {
      clearTimeout(timer);
      await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      release();
    }
  }

  /** `git fetch --depth 1 -- <url> <ref>`, stopped when the clone grows past {@link maxFetchBytes}. */
  private async fetchRef(git: (args: string[], more?: { signal?: AbortSignal; maxStdoutBytes?: number }) => Promise<GitResult>, url: string, ref: string, dir: string, signal: AbortSignal): Promise<GitResult> {
    const tooLarge = new AbortController();
    const max = this.maxFetchBytes();
    const watch = setInterval(() => {
      void dirBytes(dir, max).then((n) => {
        if (n > max) tooLarge.abort();
      });
    }, 250);
    try {
      const r = await git(['fetch', '--quiet', '--depth', '1', '--no-tags', '--no-recurse-submodules', '--', url, ref], { signal: AbortSignal.any([signal, tooLarge.signal]) });
      // The watchdog bounds a fetch while it runs; this check also catches one that finished between two looks.
      if (tooLarge.signal.aborted || (r.exitCode === 0 && (await dirBytes(dir, max)) > max)) return { ...r, exitCode: r.exitCode || 1, stderr: TOO_LARGE };
      return r;
    } finally {
      clearInterval(watch);
    }
  }

  private maxFetchBytes(): number {
    return this.opts.maxFetchBytes ?? 64 * 1024 * 1024;
  }

  /** git's stderr, last lines only, with every credential masked. */
  private lastLines(stderr: string): string {
    return this.redactor.redact(stderr.trim().split('\n').slice(-3).join(' ').slice(0, 500));
  }
}

const TOO_LARGE = '\0too-large';
