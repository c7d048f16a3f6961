import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CancelledError,
  ExecutorError,
  ExecutorUnavailableError,
  OrchestratorError,
  ValidationError,
  type ExecutorContext,
  type ResourceStatus,
  type Sandbox,
  type StateSnapshot,
} from '@iac-orchestrator/core';
import { buildInitArgs } from './commands/init.js';
import { buildShowArgs } from './commands/show.js';
import { buildStatePullArgs } from './commands/state-pull.js';
import { buildChildEnv } from './env.js';
import { withPluginCacheLock } from './plugin-lock.js';
import { sameRecord, snapshotPackages, stillTrusted, verifyPackages, withoutHashes, type TrustRecord } from './provider-trust.js';
import { runTerraform, type RunResult } from './run.js';
import { readToolFile, writeRunnerFile } from './tool-files.js';
import { pinTrust, prepareWarm, promoteWarm, resumeWarm } from './warm-session.js';
import { dropBuild, warmable, type WarmBuild } from './warm-init.js';
import { StateBackend, type SnapshotHandler } from './state-backend.js';
import { normaliseState, type TfState } from './state.js';
import { assertOwnStackDir, hasLocalBackend, hasOwnBackend, isOwnStackDir, layoutOf, readJson, writeBundle, writeServedBackend, type WorkLayout } from './workdir.js';

/** The executor's resolved settings that one session needs. */
export interface SessionConfig {
  binary: string;
  cliConfigFile?: string;
  pluginCacheDir?: string;
  cancelGraceMs: number;
  sandbox: Sandbox;
  /** Read-only inside the sandbox: the CLI config, provider mirrors, the plugin cache. */
  readablePaths: string[];
  /** Largest state the served backend accepts. */
  maxStateBytes?: number;
  /** `GOGC` / `GOMEMLIMIT` of the CLI and its providers. */
  goGc?: number | 'off';
  goMemoryLimit?: string;
  /** Where stacks' initialised data dirs are kept for reuse (`<workRoot>/.warm`); unset: init every time. */
  warmRoot?: string;
  /** The CLI's version, part of the reuse key. */
  cliVersion?: string;
}

const LOCK_FILE = '.terraform.lock.hcl';
/** A lock file is a few KB per provider. */
const MAX_LOCK_BYTES = 1024 * 1024;

/** The error a run stopped by `ctx.signal` surfaces: the orchestrator's reason, or a plain cancellation. */
export function abortError(signal: AbortSignal): OrchestratorError {
  return signal.reason instanceof OrchestratorError ? signal.reason : new CancelledError();
}

/** Last lines of stderr without Terraform's box drawing: a fallback failure message. */
export function stderrSummary(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.replace(/^[\s│╷╵]+/, '').trim())
    .filter(Boolean);
  return lines.slice(-6).join(' ').slice(0, 1000) || 'no error output';
}

/**
 * One executor call's view of a deployment's work dir: runs the CLI there with the deployment's env,
 * prepares the stack dir, and reads back whatever state Terraform left.
 */
export class TerraformSession {
  readonly layout: WorkLayout;
  /** The bundle declares its own backend: state lives there (inside the sandbox: within the run's dir). */
  readonly backend: boolean;
  private readonly env: Record<string, string>;
  /** The HTTP state backend served to this session's Terraform when the bundle declares none. */
  private served: StateBackend | undefined;
  private servedEnv: Record<string, string> = {};
  /** `TF_DATA_DIR` and its bind when a stack's initialised data dir is reused (see warm-init.ts). */
  private dataEnv: Record<string, string> = {};
  private warmPaths: string[] = [];
  /** The lock file as `prepare` left it (before any user code ran in the dir). */
  private preparedLock: string | null = null;
  /** The warm build's record of its verified provider packages (see provider-trust.ts). */
  private trust: TrustRecord | null = null;
  /** Whether the CLI's commands read the lock file without hashes (its providers verified by the runner). */
  private hashless = false;
  /** This session made the stack dir and ran (or reused) init itself: no user code has run in it since. */
  private preparedHere = false;
  /** The warm build in use, when it is a sealed one. */
  private build: WarmBuild | null = null;
  /** The full lock file the runner (or init) just put in the stack dir, no command having run since. */
  private freshFullLock: string | null = null;

  constructor(
    readonly cfg: SessionConfig,
    readonly ctx: ExecutorContext,
  ) {
    this.layout = layoutOf(ctx.workDir);
    this.backend = hasOwnBackend(ctx.bundle);
    this.env = buildChildEnv({
      cloud: ctx.stack.targetCloud,
      credentials: ctx.env,
      ...(cfg.cliConfigFile ? { cliConfigFile: cfg.cliConfigFile } : {}),
      ...(cfg.pluginCacheDir ? { pluginCacheDir: cfg.pluginCacheDir } : {}),
      ...(cfg.goGc !== undefined ? { goGc: cfg.goGc } : {}),
      ...(cfg.goMemoryLimit ? { goMemoryLimit: cfg.goMemoryLimit } : {}),
    });
  }

