import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { AbortStop, type Sandbox } from '@iac-orchestrator/core';

/** Stderr kept per run: enough for Terraform's diagnostics, bounded so a chatty provider cannot eat memory. */
const MAX_STDERR_CHARS = 256 * 1024;

export interface RunSpec {
  binary: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Where the process runs; its only writable places are `writablePaths`. */
  sandbox: Sandbox;
  writablePaths: string[];
  readablePaths: string[];
  /** Aborting sends SIGINT (Terraform's graceful stop), then kills the process group after `graceMs`. */
  signal?: AbortSignal;
  graceMs: number;
  /** Called for every stdout line as it arrives (the `-json` UI stream is one message per line). */
  onLine?: (line: string) => void;
  /** Keep stdout and return it (for `show -json`, `state pull`, `version -json`). */
  collectStdout?: boolean;
}

export interface RunResult {
  /** Exit code; null when the process died from a signal or never started. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Whether the signal fired while the process ran (it was asked to stop). */
  interrupted: boolean;
  /** Whether the grace period ran out and the process group was killed. */
  killed: boolean;
  /** Set when the binary could not be started at all (ENOENT, EACCES). */
  spawnError?: string;
}

/**
 * Runs the CLI once inside the sandbox: argv array, never a shell, the given env only (`extendEnv:
 * false`), in its own process group (or PID namespace) so that a kill also reaches the provider plugins
 * and provisioner commands it started.
 */
export async function runTerraform(spec: RunSpec): Promise<RunResult> {
  let inv;
  try {
    inv = spec.sandbox.wrap({ command: spec.binary, args: spec.args, cwd: spec.cwd, env: spec.env, writablePaths: spec.writablePaths, readablePaths: spec.readablePaths });
  } catch (e) {
    return { exitCode: null, stdout: '', stderr: '', interrupted: false, killed: false, spawnError: e instanceof Error ? e.message : String(e) };
  }
  const child = execa(inv.command, inv.args, {
    cwd: inv.cwd,
    env: inv.env,
    extendEnv: false,
    reject: false,
    detached: true,
    stdin: 'ignore',
    buffer: false,
    // We drive the kill ourselves: SIGINT first, the group SIGKILL after our own grace period.
    forceKillAfterDelay: false,
  });

  const stdoutLines: string[] = [];
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (stderr.length < MAX_STDERR_CHARS) stderr += chunk.slice(0, MAX_STDERR_CHARS - stderr.length);
  });
  const linesDone = new Promise<void>((resolve) => {
    if (!child.stdout) return resolve();
    const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
    rl.on('line', (line) => {
      if (spec.collectStdout) stdoutLines.push(line);
      try {
        spec.onLine?.(line);
      } catch {
        /* a consumer's bug must not break the run or lose the state */
      }
    });
    rl.on('close', () => resolve());
  });

  // SIGINT to Terraform itself (its graceful stop, which persists the state), the kill after the grace.
  const stop = new AbortStop(spec.signal, child.pid ?? 0, inv.stop, spec.graceMs);
  const result = await child;
  await linesDone;
  // After an interrupt, nothing Terraform started may outlive it (a provisioner's command, a plugin).
  stop.dispose();
  const { interrupted, killed } = stop;

  const spawnError = result.exitCode === undefined && !result.signal ? (result.originalMessage || result.shortMessage) : undefined;
  return {
    exitCode: result.exitCode ?? null,
    stdout: stdoutLines.join('\n'),
    stderr,
    interrupted,
    killed,
    ...(spawnError ? { spawnError } : {}),
  };
}
