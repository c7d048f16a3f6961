/**
 * The `Sandbox` contract: every tool process an executor starts (terraform, aws, az, bicep...) goes
 * through one, so that user IaC code, which is hostile, runs isolated from the service.
 */

/** One tool invocation as an executor would run it without a sandbox. */
export interface ToolInvocation {
  /** The tool: a path, or a name looked up on `env.PATH` (then on the service's PATH). */
  command: string;
  args: string[];
  /** Working directory; must be inside `writablePaths` or `readablePaths`. */
  cwd: string;
  /** The tool's complete environment (nothing else of the service's reaches it). */
  env: Record<string, string>;
  /** The only places the tool may write (the run's work dir). Must exist. */
  writablePaths: string[];
  /** Extra read-only places the tool needs (a provider mirror, a CLI config file). Missing ones are skipped. */
  readablePaths: string[];
  /** Directories shown read-only at another path inside the sandbox (e.g. a private `~/.ssh`). Only a
   * sandbox with {@link Sandbox.userHome} honours them; any other must throw rather than ignore them. */
  binds?: readonly SandboxBind[];
}

/** A directory of the service shown read-only at `target` inside the sandbox. */
export interface SandboxBind {
  /** An existing directory on the service's side (absolute). */
  source: string;
  /** Where the tool sees it (absolute), e.g. `${userHome}/.ssh`. */
  target: string;
}

/**
 * Stops a tool started from an {@link IsolatedInvocation}, given the pid of the process that was spawned
 * (which may be the sandbox's own launcher rather than the tool).
 */
export interface ToolStopper {
  /** Sends `signal` (default SIGINT, the graceful stop of terraform, aws and az) to the tool itself.
   * Returns false when the tool could not be found yet (still starting): the caller tries again. */
  interrupt(pid: number, signal?: NodeJS.Signals): boolean;
  /** Kills the tool and everything it started (its whole process group or namespace). */
  kill(pid: number): void;
}

/**
 * What to spawn instead of the tool: an argv (never a shell) and an environment. Spawn it with
 * `detached: true` (own process group), stdin ignored or piped, and stop it only through `stop`.
 */
export interface IsolatedInvocation {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  stop: ToolStopper;
}

/** What a sandbox is, for readiness reports and start-up logs. */
export interface SandboxInfo {
  /** `bwrap`, `none`, or a third-party kind. */
  kind: string;
  /** False when the tool sees the service's files and processes (`none`). */
  isolated: boolean;
  /** A human sentence: version, flags, or why there is no isolation. */
  detail: string;
}

/**
 * Turns a tool invocation into an isolated one. Implementations: `BwrapSandbox` (bubblewrap, Linux) and
 * `NoSandbox` (development only; it says so loudly). A third party may plug in its own (a container
 * runtime, a VM) exactly like ours.
 */
export interface Sandbox {
  readonly kind: string;
  describe(): SandboxInfo;
  /**
   * The home directory of the tool's user in the sandbox's own user database (what `getpwuid` returns
   * inside, which OpenSSH uses for `~/.ssh` whatever `HOME` says). Set only by a sandbox that isolates the
   * tool from the service's files and honours {@link ToolInvocation.binds}; unset, nothing is bound there.
   */
  readonly userHome?: string;
  /** Throws a ValidationError when the invocation cannot be isolated (e.g. a cwd outside every path). */
  wrap(invocation: ToolInvocation): IsolatedInvocation;
}

/** How a caller chooses a sandbox: `auto` = bubblewrap where it works, else none with a warning. */
export type SandboxSetting = 'auto' | 'bwrap' | 'none' | Sandbox;
