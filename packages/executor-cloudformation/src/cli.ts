import { execa } from 'execa';
import { AbortStop, CancelledError, ExecutorError, ExecutorUnavailableError, TimeoutError, type Sandbox } from '@iac-orchestrator/core';

/** How one deployment reaches the CLI: binary, private env, work dir, global flags. */
export interface AwsCli {
  binary: string;
  env: Record<string, string>;
  cwd: string;
  /** The sandbox every call runs in; the work dir (`cwd`) is its only writable place. */
  sandbox: () => Promise<Sandbox>;
  callTimeoutMs: number;
  /** Grace between SIGTERM and SIGKILL when a call is cancelled. */
  killGraceMs: number;
}

/**
 * A failed `aws` call. `awsCode` is the service's error code ("ValidationError", "AlreadyExistsException")
 * when the CLI printed one; `message` is the service's message without the CLI's boilerplate.
 */
export class AwsCliError extends ExecutorError {
  readonly awsCode: string | null;
  readonly operation: string | null;
  readonly exitCode: number | null;
  constructor(message: string, awsCode: string | null, operation: string | null, exitCode: number | null) {
    super(message, { awsCode, operation });
    this.awsCode = awsCode;
    this.operation = operation;
    this.exitCode = exitCode;
  }
}

const SERVICE_ERROR = /An error occurred \(([^)]+)\) when calling the (\w+) operation(?: \([^)]*\))?: ([\s\S]*)/;

/** Turns the CLI's stderr into a typed error (pure; unit-tested on recorded stderr). */
export function parseCliError(stderr: string, exitCode: number | null): AwsCliError {
  const text = stderr.trim();
  const m = SERVICE_ERROR.exec(text);
  if (m) return new AwsCliError(m[3].trim(), m[1], m[2], exitCode);
  const firstLines = text.split('\n').filter(Boolean).slice(0, 3).join(' ').slice(0, 500);
  return new AwsCliError(firstLines || `aws exited with code ${exitCode}`, null, null, exitCode);
}

/** "Stack with id X does not exist": the one error that means "no stack", not a failure. */
export function isStackMissing(e: unknown): boolean {
  return e instanceof AwsCliError && e.awsCode === 'ValidationError' && /^Stack with id \S+ does not exist$/.test(e.message);
}

export interface RunOptions {
  /** Aborts the call (SIGTERM, then SIGKILL). Leave unset for calls that change the stack: killing one
   * half-way would leave us not knowing whether it happened. */
  signal?: AbortSignal;
}

/**
 * Runs `aws <args>` with execa (never a shell) in the private env and parses stdout as JSON. Commands
 * that print nothing resolve to `{}`.
 */
export async function runAws<T = Record<string, unknown>>(cli: AwsCli, args: string[], opts: RunOptions = {}): Promise<T> {
  const { stdout } = await runRaw(cli, cli.binary, args, opts);
  if (!stdout.trim()) return {} as T;
  try {
    return JSON.parse(stdout) as T;
  } catch {
    throw new AwsCliError(`aws ${args.slice(0, 2).join(' ')} printed output that is not JSON`, null, null, 0);
  }
}

/** Runs any tool of the executor (aws, cfn-lint) and returns its output; a non-zero exit throws. */
export async function runRaw(
  cli: AwsCli,
  binary: string,
  args: string[],
  opts: RunOptions & { allowExit?: (code: number) => boolean } = {},
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  opts.signal?.throwIfAborted();
  let inv;
  try {
    inv = (await cli.sandbox()).wrap({ command: binary, args, cwd: cli.cwd, env: cli.env, writablePaths: [cli.cwd], readablePaths: [] });
  } catch (e) {
    if (e instanceof ExecutorUnavailableError) throw new ExecutorUnavailableError(`${binary} was not found on PATH`);
    throw e;
  }
  const child = execa(inv.command, inv.args, {
    env: inv.env,
    extendEnv: false,
    cwd: inv.cwd,
    reject: false,
    stdin: 'ignore',
    detached: true,
    timeout: cli.callTimeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  // SIGTERM to the CLI itself (inside the sandbox), the whole sandbox killed after the grace.
  const stop = new AbortStop(opts.signal, child.pid ?? 0, inv.stop, cli.killGraceMs, 'SIGTERM');
  const result = await child;
  stop.dispose();
  if (stop.interrupted) throw abortReason(opts.signal);
  if (result.timedOut) throw new TimeoutError(`${binary} ${args.slice(0, 2).join(' ')} did not answer within ${cli.callTimeoutMs} ms`);
  const code = (result as { code?: string }).code;
  if (code === 'ENOENT' || (result.failed && result.exitCode === undefined && /ENOENT/.test(String(result.message)))) {
    throw new ExecutorUnavailableError(`${binary} was not found on PATH`);
  }
  const exitCode = result.exitCode ?? -1;
  const stdout = String(result.stdout ?? '');
  const stderr = String(result.stderr ?? '');
  if (exitCode !== 0 && !(opts.allowExit?.(exitCode) ?? false)) throw parseCliError(stderr || stdout, exitCode);
  return { stdout, stderr, exitCode };
}

/** The typed error an aborted signal stands for (core puts a CancelledError or TimeoutError there). */
export function abortReason(signal: AbortSignal | undefined): Error {
  const r: unknown = signal?.reason;
  if (r instanceof CancelledError || r instanceof TimeoutError) return r;
  return new CancelledError();
}
