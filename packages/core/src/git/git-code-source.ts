import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodeSourceError, ExecutorUnavailableError, ValidationError } from '../errors.js';
import { Redactor } from '../redaction.js';
import type { GitSource } from '../types/deploy-source.js';
import type { FetchedGitCode, GitCodeFetcher, GitFetchContext } from '../types/code-source.js';
import { findExecutable, toolPaths } from '../sandbox/tool-paths.js';
import { chooseCredential, credentialPrefix, type GitCredential } from './git-credentials.js';
import { gitEnv } from './git-env.js';
import { runGit, type GitResult } from './git-process.js';
import { parseBatch, pickTreeFiles } from './git-tree.js';
import { checkGitUrl, gitSourcePath, type GitProtocol } from './git-url.js';
import { checkGitDestination, type HostResolver } from './git-hosts.js';
import { cappedNotes, fetchFailed, hitResourceLimit, PREFIX } from './git-failure.js';
import { dirBytes } from './dir-bytes.js';
import { endPartialClone, makePartialClone, withOrigin } from './partial-clone.js';
import { BUNDLE_LIMITS } from '../stack.js';
import { CallerFetchSlots, FetchSlots } from './fetch-slots.js';
import type { GitSshCredential } from './ssh-credentials.js';
import { prepareSshHome } from './ssh-home.js';
import { throwSshFailure } from './ssh-failure.js';

/** Options of {@link GitCodeSource}; the service fills them from `ORCHESTRATOR_GIT_*`. */
export interface GitCodeSourceOptions {
  /** The git binary: a path or a name on PATH. Default `git`. */
  binary?: string;
  /** Transports accepted. Default `https` only. `ssh` needs an isolating sandbox (without one, OpenSSH would use
   * the service user's own keys); `file` lets callers deploy any repository this machine's service user can
   * read; `http` is cleartext. */
  protocols?: readonly GitProtocol[];
  /** Hosts Git sources may come from: `git.example.com`, `git.example.com:8443` or a URL prefix
   * (`https://git.example.com/team/`). Empty (default): any host whose every address is public; loopback,
   * private and link-local addresses are refused. Either way git connects only to the addresses checked. */
  allowedHosts?: readonly string[];
  /** Resolves host names (default: the system resolver). */
  resolveHost?: HostResolver;
  /** https tokens by URL prefix or host (never from a request). */
  credentials?: readonly GitCredential[];
  /** ssh keys and trusted host keys by host or ssh URL prefix (never from a request). An ssh:// URL without
   * one is refused; with one, ssh runs with a private `~/.ssh` bound in the sandbox (see `prepareSshHome`). */
  sshCredentials?: readonly GitSshCredential[];
  /** Bound on the whole fetch (init, fetch, read), ms. Default 60 s. */
  timeoutMs?: number;
  /** Most bytes the fetched repository may take on disk before git is stopped. Default 64 MiB. */
  maxFetchBytes?: number;
  /** Address space of each git process (git inflates what it receives: a small pack can hold huge objects).
   * Default 256 MiB. 0: no kernel limits (then `prlimit` is not needed). */
  maxMemoryBytes?: number;
  /** CPU seconds of each git process. Default 30. */
  maxCpuSeconds?: number;
  /** Where the temporary clones go (each removed after use). Default the OS temp dir. */
  tmpDir?: string;
  /** Fetches at once; more wait for a slot (the wait counts against `timeoutMs`). Default 4. */
  maxConcurrentFetches?: number;
  /** Fetches at once of one caller (the fetch context's `callerId`; fetches without one are bound by
   * `maxConcurrentFetches` only). Default 2. */
  maxConcurrentFetchesPerCaller?: number;
}

/**
 * Fetches one commit of a Git repository with the real git CLI, shallowly (`fetch --depth 1` of the ref
 * into an empty repository: branch, tag or full commit SHA), inside the orchestrator's sandbox, and reads
 * the regular files of `path` from git's object store (`ls-tree` + `cat-file`): nothing of the repository
 * is checked out, so no filter, hook or symlink of it ever acts on this machine. The temporary clone is
 * removed afterwards; the whole fetch is bounded in time, disk, and (each git process) memory and CPU.
 */
export class GitCodeSource implements GitCodeFetcher {
  private readonly protocols: readonly GitProtocol[];
  private readonly credentials: readonly GitCredential[];
  private readonly redactor = new Redactor();
  private readonly slots: FetchSlots;
  private readonly callerSlots: CallerFetchSlots;

  constructor(private readonly opts: GitCodeSourceOptions = {}) {
    this.protocols = opts.protocols ?? ['https'];
    this.credentials = opts.credentials ?? [];
    this.slots = new FetchSlots(opts.maxConcurrentFetches ?? 4);
    this.callerSlots = new CallerFetchSlots(opts.maxConcurrentFetchesPerCaller ?? 2);
    for (const s of this.secretValues()) this.redactor.add(s);
  }

  secretValues(): string[] {
    return this.credentials.flatMap((c) => chooseCredential(credentialPrefix(c.match), [c])?.secrets ?? [c.token]);
  }

