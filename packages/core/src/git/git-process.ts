import { spawn } from 'node:child_process';
import type { Sandbox, SandboxBind } from '../types/sandbox.js';

/** One git invocation: argv only (never a shell), the complete env, the sandbox paths. */
export interface GitRun {
  binary: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  sandbox: Sandbox;
  writablePaths: string[];
  readablePaths: string[];
  /** Read-only binds (the private `~/.ssh` of an ssh fetch). */
  binds?: readonly SandboxBind[];
  /** Written to stdin, then stdin is closed (for `cat-file --batch`). */
  input?: string;
  /** Most stdout bytes kept; past it the process is killed and `overflow` set. */
  maxStdoutBytes: number;
  /** Aborting kills the process (and everything it started: ssh, remote helpers). */
  signal: AbortSignal;
  /** Kernel limits of git and every process it starts (each its own): address space and CPU time, set by
   * `prlimit` (util-linux) between the sandbox and git. Null: no limits. */
  limits: { prlimit: string; maxMemoryBytes: number; maxCpuSeconds: number } | null;
}

export interface GitResult {
  exitCode: number | null;
  stdout: Buffer;
  /** The first 16 KiB of stderr (raw: the caller masks it before showing it). */
  stderr: string;
  overflow: boolean;
  aborted: boolean;
  /** The signal that ended the process, if one did (SIGXCPU: past its CPU limit). */
  signal?: NodeJS.Signals | null;
}

const MAX_STDERR = 16 * 1024;

/**
 * Runs git once inside the sandbox, asynchronously (the event loop is never blocked), in its own process
 * group, with exactly the env given (`spawn`'s `env` replaces the service's; `shell: false`).
 */
export function runGit(run: GitRun): Promise<GitResult> {
  return new Promise((resolve) => {
    let inv;
    try {
      const l = run.limits;
      const [command, args] = l ? [l.prlimit, [`--as=${l.maxMemoryBytes}`, `--cpu=${l.maxCpuSeconds}`, '--', run.binary, ...run.args]] : [run.binary, run.args];
      inv = run.sandbox.wrap({ command, args, cwd: run.cwd, env: run.env, writablePaths: run.writablePaths, readablePaths: run.readablePaths, ...(run.binds ? { binds: run.binds } : {}) });
    } catch (e) {
      resolve({ exitCode: null, stdout: Buffer.alloc(0), stderr: e instanceof Error ? e.message : String(e), overflow: false, aborted: false });
      return;
    }
    const child = spawn(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, shell: false, detached: true, stdio: [run.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], windowsHide: true });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let overflow = false;
    let aborted = false;
    const kill = () => {
      if (child.pid) inv.stop.kill(child.pid);
    };
    const onAbort = () => {
      aborted = true;
      kill();
    };
    if (run.signal.aborted) onAbort();
    else run.signal.addEventListener('abort', onAbort, { once: true });
    child.stdout!.on('data', (b: Buffer) => {
      size += b.length;
      if (size > run.maxStdoutBytes) {
        if (!overflow) kill();
        overflow = true;
        return;
      }
      chunks.push(b);
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      if (stderr.length < MAX_STDERR) stderr += s.slice(0, MAX_STDERR - stderr.length);
    });
    if (run.input !== undefined) {
      child.stdin!.on('error', () => undefined); // git exiting early closes the pipe: not our error
      child.stdin!.end(run.input);
    }
    let settled = false;
    const done = (exitCode: number | null, spawnError?: string, signal?: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      run.signal.removeEventListener('abort', onAbort);
      resolve({ exitCode, stdout: Buffer.concat(chunks), stderr: spawnError ?? stderr, overflow, aborted, signal: signal ?? null });
    };
    child.on('error', (e) => done(null, e.message));
    child.on('close', (code, sig) => done(code, undefined, sig));
  });
}
