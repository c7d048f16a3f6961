import { readdirSync, readFileSync } from 'node:fs';
import type { ToolStopper } from '../types/sandbox.js';

/** Sends a signal; a process that is already gone (ESRCH) or not ours is not an error. */
export function sendSignal(pid: number, signal: NodeJS.Signals): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false; /* already exited */
  }
}

/** A tool spawned directly (`detached: true`): SIGINT to it, SIGKILL to its whole process group. */
export const processGroupStopper: ToolStopper = {
  interrupt: (pid, signal = 'SIGINT') => sendSignal(pid, signal),
  kill: (pid) => {
    sendSignal(-pid, 'SIGKILL');
    sendSignal(pid, 'SIGKILL');
  },
};

/** Direct children of a process, from `/proc/<pid>/task/<tid>/children`, else by scanning every `stat`. */
export function childrenOf(pid: number): number[] {
  try {
    const out: number[] = [];
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
    return out;
  } catch {
    return scanChildren(pid);
  }
}

function scanChildren(parent: number): number[] {
  const out: number[] = [];
  let names: string[] = [];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Field 4 (ppid) comes after the command name, which may itself contain spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) out.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return out;
}

/**
 * bubblewrap with `--unshare-pid --new-session`: the spawned pid is bwrap's launcher, its child is the
 * namespace's init (PID 1 inside, leader of a new session), whose child is the tool. A signal to the
 * launcher does not reach the tool, so SIGINT goes to the tool by pid; a kill goes to the init (the kernel
 * then kills every process of the namespace) and to the launcher.
 */
export const bwrapStopper: ToolStopper = {
  interrupt(pid, signal = 'SIGINT') {
    let reached = false;
    for (const init of childrenOf(pid)) for (const tool of childrenOf(init)) reached = sendSignal(tool, signal) || reached;
    return reached;
  },
  kill(pid) {
    for (const init of childrenOf(pid)) {
      sendSignal(-init, 'SIGKILL');
      sendSignal(init, 'SIGKILL');
    }
    sendSignal(pid, 'SIGKILL');
  },
};

/**
 * Stops a running tool when `signal` aborts: `interrupt` first (SIGINT unless told otherwise), the kill
 * after `graceMs`. `dispose()` once the process exited; after an interrupt it kills what is left, so
 * nothing the tool started (a provisioner's command, a plugin) outlives it.
 */
export class AbortStop {
  interrupted = false;
  killed = false;
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private readonly onAbort = (): void => {
    if (this.interrupted) return;
    this.interrupted = true;
    // A tool still starting inside its sandbox cannot be found yet: try again until it can.
    if (!this.stopper.interrupt(this.pid, this.interruptSignal)) {
      this.retry = setInterval(() => {
        if (this.stopper.interrupt(this.pid, this.interruptSignal)) clearInterval(this.retry);
      }, 100);
      this.retry.unref();
    }
    this.timer = setTimeout(() => {
      this.killed = true;
      clearInterval(this.retry);
      this.stopper.kill(this.pid);
    }, this.graceMs);
    this.timer.unref();
  };

  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly pid: number,
    private readonly stopper: ToolStopper,
    private readonly graceMs: number,
    private readonly interruptSignal: NodeJS.Signals = 'SIGINT',
  ) {
    if (!pid) return;
    if (signal?.aborted) this.onAbort();
    else signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  dispose(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    if (this.timer) clearTimeout(this.timer);
    clearInterval(this.retry);
    if (this.interrupted && this.pid) this.stopper.kill(this.pid);
  }
}
