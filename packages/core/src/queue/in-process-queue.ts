import type {
  EnqueueOptions,
  JobHandler,
  JobPosition,
  JobQueue,
  JobQueueHealth,
  PhaseJob,
  ProcessOptions,
} from '../types/job-queue.js';

/** setTimeout fires at once for anything above 2^31-1 ms; longer delays are waited for in steps. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

interface Entry {
  job: PhaseJob;
  state: 'delayed' | 'waiting' | 'active';
  timer?: NodeJS.Timeout;
  controller?: AbortController;
  attempt: number;
  /** Asked again while running (`rerunIfActive`): joins its line again once it ends. */
  rerun?: boolean;
}

/**
 * The embedded queue engine: one process, nothing durable. Jobs run at most `concurrency` at a time
 * across groups and one at a time per group, in the order they were enqueued (a delayed job joins its
 * group's line when its delay elapses). A process that dies takes its queue with it, so there is no
 * stalled job to report here: use `@iac-orchestrator/queue-bullmq` when work must survive a process.
 */
export class InProcessJobQueue implements JobQueue {
  readonly engine = 'in-process';
  readonly #entries = new Map<string, Entry>();
  /** Per group: the ids waiting or running, first = running or next. */
  readonly #lines = new Map<string, string[]>();
  /** Jobs that may start now (ungrouped ones, and the waiting head of each group), oldest first. */
  readonly #runnable: Entry[] = [];
  readonly #running = new Set<Promise<void>>();
  #handler: JobHandler | null = null;
  #options: ProcessOptions = { concurrency: 1 };
  /** Closing: no job starts any more. */
  #closed = false;
  /** Closed: the running jobs have ended too. */
  #stopped = false;

  async enqueue(job: PhaseJob, options: EnqueueOptions = {}): Promise<void> {
    if (this.#stopped) throw new Error('The job queue is closed');
    // A job finishing during close may still hand on work; here it would only be dropped with the process
    // (the store keeps the deployment, which the next start recovers), so it is accepted and not kept.
    if (this.#closed) return;
    const existing = this.#entries.get(job.id);
    if (existing) {
      if (existing.state === 'active' && options.rerunIfActive && !existing.controller?.signal.aborted) existing.rerun = true;
      return;
    }
    // The payload is copied as an engine that serialises it would (BullMQ): later changes by the caller do not reach the job.
    const entry: Entry = { job: { ...job, ...(job.payload !== undefined ? { payload: structuredClone(job.payload) } : {}) }, state: 'delayed', attempt: 1 };
    this.#entries.set(job.id, entry);
    const delayMs = Math.max(0, options.delayMs ?? 0);
    if (delayMs > 0) this.#delay(entry, Date.now() + delayMs);
    else this.#join(entry);
  }

  async process(handler: JobHandler, options: ProcessOptions): Promise<void> {
    if (this.#closed) throw new Error('The job queue is closed');
    if (this.#handler) throw new Error('process() was already called on this queue');
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new Error('concurrency must be a positive integer');
    this.#handler = handler;
    this.#options = options;
    this.#pump();
  }

  async cancel(jobId: string): Promise<boolean> {
    const entry = this.#entries.get(jobId);
    if (!entry) return false;
    if (entry.state === 'active') {
      entry.rerun = false;
      entry.controller?.abort('cancelled');
      return true;
    }
    if (entry.timer) clearTimeout(entry.timer);
    const i = this.#runnable.indexOf(entry);
    if (i >= 0) this.#runnable.splice(i, 1);
    this.#leave(entry);
    return true;
  }

  async position(jobId: string): Promise<JobPosition | null> {
    const entry = this.#entries.get(jobId);
    if (!entry) return null;
    const group = entry.job.group;
    if (entry.state === 'delayed' || group === null) return { state: entry.state, groupPosition: null };
    return { state: entry.state, groupPosition: this.#lines.get(group)?.indexOf(jobId) ?? 0 };
  }

  async health(): Promise<JobQueueHealth> {
    return this.#closed ? { ok: false, engine: this.engine, detail: 'closed' } : { ok: true, engine: this.engine };
  }

  async close(options: { graceMs?: number } = {}): Promise<void> {
    this.#closed = true;
    // Nothing here outlives the process: waiting and delayed jobs are dropped (the store still holds
    // their deployments, which recovery picks up).
    for (const entry of this.#entries.values()) {
      if (entry.state === 'active') continue;
      if (entry.timer) clearTimeout(entry.timer);
      this.#entries.delete(entry.job.id);
    }
    this.#runnable.length = 0;
    const grace =
      options.graceMs === undefined
        ? undefined
        : setTimeout(() => {
            for (const entry of this.#entries.values()) entry.controller?.abort('shutdown');
          }, Math.min(Math.max(0, options.graceMs), MAX_TIMER_MS));
    try {
      await Promise.all([...this.#running]);
    } finally {
      if (grace) clearTimeout(grace);
      this.#stopped = true;
    }
  }

  #delay(entry: Entry, dueAt: number): void {
    const wait = dueAt - Date.now();
    if (wait <= 0) return this.#join(entry);
    entry.timer = setTimeout(() => this.#delay(entry, dueAt), Math.min(wait, MAX_TIMER_MS));
    entry.timer.unref();
  }

  /** A job becomes due: it joins the end of its group's line, or may start at once without a group. */
  #join(entry: Entry): void {
    entry.timer = undefined;
    entry.state = 'waiting';
    const group = entry.job.group;
    if (group !== null) {
      const line = this.#lines.get(group) ?? [];
      line.push(entry.job.id);
      this.#lines.set(group, line);
      if (line.length > 1) return;
    }
    this.#runnable.push(entry);
    this.#pump();
  }

  /** A job ends (done, failed or cancelled): the next one of its group may start. */
  #leave(entry: Entry): void {
    this.#entries.delete(entry.job.id);
    const group = entry.job.group;
    if (group === null) return;
    const line = this.#lines.get(group) ?? [];
    const wasHead = line[0] === entry.job.id;
    const i = line.indexOf(entry.job.id);
    if (i >= 0) line.splice(i, 1);
    if (line.length === 0) this.#lines.delete(group);
    else if (wasHead && !this.#closed) {
      const next = this.#entries.get(line[0]!);
      if (next) this.#runnable.push(next);
    }
    this.#pump();
  }

  #pump(): void {
    const handler = this.#handler;
    if (!handler || this.#closed) return;
    while (this.#running.size < this.#options.concurrency && this.#runnable.length > 0) {
      const entry = this.#runnable.shift()!;
      const run = this.#run(handler, entry).finally(() => {
        this.#running.delete(run);
        this.#leave(entry);
        if (entry.rerun && !this.#closed && !this.#entries.has(entry.job.id)) {
          const again: Entry = { job: entry.job, state: 'waiting', attempt: 1 };
          this.#entries.set(again.job.id, again);
          this.#join(again);
        }
      });
      this.#running.add(run);
    }
  }

  async #run(handler: JobHandler, entry: Entry): Promise<void> {
    entry.state = 'active';
    entry.controller = new AbortController();
    try {
      await handler({ ...entry.job }, { signal: entry.controller.signal, attempt: entry.attempt });
    } catch (error) {
      reportHandlerError(this.#options, entry.job, error);
    }
  }
}

/** A handler's rejection is the runner's business (its outcome is in the store); the queue only says so. */
export function reportHandlerError(options: ProcessOptions, job: PhaseJob, error: unknown): void {
  if (options.onError) return options.onError(job, error);
  console.warn(`job ${job.id} failed: ${error instanceof Error ? error.message : String(error)}`);
}
