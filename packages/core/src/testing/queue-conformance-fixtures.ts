import { randomUUID } from 'node:crypto';
import type { JobContext, JobHandler, JobPhase, JobQueue, PhaseJob } from '../types/job-queue.js';

/** What sets one engine apart from another; the suite checks each claim rather than trusting it. */
export interface JobQueueCapabilities {
  /** Jobs left waiting when a queue closes run once another instance opens on the same backend. */
  durable: boolean;
  /** Several instances (processes) on one backend share the jobs, and cancel reaches any of them. */
  shared: boolean;
}

/** Makes a runner other than the test's own take a job and die mid-job (kill -9 of a worker process). */
export interface DeadRunnerHook {
  /** Enqueues `job` on the backend, lets a separate runner start it, then kills that runner before the
   * job ends. Resolves once the runner is dead. */
  killMidJob(job: PhaseJob): Promise<void>;
  /** How long after the kill the engine may take to report the stalled job. */
  stalledWithinMs: number;
}

/** One backend under test; `open` is called several times per test for instances sharing it. */
export interface QueueBackendUnderTest {
  open(): Promise<JobQueue>;
  capabilities: JobQueueCapabilities;
  /** Absent when the engine cannot lose a runner without losing the whole queue (in-process). */
  deadRunner?: DeadRunnerHook;
  cleanup?: () => Promise<void>;
}

export type JobQueueFactory = () => Promise<QueueBackendUnderTest>;
export type QueueConformanceIt = (name: string, fn: () => Promise<void>) => void;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits for `condition`, generously (a loaded machine is slow, never wrong). */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** A name unique to this run, so tests sharing one backend never see each other's jobs. */
export const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export function phaseJob(group: string | null, phase: JobPhase = 'plan', name = unique('d')): PhaseJob {
  return { id: `${name}:${phase}`, deploymentId: name, phase, group };
}

/** Runs a test against a fresh backend, closing every queue it opened and cleaning up afterwards. */
export async function withBackend(
  factory: JobQueueFactory,
  fn: (open: () => Promise<JobQueue>, backend: QueueBackendUnderTest) => Promise<void>,
): Promise<void> {
  const backend = await factory();
  const opened: JobQueue[] = [];
  const open = async () => {
    const queue = await backend.open();
    opened.push(queue);
    return queue;
  };
  try {
    await fn(open, backend);
  } finally {
    await Promise.allSettled(opened.map((q) => q.close({ graceMs: 0 })));
    await backend.cleanup?.();
  }
}

/**
 * A handler that records what ran, when, and how many at once (overall and per group). Jobs listed in
 * `held` wait until released or aborted; the others take a few milliseconds.
 */
export class RunRecorder {
  readonly started: PhaseJob[] = [];
  readonly ended: string[] = [];
  readonly attempts = new Map<string, number[]>();
  readonly aborted = new Map<string, unknown>();
  readonly held = new Set<string>();
  active = 0;
  maxActive = 0;
  maxPerGroup = 0;
  readonly #perGroup = new Map<string, number>();
  readonly #release = new Map<string, () => void>();
  failWith: ((job: PhaseJob) => Error | null) | null = null;

  readonly handler: JobHandler = async (job: PhaseJob, ctx: JobContext) => {
    this.started.push(job);
    this.attempts.set(job.id, [...(this.attempts.get(job.id) ?? []), ctx.attempt]);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    const group = job.group;
    if (group !== null) {
      const n = (this.#perGroup.get(group) ?? 0) + 1;
      this.#perGroup.set(group, n);
      this.maxPerGroup = Math.max(this.maxPerGroup, n);
    }
    try {
      if (this.held.has(job.id)) await this.#heldUntilReleased(job.id, ctx.signal);
      else await sleep(5);
      if (ctx.signal.aborted) this.aborted.set(job.id, ctx.signal.reason);
      const failure = this.failWith?.(job);
      if (failure) throw failure;
    } finally {
      this.active--;
      if (group !== null) this.#perGroup.set(group, (this.#perGroup.get(group) ?? 1) - 1);
      this.ended.push(job.id);
    }
  };

  release(jobId: string): void {
    this.held.delete(jobId);
    this.#release.get(jobId)?.();
  }

  startedIds(): string[] {
    return this.started.map((j) => j.id);
  }

  #heldUntilReleased(jobId: string, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (!this.held.has(jobId) || signal.aborted) return resolve();
      this.#release.set(jobId, resolve);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }
}
