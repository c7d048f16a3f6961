import { execa } from 'execa';
import { AbortStop, CancelledError, ExecutorUnavailableError, type Redactor, type Sandbox } from '@iac-orchestrator/core';
import { azureCliError } from './az-errors.js';

/** What one CLI call left. */
export interface CliResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  /** Stopped through the abort signal. */
  cancelled: boolean;
}

export interface RunOptions {
  /** Written to the child's stdin (the only way a secret reaches a child). */
  input?: string;
  /** Stops the child: SIGINT first, SIGKILL after `killGraceMs`. */
  signal?: AbortSignal;
}

/** Grace between SIGINT and SIGKILL when a call is aborted. */
const KILL_GRACE_MS = 10_000;

/** Where a CLI runs: its sandbox, working dir, and the only places it may write (and extra ones it reads). */
export interface ToolPlace {
  sandbox: () => Promise<Sandbox>;
  cwd: string;
  writablePaths: string[];
  readablePaths: string[];
}

/**
 * Runs one CLI (az or bicep) with execa: an argv array, never a shell, the env built by
 * {@link buildChildEnv} and nothing of the parent's (`extendEnv: false`).
 */
export class CliRunner {
  constructor(
    private readonly bin: string,
    private readonly env: Record<string, string>,
    private readonly redactor: Redactor,
    private readonly timeoutMs: number,
    private readonly onCommand: ((line: string) => void) | undefined,
    private readonly place: ToolPlace,
  ) {}

  /** Runs inside the sandbox; an abort sends SIGINT to the CLI itself, and kills the sandbox after the grace. */
  async run(args: string[], opts: RunOptions = {}): Promise<CliResult> {
    this.onCommand?.(this.redactor.redact([this.bin, ...args].join(' ')));
    let inv;
    try {
      inv = (await this.place.sandbox()).wrap({ command: this.bin, args, env: this.env, cwd: this.place.cwd, writablePaths: this.place.writablePaths, readablePaths: this.place.readablePaths });
    } catch (e) {
      if (e instanceof ExecutorUnavailableError) throw new ExecutorUnavailableError(`${this.bin} was not found; install it or set its path in the executor options`);
      throw e;
    }
    const child = execa(inv.command, inv.args, {
      env: inv.env,
      cwd: inv.cwd,
      extendEnv: false,
      reject: false,
      shell: false,
      detached: true,
      input: opts.input,
      stdin: opts.input === undefined ? 'ignore' : 'pipe',
      timeout: this.timeoutMs,
      stripFinalNewline: true,
      windowsHide: true,
    });
    const stop = new AbortStop(opts.signal, child.pid ?? 0, inv.stop, KILL_GRACE_MS);
    const r = await child;
    stop.dispose();
    if (r.exitCode === undefined && (r as { code?: string }).code === 'ENOENT') {
      throw new ExecutorUnavailableError(`${this.bin} was not found; install it or set its path in the executor options`);
    }
    return {
      stdout: String(r.stdout ?? ''),
      stderr: String(r.stderr ?? ''),
      exitCode: r.exitCode ?? null,
      cancelled: stop.interrupted,
    };
  }

  /** Runs and returns stdout; a non-zero exit becomes an {@link AzureCliError} named `what`. */
  async ok(what: string, args: string[], opts: RunOptions = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (opts.signal?.aborted) throw abortReason(opts.signal);
    if (r.exitCode !== 0) throw azureCliError(what, r, this.redactor);
    return r.stdout;
  }

  /** Runs and parses stdout as JSON (az prints nothing for some commands: that is `null`). */
  async json<T>(what: string, args: string[], opts: RunOptions = {}): Promise<T> {
    const out = (await this.ok(what, args, opts)).trim();
    if (!out) return null as T;
    try {
      return JSON.parse(out) as T;
    } catch {
      throw azureCliError(what, { stderr: `ERROR: ${what} printed output that is not JSON`, exitCode: 0 }, this.redactor);
    }
  }
}

/** The error an aborted call ends with: the signal's reason (a CancelledError or TimeoutError from core). */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new CancelledError();
}
