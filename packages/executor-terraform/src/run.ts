import { createInterface } from 'node:readline';
import { execa } from 'execa';

/** Stderr kept per run: enough for Terraform's diagnostics, bounded so a chatty provider cannot eat memory. */
const MAX_STDERR_CHARS = 256 * 1024;

export interface RunSpec {
  binary: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
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
 * Runs the CLI once: argv array, never a shell, the given env only (`extendEnv: false`), in its own
 * process group so that a kill also reaches the provider plugins and provisioner commands it started.
 */
export async function runTerraform(spec: RunSpec): Promise<RunResult> {
  const child = execa(spec.binary, spec.args, {
    cwd: spec.cwd,
    env: spec.env,
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

  let interrupted = false;
  let killed = false;
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    if (interrupted) return;
    interrupted = true;
    signalProcess(child.pid, 'SIGINT', false);
    killTimer = setTimeout(() => {
      killed = true;
      signalProcess(child.pid, 'SIGKILL', true);
    }, spec.graceMs);
    killTimer.unref();
  };
  if (spec.signal?.aborted) onAbort();
  else spec.signal?.addEventListener('abort', onAbort, { once: true });

  const result = await child;
  await linesDone;
  spec.signal?.removeEventListener('abort', onAbort);
  if (killTimer) clearTimeout(killTimer);
  // After an interrupt, nothing Terraform started may outlive it (a provisioner's command, a plugin).
  if (interrupted) signalProcess(child.pid, 'SIGKILL', true);

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

/** Signals the process (or its whole group); a process that is already gone is not an error. */
function signalProcess(pid: number | undefined, sig: NodeJS.Signals, group: boolean): void {
  if (!pid) return;
  try {
    process.kill(group ? -pid : pid, sig);
  } catch {
    /* ESRCH: already exited */
  }
}