  /**
   * Serves the stack's state to Terraform over HTTP (loopback, one-run secret in the env) when the bundle
   * declares no backend; `onSnapshot` gets every state Terraform persists. Call `close()` when done.
   */
  async open(onSnapshot?: SnapshotHandler): Promise<void> {
    if (this.backend || this.served) return;
    await mkdir(this.layout.root, { recursive: true, mode: 0o700 });
    this.served = new StateBackend(this.ctx.priorState, this.layout.receivedState, onSnapshot, this.cfg.maxStateBytes);
    this.servedEnv = { ...(await this.served.start()) };
    // Terraform's children inherit it (a local-exec could print it): masked like any secret.
    this.ctx.secret(this.servedEnv.TF_HTTP_PASSWORD!);
  }

  async close(): Promise<void> {
    await this.served?.close();
  }

  /**
   * Runs one CLI command in the stack dir. `signal: null` runs it unstoppable (reading state after a
   * cancel). `verifiesProviders`: a plan or apply, which Terraform runs only once every locked provider
   * package matched the lock file's hashes (see `pinVerified`).
   */
  async exec(args: string[], opts: { onLine?: (l: string) => void; collect?: boolean; signal?: AbortSignal | null; writeCache?: boolean; verifiesProviders?: boolean } = {}): Promise<RunResult> {
    const signal = opts.signal === null ? undefined : (opts.signal ?? this.ctx.signal);
    const pin = opts.verifiesProviders ? await this.beforeVerifyingRun() : null;
    // Whatever this command runs (user code) may change the lock file in the dir from now on.
    this.freshFullLock = null;
    const cache = this.cfg.pluginCacheDir;
    const r = await runTerraform({
      binary: this.cfg.binary,
      args,
      cwd: this.layout.stackDir,
      env: { ...this.env, ...this.servedEnv, ...this.dataEnv },
      sandbox: this.cfg.sandbox,
      // The plugin cache and a warm data dir are writable only for init, which runs no provider and no user code.
      writablePaths: [this.ctx.workDir, ...(opts.writeCache ? [...(cache ? [cache] : []), ...this.warmPaths] : [])],
      readablePaths: [...this.cfg.readablePaths, ...this.warmPaths],
      graceMs: this.cfg.cancelGraceMs,
      ...(signal ? { signal } : {}),
      ...(opts.onLine ? { onLine: opts.onLine } : {}),
      ...(opts.collect ? { collectStdout: true } : {}),
    });
    if (r.spawnError) throw new ExecutorUnavailableError(`Could not start ${this.cfg.binary}: ${r.spawnError}`);
    if (pin && r.exitCode === 0 && !r.interrupted) await this.pinVerified(pin);
    return r;
  }

  /**
   * Before a plan or apply in a sealed warm build with no record of its packages, run with the full lock
   * file the runner just placed (the build's own): the packages' identities as they are now.
   */
  private async beforeVerifyingRun(): Promise<{ build: WarmBuild; lock: string; before: TrustRecord } | null> {
    const build = this.build;
    const lock = this.freshFullLock;
    if (!build || this.trust || this.hashless || lock === null || lock !== build.lockFile) return null;
    const before = await snapshotPackages(build.dataDir, lock);
    return before ? { build, lock, before } : null;
  }

  /**
   * After that command succeeded, Terraform had checked every package against the lock's hashes; if no
   * package file changed from before the command to now (any write, replacement, link or mode change
   * would have changed its ctime), the bytes it checked are those of these identities: the build keeps
   * them, and later runs need no hash (see provider-trust.ts).
   */
  private async pinVerified(pin: { build: WarmBuild; lock: string; before: TrustRecord }): Promise<void> {
    const after = await snapshotPackages(pin.build.dataDir, pin.lock);
    if (after && sameRecord(pin.before, after) && (await pinTrust(this, pin.build, pin.before))) this.trust = pin.before;
  }

