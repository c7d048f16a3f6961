/**
 * Starts replica processes (replica-process.ts under `node --import tsx`) and talks to them: calls
 * through stdin, replies and events from stdout.
 */
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';

const SCRIPT = fileURLToPath(new URL('./replica-process.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface ReplicaSettings {
  redisUrl: string;
  prefix: string;
  workDir: string;
  lockTtlMs: number;
  lockWaitMs: number;
  /** Share jobs with the other replicas through BullMQ (this queue name) instead of each its own in-process queue. */
  queueName?: string;
  /** False: an API-only replica (stores and enqueues, takes no jobs). */
  runner?: boolean;
  /** Jobs a runner takes at once (default 4). */
  concurrency?: number;
  /** BullMQ's job lock and stalled-check interval, ms (when `queueName` is set). */
  queueLockMs?: number;
  queueStalledMs?: number;
  /** Runs `recover()` this often, as a replica of the service does. */
  recoveryEveryMs?: number;
}

export type ReplicaEvent = { event: string; deploymentId?: string } & Record<string, unknown>;

export class ReplicaError extends Error {
  constructor(
    readonly errorName: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export class Replica {
  readonly events: ReplicaEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly replies = new Map<number, (r: { ok: boolean; result?: unknown; error?: { name: string; code?: string; message: string } }) => void>();
  private nextCall = 1;
  private stderr = '';
  pid = 0;

  private constructor(
    readonly name: string,
    private readonly child: ResultPromise,
  ) {
    createInterface({ input: child.stdout! }).on('line', (line) => this.onLine(line));
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
  }

  static async start(name: string, s: ReplicaSettings): Promise<Replica> {
    const child = execa('node', ['--import', 'tsx', SCRIPT], {
      cwd: REPO_ROOT,
      extendEnv: false,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TSX_TSCONFIG_PATH: `${REPO_ROOT}tsconfig.json`,
        REDIS_URL: s.redisUrl,
        REDIS_PREFIX: s.prefix,
        WORK_DIR: s.workDir,
        LOCK_TTL_MS: String(s.lockTtlMs),
        LOCK_WAIT_MS: String(s.lockWaitMs),
        ...(s.recoveryEveryMs ? { RECOVERY_EVERY_MS: String(s.recoveryEveryMs) } : {}),
        ...(s.queueName ? { QUEUE_NAME: s.queueName } : {}),
        ...(s.runner === false ? { RUNNER: 'false' } : {}),
        ...(s.concurrency ? { CONCURRENCY: String(s.concurrency) } : {}),
        ...(s.queueLockMs ? { QUEUE_LOCK_MS: String(s.queueLockMs) } : {}),
        ...(s.queueStalledMs ? { QUEUE_STALLED_MS: String(s.queueStalledMs) } : {}),
      },
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      reject: false,
      buffer: false,
    });
    const replica = new Replica(name, child);
    const ready = await replica.waitForEvent((e) => e.event === 'ready', 60_000);
    replica.pid = ready.pid as number;
    return replica;
  }

  /** Calls an Orchestrator method in the replica; rejects with a ReplicaError carrying the error's name and code. */
  async call<T = unknown>(op: string, ...args: unknown[]): Promise<T> {
    const call = this.nextCall++;
    const reply = new Promise<{ ok: boolean; result?: unknown; error?: { name: string; code?: string; message: string } }>((resolve) => this.replies.set(call, resolve));
    this.child.stdin!.write(`${JSON.stringify({ call, op, args })}\n`);
    const r = await this.bounded(reply, 30_000, `reply to ${op}`);
    if (!r.ok) throw new ReplicaError(r.error!.name, r.error!.code, r.error!.message);
    return r.result as T;
  }

  /** The first event (already seen or still to come) matching `match`; fails after `withinMs`. */
  async waitForEvent(match: (e: ReplicaEvent) => boolean, withinMs = 30_000): Promise<ReplicaEvent> {
    const seen = this.events.find(match);
    if (seen) return seen;
    return this.bounded(
      new Promise<ReplicaEvent>((resolve) => {
        const check = () => {
          const e = this.events.find(match);
          if (e) {
            this.waiters.delete(check);
            resolve(e);
          }
        };
        this.waiters.add(check);
      }),
      withinMs,
      'an event',
    );
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  /** Resolves when the process has exited (after a kill). */
  async exited(): Promise<void> {
    await this.child;
  }

  /** Closes the orchestrator and exits; kills the process if it does not. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGCONT');
    await this.call('close').catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.child;
    clearTimeout(timer);
  }

  private onLine(line: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return; // not ours
    }
    if (typeof message.reply === 'number') {
      this.replies.get(message.reply)?.(message as never);
      this.replies.delete(message.reply);
      return;
    }
    this.events.push(message as ReplicaEvent);
    for (const w of [...this.waiters]) w();
  }

  private bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.name}: no ${what} within ${ms} ms${this.stderr ? `; stderr: ${this.stderr.slice(-2000)}` : ''}`)), ms);
      promise.then(
        (v) => {
          clearTimeout(t);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(t);
          reject(e);
        },
      );
    });
  }
}