  async fetch(source: GitSource, ctx: GitFetchContext): Promise<FetchedGitCode> {
    const checked = checkGitUrl(source.url, this.protocols);
    const path = gitSourcePath(source.path);
    if (checked.protocol === 'ssh' && !ctx.sandbox.describe().isolated) {
      throw new ValidationError(`source.git.url: ssh:// needs an isolating sandbox (this service runs tools with "${ctx.sandbox.kind}"): without one, ssh would use this service's own keys. Use https://`, 'source.git.url');
    }
    const where = `${checked.url}@${source.ref}`;
    const timeoutMs = this.opts.timeoutMs ?? 60_000;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, timeout.signal]) : timeout.signal;
    const releases: Array<() => void> = [];
    const cleanup = () => {
      clearTimeout(timer);
      for (const r of releases.reverse()) r();
    };
    const tmp = await this.prepare(checked, ctx, signal, releases, timeoutMs).catch((e: unknown) => {
      cleanup();
      throw e;
    });
    try {
      const { dir, pin } = tmp;
      const home = join(dir, 'home');
      const repo = join(dir, 'repo');
      await mkdir(home, { mode: 0o700 });
      await mkdir(repo, { mode: 0o700 });
      const binds = checked.protocol === 'ssh' ? await prepareSshHome({ url: checked.url, host: new URL(checked.url).host, credentials: this.opts.sshCredentials ?? [], sandbox: ctx.sandbox, dir }) : undefined;
      const env = gitEnv({ home, protocols: this.protocols, credential: chooseCredential(checked.url, this.credentials), pin });
      const binary = this.gitBinary();
      const readable = [...(checked.filePath ? [checked.filePath] : []), ...toolPaths(binary, env.PATH).readable];
      const limits = this.limits();
      const git = (args: string[], more: { input?: string; maxStdoutBytes?: number; signal?: AbortSignal; env?: Record<string, string> } = {}) =>
        runGit({ binary, args, cwd: repo, env: more.env ?? env, sandbox: ctx.sandbox, writablePaths: [dir], readablePaths: readable, maxStdoutBytes: more.maxStdoutBytes ?? 1024 * 1024, signal: more.signal ?? signal, limits, ...(binds ? { binds } : {}), ...(more.input !== undefined ? { input: more.input } : {}) });
      const fail = (r: GitResult, what: string): never => {
        if (ctx.signal?.aborted) throw ctx.signal.reason;
        if (timeout.signal.aborted) throw new CodeSourceError(`${PREFIX}: ${where} did not answer within ${timeoutMs} ms`, true, { reason: 'timeout' });
        if (hitResourceLimit(r)) throw this.tooCostly(where);
        throw fetchFailed(r, what, { redactor: this.redactor, ...(ctx.log ? { log: ctx.log } : {}) });
      };

      const init = await git(['init', '--quiet', '.']);
      if (init.exitCode !== 0) fail(init, 'could not prepare a repository');
      await makePartialClone(repo);
      const fetched = await this.fetchRef(git, withOrigin(env, checked.url), source.ref, dir, signal);
      await endPartialClone(repo);
      if (fetched.exitCode !== 0) {
        if (fetched.overflow || fetched.stderr === TOO_LARGE) throw new CodeSourceError(`${PREFIX}: ${where} is larger than ${this.maxFetchBytes()} bytes`, false, { reason: 'too_large' });
        if (/couldn't find remote ref|not our ref|unadvertised object|no such remote ref|Invalid refspec/i.test(fetched.stderr)) {
          throw new CodeSourceError(`${PREFIX}: ref "${source.ref}" not found in ${checked.url}`, false, { reason: 'ref_not_found' });
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
        if (listing.aborted || hitResourceLimit(listing)) fail(listing, 'listing files');
        throw new CodeSourceError(`${PREFIX}: path "${path}" is not a directory of ${checked.url} at ${commit}`, false, { reason: 'path_not_found' });
      }
      const { files, skipped } = pickTreeFiles(listing.stdout);
      if (files.length === 0) throw new ValidationError(`source.git: ${path || 'the repository root'} holds no files at ${commit}`, 'source.git.path');
      const total = files.reduce((n, f) => n + f.size + f.oid.length + 64, 0);
      const blobs = await git(['cat-file', '--batch'], { input: files.map((f) => f.oid).join('\n') + '\n', maxStdoutBytes: total });
      if (blobs.exitCode !== 0) fail(blobs, 'reading files');
      const notes = [
        ...cappedNotes(skipped.symlinks, (p) => `skipped symlink ${p} (symlinks are never followed)`, 'symlinks'),
        ...cappedNotes(skipped.submodules, (p) => `skipped submodule ${p} (submodules are not fetched)`, 'submodules'),
      ];
      return { files: parseBatch(blobs.stdout, files), commit, path, notes, url: checked.url };
    } finally {
      await rm(tmp.dir, { recursive: true, force: true }).catch(() => undefined);
      cleanup();
    }
  }

  /** Before any git: a slot in the caller's line and in the global one, the destination checked, a temp dir. */
  private async prepare(checked: ReturnType<typeof checkGitUrl>, ctx: GitFetchContext, signal: AbortSignal, releases: Array<() => void>, timeoutMs: number): Promise<{ dir: string; pin: string | null }> {
    const busy = () => {
      if (ctx.signal?.aborted) throw ctx.signal.reason;
      throw new CodeSourceError(`${PREFIX}: no fetch slot was free within ${timeoutMs} ms (too many Git fetches at once)`, true, { reason: 'timeout' });
    };
    // Callers without an id (no authentication) cannot be told apart: only the global line holds them.
    if (ctx.callerId) releases.push(await this.callerSlots.acquire(ctx.callerId, signal).catch(busy));
    releases.push(await this.slots.acquire(signal).catch(busy));
    const destination = await Promise.race([
      checkGitDestination(checked, { allowedHosts: this.opts.allowedHosts ?? [], ...(this.opts.resolveHost ? { resolve: this.opts.resolveHost } : {}) }),
      new Promise<never>((_, reject) => {
        const late = () => reject(ctx.signal?.aborted ? ctx.signal.reason : new CodeSourceError(`${PREFIX}: ${checked.url} did not resolve within ${timeoutMs} ms`, true, { reason: 'timeout' }));
        if (signal.aborted) late();
        else signal.addEventListener('abort', late, { once: true });
      }),
    ]);
    if (destination === 'unresolvable') {
      ctx.log?.('warn', 'Git fetch failed: host name did not resolve', { host: checked.host });
      throw new CodeSourceError(`${PREFIX}: could not fetch ${checked.url} (the repository could not be reached, is not a Git repository, or refused access; the service log has git's message)`, true, { reason: 'upstream' });
    }
    return { dir: await mkdtemp(join(this.opts.tmpDir ?? tmpdir(), 'iac-git-')), pin: destination.pin };
  }

  /** `git fetch --depth 1 --filter=blob:limit=<n> -- origin <ref>` (origin's URL in `env`), stopped when the clone
   * grows past {@link maxFetchBytes}. */
  private async fetchRef(git: (args: string[], more?: { signal?: AbortSignal; maxStdoutBytes?: number; env?: Record<string, string> }) => Promise<GitResult>, env: Record<string, string>, ref: string, dir: string, signal: AbortSignal): Promise<GitResult> {
    const tooLarge = new AbortController();
    const max = this.maxFetchBytes();
    const watch = setInterval(() => {
      void dirBytes(dir, max).then((n) => {
        if (n > max) tooLarge.abort();
      });
    }, 250);
    try {
      const filter = `--filter=blob:limit=${BUNDLE_LIMITS.maxFileBytes + 1}`;
      const r = await git(['fetch', '--quiet', '--depth', '1', '--no-tags', '--no-recurse-submodules', filter, '--', 'origin', ref], { env, signal: AbortSignal.any([signal, tooLarge.signal]) });
      // The watchdog bounds a fetch while it runs; this check also catches one that finished between two looks.
      if (tooLarge.signal.aborted || (r.exitCode === 0 && (await dirBytes(dir, max)) > max)) return { ...r, exitCode: r.exitCode || 1, stderr: TOO_LARGE };
      return r;
    } finally {
      clearInterval(watch);
    }
  }

  private tooCostly(where: string): CodeSourceError {
    return new CodeSourceError(`${PREFIX}: ${where} needs more memory or CPU to unpack than this service allows a fetch (${this.limits()?.maxMemoryBytes ?? 0} bytes, ${this.opts.maxCpuSeconds ?? 30} CPU seconds per git process)`, false, { reason: 'too_large' });
  }

  private maxFetchBytes(): number {
    return this.opts.maxFetchBytes ?? 64 * 1024 * 1024;
  }

  /** The git binary's absolute path (prlimit and the sandbox need one). */
  private gitBinary(): string {
    const name = this.opts.binary ?? 'git';
    return findExecutable(name, process.env.PATH) ?? name;
  }

  /** The kernel limits of each git process; throws when they are wanted and prlimit is missing. */
  private limits(): { prlimit: string; maxMemoryBytes: number; maxCpuSeconds: number } | null {
    const maxMemoryBytes = this.opts.maxMemoryBytes ?? 256 * 1024 * 1024;
    if (maxMemoryBytes === 0) return null;
    const prlimit = findExecutable('prlimit', '/usr/bin:/bin:/usr/sbin:/sbin');
    if (!prlimit) throw new ExecutorUnavailableError('Git sources need prlimit (util-linux) to bound git\'s memory and CPU; install it, or set maxMemoryBytes to 0 (ORCHESTRATOR_GIT_MAX_MEMORY_BYTES=0) to run git without limits');
    return { prlimit, maxMemoryBytes, maxCpuSeconds: this.opts.maxCpuSeconds ?? 30 };
  }
}

const TOO_LARGE = '\0too-large';