  /**
   * Writes the bundle, restores the prior state (local backend only), writes the planned provider lock
   * file if there is one, and runs `init`. Throws a typed error; the work dir may be fresh or reused.
   */
  async prepare(opts: { lockFile?: string | null } = {}): Promise<void> {
    if (this.backend && this.ctx.stack.target) {
      // Each target of a deployment group is its own stack (own lock, own state lineage): one backend
      // declared in the shared bundle would hold a single state for all of them (invariant 4).
      throw new ValidationError('A bundle with its own backend keeps one state for every target of a deployment group, but each target is its own stack: remove the backend block, the orchestrator keeps each target\'s state', 'files');
    }
    if (this.backend && this.cfg.sandbox.describe().isolated && hasLocalBackend(this.ctx.bundle)) {
      // Inside the sandbox its file could only live in the run's dir, which goes with the deployment:
      // the state would be lost. Refused before anything is created.
      throw new ValidationError('A backend "local" block cannot be used inside the sandbox (its state file would be lost with the run\'s dir): remove the backend block, the orchestrator keeps the state', 'files');
    }
    await mkdir(this.layout.root, { recursive: true, mode: 0o700 });
    // Whatever a resume attached to is dropped: this prepare finds or builds its own data dir.
    this.useDataDir(null);
    // Terraform ignores a cache dir that does not exist; create the shared one on first use.
    if (this.cfg.pluginCacheDir) await mkdir(this.cfg.pluginCacheDir, { recursive: true, mode: 0o700 }).catch(() => undefined);
    await writeBundle(this.layout, this.ctx.bundle);
    if (!this.backend) await writeServedBackend(this.layout);
    if (opts.lockFile) await writeRunnerFile(join(this.layout.stackDir, LOCK_FILE), opts.lockFile);
    await this.open();
    // A drift check takes no stack lock, so it may run beside a plan or apply of the stack: it uses the
    // stack's build when it fits, but never builds or promotes one (that would replace the build the
    // other run is using); it inits in its own work dir instead.
    const warmRoot = this.cfg.warmRoot && warmable(this) ? this.cfg.warmRoot : null;
    const warm = warmRoot ? await prepareWarm(this, warmRoot, opts.lockFile ?? null, { build: this.ctx.operation !== 'drift' }) : null;
    if (!warm?.reused) {
      this.ctx.emit({ type: 'log', level: 'info', message: 'Initializing Terraform working directory', resource: null });
      try {
        await this.init(opts.lockFile);
      } catch (e) {
        if (warm?.build) await dropBuild(warm.build.buildDir);
        throw e;
      }
    }
    // Read now, before any user code runs in this dir: later, `.terraform.lock.hcl` could be a link to a
    // host file or a FIFO the tool planted (the runner reads it outside the sandbox).
    this.preparedLock = (await readToolFile(join(this.layout.stackDir, LOCK_FILE), MAX_LOCK_BYTES))?.toString('utf8') ?? null;
    if (warm && !warm.reused && warm.build) this.build = await promoteWarm(this, { ...warm, build: warm.build }, this.preparedLock ?? '');
    // A plan, drift check or one-process apply of a warm build whose providers are still those it
    // verified: the lock without hashes, so no command hashes them again. A saved plan's apply places
    // the lock its plan used instead (`placeLock`).
    const dataDir = this.dataEnv.TF_DATA_DIR;
    if (!opts.lockFile && dataDir && this.preparedLock && this.trust && (await stillTrusted(dataDir, this.preparedLock, this.trust))) {
      await writeRunnerFile(join(this.layout.stackDir, LOCK_FILE), withoutHashes(this.preparedLock));
      this.hashless = true;
    } else if (!opts.lockFile) {
      // Packages changed since they were pinned (a plugin cache filled again): Terraform checks them in
      // this run, with the full lock file, and what it checks is pinned anew.
      this.trust = null;
      this.freshFullLock = this.preparedLock;
    }
    this.preparedHere = true;
  }

  /** Points this session's runs at a warm data dir (read-only to them; writable only to `init`). */
  useDataDir(build: WarmBuild | { buildDir: string; dataDir: string } | null): void {
    this.dataEnv = build ? { TF_DATA_DIR: build.dataDir } : {};
    this.warmPaths = build ? [build.buildDir] : [];
    this.build = build && 'lockFile' in build ? build : null;
    this.trust = this.build?.trust ?? null;
  }

  /** Whether this session's commands read the lock file without its hashes (recorded in a saved plan's
   * artifact: Terraform applies a plan only with the very lock file it was made with). */
  get providersVerified(): boolean {
    return this.hashless;
  }

  /** Whether this session runs in a warm build that recorded its verified provider packages. */
  get inVerifiedBuild(): boolean {
    return this.trust !== null && this.dataEnv.TF_DATA_DIR !== undefined;
  }

  /**
   * Places the lock file a saved plan was made with before its apply: `full` as is, or, when the plan
   * was made without hashes, `full` minus them once this dir's provider packages are verified against
   * them: by the warm build's record, or, in a dir this session just prepared (no user code has run in
   * it), by hashing them now. Written by the runner either way, into the stack dir only while it is still
   * the one the runner made: the work dir is the plan's user code's to change.
   */
  async placeLock(full: string | null, withoutHashesUsed: boolean): Promise<void> {
    if (full === null) return;
    await assertOwnStackDir(this.layout);
    let text = full;
    if (withoutHashesUsed) {
      const dataDir = this.dataEnv.TF_DATA_DIR ?? join(this.layout.stackDir, '.terraform');
      const verified =
        (this.inVerifiedBuild && (await stillTrusted(dataDir, full, this.trust!))) || (this.preparedHere && (await verifyPackages(dataDir, full)) !== null);
      if (!verified) throw new ExecutorError('The provider packages here do not match the lock file the saved plan was made with: plan again');
      text = withoutHashes(full);
    }
    await writeRunnerFile(join(this.layout.stackDir, LOCK_FILE), text);
    this.hashless = withoutHashesUsed;
    this.freshFullLock = withoutHashesUsed ? null : full;
  }

  /**
   * Reattaches to the warm data dir this work dir was prepared with (the apply of the saved plan it made).
   * False when that build is gone or changed: prepare again.
   */
  async resume(): Promise<boolean> {
    return this.cfg.warmRoot ? resumeWarm(this, this.cfg.warmRoot) : true;
  }

  private async init(lockFile: string | null | undefined): Promise<void> {
    const init = () =>
      this.exec(buildInitArgs({ lockfileReadonly: Boolean(lockFile) }), {
        writeCache: true,
        onLine: (line) => {
          if (line.trim()) this.ctx.emit({ type: 'log', level: 'debug', message: line.trim(), resource: null });
        },
      });
    const cache = this.cfg.pluginCacheDir;
    const r = cache ? await withPluginCacheLock(cache, this.ctx.signal, init) : await init();
    if (r.interrupted) throw abortError(this.ctx.signal);
    if (r.exitCode !== 0) throw new ExecutorError(`Terraform init failed: ${stderrSummary(r.stderr)}`);
  }

  /** The provider lock file init wrote or checked (or the bundle brought), as it was right after
   * {@link prepare}; null when there is none or this session did not prepare. */
  async lockFile(): Promise<string | null> {
    return this.preparedLock;
  }

  /** `show -json [path]` parsed, or null when Terraform cannot show it (e.g. providers not installed). */
  async showJson(path?: string, signal?: AbortSignal | null): Promise<unknown> {
    const r = await this.exec(buildShowArgs(path ? { path } : {}), { collect: true, signal: signal === undefined ? this.ctx.signal : signal });
    if (r.exitCode !== 0) return null;
    try {
      return JSON.parse(r.stdout) as unknown;
    } catch {
      return null;
    }
  }

  /**
   * The state Terraform left: `errored.tfstate` (written when it could not persist the state), else what
   * it last wrote to the served backend (in this process, or spooled in the work dir by a dead one), else
   * the bundle's own backend (`state pull`) or a local `terraform.tfstate`. Null when there is none.
   * Never throws, never stops on the deployment's signal: this is what runs after a cancel or a timeout.
   */
  async readState(statuses?: ReadonlyMap<string, ResourceStatus>, sensitive?: Record<string, unknown>): Promise<StateSnapshot | null> {
    try {
      const errored = join(this.layout.stackDir, 'errored.tfstate');
      const local = join(this.layout.stackDir, 'terraform.tfstate');
      let raw: TfState | null = null;
      let path: string | undefined;
      // Each read refuses a symlink or special file the tool planted (see tool-files.ts) and goes on; the
      // stack dir's files only while the stack dir itself is still the runner's (not a link to a host dir).
      const own = await isOwnStackDir(this.layout);
      if (own && (raw = await readJson<TfState>(errored))) path = errored;
      else if (this.served?.state) raw = this.served.state;
      else if ((raw = await readJson<TfState>(this.layout.receivedState))) path = this.layout.receivedState;
      else if (this.backend) raw = await this.pullState();
      else if (own && (raw = await readJson<TfState>(local))) path = local;
      if (!raw) return null;
      if (!path && !sensitive) {
        path = this.layout.receivedState;
        await writeRunnerFile(path, JSON.stringify(raw));
      }
      // Sensitivity from the saved plan when we have it; otherwise ask Terraform (needs the providers).
      const shown = sensitive ? undefined : await this.showJson(path, null).catch(() => null);
      return normaliseState({ raw, shown, ...(sensitive ? { sensitive } : {}), ...(statuses ? { statuses } : {}), secret: (v) => this.ctx.secret(v) });
    } catch {
      return null;
    }
  }

  private async pullState(): Promise<TfState | null> {
    if (!(await exists(join(this.layout.stackDir, '.terraform')))) return null;
    const r = await this.exec(buildStatePullArgs(), { collect: true, signal: null });
    if (r.exitCode !== 0 || !r.stdout.trim()) return null;
    try {
      return JSON.parse(r.stdout) as TfState;
    } catch {
      return null;
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
