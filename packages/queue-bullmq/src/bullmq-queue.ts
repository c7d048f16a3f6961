import type { EnqueueOptions, JobHandler, JobPosition, JobQueue, JobQueueHealth, PhaseJob, ProcessOptions } from '@iac-orchestrator/core';
import { Queue, Worker, type Job, type KeepJobs, type RedisOptions } from 'bullmq';
import { Redis, type RedisOptions as IORedisOptions } from 'ioredis';
import { defineLineScripts, runLineScript, type ScriptName } from './lines.js';
import { retried, withTimeout } from './util.js';

/** BullMQ's reason for a job whose stalled count passed `maxStalledCount` (0 here: the first stall). */
const STALLED_REASON = 'job stalled more than allowable limit';
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface BullMqJobQueueOptions {
  /** `redis://…` or `rediss://…`; or give `connection`. */
  url?: string;
  /** ioredis options (host, port, password, tls…), used when `url` is not given. */
  connection?: RedisOptions;
  /** The BullMQ queue's name; every process sharing the work uses the same. Default `iac-phase-jobs`. */
  queueName?: string;
  /** Key prefix of BullMQ and of the groups' lines. Default `bull` (BullMQ's own). */
  prefix?: string;
  /** BullMQ's job lock; a runner silent this long is stalled. Default 30 000 ms (BullMQ's). */
  lockDurationMs?: number;
  /** How often each runner looks for stalled jobs. Default 30 000 ms (BullMQ's). */
  stalledIntervalMs?: number;
  /** Finished jobs kept by BullMQ for inspection. Defaults: the last 1 000 for a day / 5 000 for a week. */
  removeOnComplete?: KeepJobs;
  removeOnFail?: KeepJobs;
  /** How often a runner repairs what a dead process left half done (a promoted head never handed to
   * BullMQ, a stalled job whose onStalled never finished). Default 60 s. */
  repairIntervalMs?: number;
  /** A stalled job whose onStalled has not decided after this long (its process died) is reported again.
   * Default 5 minutes. */
  stalledDecisionTimeoutMs?: number;
}

interface Running {
  bull: string;
  controller: AbortController;
}

/**
 * `JobQueue` on BullMQ (Redis): any number of processes enqueue, and any number run jobs.
 *
 * BullMQ does the delivery: Worker concurrency, job locks and stalled-job detection (with
 * `maxStalledCount: 0`, so a job whose runner died is failed, never re-run by BullMQ), delayed jobs and
 * the retention of finished jobs. One job per group at a time is ours (open-source BullMQ has no group
 * concurrency): each group waits in a Redis line beside BullMQ and only its head is added to BullMQ,
 * promoted atomically by Lua (see `lines.ts`). Cancel reaches a running job in any process at once over
 * a Redis pub/sub channel (BullMQ's own `cancelJob` works only inside the worker's process).
 */
export class BullMqJobQueue implements JobQueue {
  readonly engine = 'bullmq';
  readonly #redis: Redis;
  readonly #queue: Queue;
  readonly #lines: string;
  readonly #bullKeys: string;
  readonly #channel: string;
  readonly #options: BullMqJobQueueOptions;
  readonly #connection: RedisOptions & { url?: string };
  readonly #running = new Map<string, Running>();
  #worker: Worker | null = null;
  #subscriber: Redis | null = null;
  #repairTimer: NodeJS.Timeout | null = null;
  #handler: JobHandler | null = null;
  #processOptions: ProcessOptions = { concurrency: 1 };
  /** Closing: the worker takes no new job. */
  #closing = false;
  /** Closed: connections are gone. */
  #closed = false;

  constructor(options: BullMqJobQueueOptions) {
    if (!options.url && !options.connection) throw new Error('BullMqJobQueue needs a Redis `url` or `connection`');
    this.#options = options;
    const name = options.queueName ?? 'iac-phase-jobs';
    const prefix = options.prefix ?? 'bull';
    // BullMQ's workers block on Redis: commands must wait for a reconnect rather than fail after 20 tries.
    this.#connection = { ...(options.url ? { url: options.url } : options.connection), maxRetriesPerRequest: null };
    this.#redis = options.url ? new Redis(options.url, { maxRetriesPerRequest: null }) : new Redis({ ...(options.connection as IORedisOptions), maxRetriesPerRequest: null });
    this.#redis.on('error', () => undefined);
    defineLineScripts(this.#redis);
    this.#queue = new Queue(name, {
      connection: this.#connection,
      prefix,
      defaultJobOptions: {
        attempts: 1,
        removeOnComplete: options.removeOnComplete ?? { count: 1000, age: 24 * 3600 },
        removeOnFail: options.removeOnFail ?? { count: 5000, age: 7 * 24 * 3600 },
      },
    });
    this.#queue.on('error', () => undefined);
    this.#bullKeys = `${prefix}:${name}:`;
    this.#lines = `${prefix}:${name}:iac:`;
    this.#channel = `${prefix}:${name}:iac:cancel`;
  }

  async enqueue(job: PhaseJob, options: EnqueueOptions = {}): Promise<void> {
    if (this.#closed) throw new Error('The job queue is closed');
    const delayMs = Math.min(Math.max(0, Math.round(options.delayMs ?? 0)), Number.MAX_SAFE_INTEGER);
    const snapshot: PhaseJob = { id: job.id, deploymentId: job.deploymentId, phase: job.phase, group: job.group, ...(job.payload !== undefined ? { payload: job.payload } : {}) };
    const reply = await this.#script('ENQUEUE', [
      job.id, JSON.stringify(snapshot), job.group ?? '', job.group === null ? '0' : '1', delayMs,
      Buffer.from(job.id).toString('base64url'), this.#bullKeys, Date.now(), options.rerunIfActive ? '1' : '0',
    ]);
    if (reply[0] === 'add') await this.#add(job.id, String(reply[1]), String(reply[2]), Number(reply[3]));
  }

  async process(handler: JobHandler, options: ProcessOptions): Promise<void> {
    if (this.#closing) throw new Error('The job queue is closed');
    if (this.#handler) throw new Error('process() was already called on this queue');
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new Error('concurrency must be a positive integer');
    this.#handler = handler;
    this.#processOptions = options;
    this.#subscriber = this.#redis.duplicate();
    this.#subscriber.on('error', () => undefined);
    this.#subscriber.on('message', (_channel: string, jobId: string) => this.#running.get(jobId)?.controller.abort('cancelled'));
    await this.#subscriber.subscribe(this.#channel);
    const worker = new Worker(this.#queue.name, (job: Job, token?: string, signal?: AbortSignal) => this.#deliver(job, signal), {
      connection: this.#connection,
      prefix: this.#queue.opts.prefix,
      concurrency: options.concurrency,
      maxStalledCount: 0,
      lockDuration: this.#options.lockDurationMs ?? 30_000,
      stalledInterval: this.#options.stalledIntervalMs ?? 30_000,
    });
    worker.on('error', () => undefined);
    worker.on('failed', (job, error) => {
      if (job) void this.#failed(job, error).catch((e: unknown) => console.warn(`job ${String(job.data?.id)}: could not recover a failed delivery: ${String(e)}`));
    });
    this.#worker = worker;
    await this.#repair();
    this.#repairTimer = setInterval(() => void this.#repair().catch(() => undefined), this.#options.repairIntervalMs ?? 60_000);
    this.#repairTimer.unref();
  }

  async cancel(jobId: string): Promise<boolean> {
    const [state, bull] = (await this.#script('CANCEL', [jobId])).map(String);
    if (state === 'none') return false;
    if (state === 'active') {
      const local = this.#running.get(jobId);
      if (local && this.#worker?.cancelJob(local.bull, 'cancelled')) return true;
      local?.controller.abort('cancelled');
      if (!local) await this.#redis.publish(this.#channel, jobId);
      return true;
    }
    // Reported stalled and being decided on (or its decider died): the cancel ends it, the group moves on.
    if (state === 'stalled') await this.#release(jobId, bull!);
    if (state === 'ready' || state === 'delayed') {
      // Still in BullMQ: remove it there; if a worker took it meanwhile, it sees the cancel flag and skips it.
      const removed = await this.#queue.remove(bull!);
      if (removed === 1 || !(await this.#queue.getJob(bull!))) await this.#release(jobId, bull!);
    }
    return true;
  }

  async position(jobId: string): Promise<JobPosition | null> {
    const [state, position] = await this.#script('POSITION', [jobId]);
    if (state === 'none') return null;
    const groupPosition = Number(position) >= 0 ? Number(position) : null;
    if (state === 'delayed') return { state: 'delayed', groupPosition: null };
    if (state === 'active' || state === 'stalled') return { state: 'active', groupPosition };
    return { state: 'waiting', groupPosition };
  }

  async health(): Promise<JobQueueHealth> {
    if (this.#closing) return { ok: false, engine: this.engine, detail: 'closed' };
    try {
      await withTimeout(this.#redis.ping(), 2000, 'Redis did not answer PING within 2 s');
      return { ok: true, engine: this.engine };
    } catch (error) {
      return { ok: false, engine: this.engine, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  async close(options: { graceMs?: number } = {}): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#repairTimer) clearInterval(this.#repairTimer);
    const grace =
      options.graceMs === undefined
        ? null
        : setTimeout(() => {
            for (const running of this.#running.values()) running.controller.abort('shutdown');
          }, Math.min(Math.max(0, options.graceMs), MAX_TIMER_MS));
    try {
      await this.#worker?.close();
    } finally {
      if (grace) clearTimeout(grace);
      // A graceful QUIT waits for Redis; with Redis gone it would wait forever, so it gets a few seconds.
      const closing = Promise.allSettled([this.#queue.close(), this.#subscriber?.quit(), this.#redis.quit()]);
      await withTimeout(closing, 3000, 'close').catch(() => undefined);
      this.#subscriber?.disconnect();
      this.#redis.disconnect();
      await withTimeout(this.#queue.disconnect(), 1000, 'disconnect').catch(() => undefined);
      this.#closed = true;
    }
  }

  /** One BullMQ delivery: a due delayed job joining its line, or a job to run. Never throws on the
   * handler's account, so BullMQ never retries a job. */
  async #deliver(bullJob: Job, signal?: AbortSignal): Promise<void> {
    const id = String(bullJob.data.id);
    const bull = String(bullJob.id);
    if (bullJob.name === 'join') return this.#join(id, bull);
    const controller = new AbortController();
    signal?.addEventListener('abort', () => controller.abort(signal.reason === 'cancelled' ? 'cancelled' : 'shutdown'), { once: true });
    this.#running.set(id, { bull, controller });
    try {
      const [verdict, json, attempt] = await this.#script('START', [id, bull, Date.now()]);
      if (verdict === 'cancelled') return await this.#release(id, bull);
      if (verdict === 'stalled') return await this.#stalled(id, bull, String(json), Number(attempt));
      if (verdict !== 'run') return;
      const job = JSON.parse(String(json)) as PhaseJob;
      try {
        await this.#handler!(job, { signal: controller.signal, attempt: Number(attempt) });
      } catch (error) {
        this.#report(job, error);
      }
      await this.#release(id, bull);
    } finally {
      if (this.#running.get(id)?.bull === bull) this.#running.delete(id);
    }
  }

  async #join(id: string, bull: string): Promise<void> {
    const [verdict, head] = await this.#script('JOIN', [id, bull]);
    if (verdict === 'add') await this.#add(id, String(head), 'run', 0);
  }

  /** BullMQ failed a delivery. Our processor never throws on the handler's account, so either its runner
   * died (BullMQ's stalled reason) or Redis failed one of our steps: a job that never started gets a fresh
   * delivery, one that started is reported stalled (the callback finds its outcome in the store). */
  async #failed(bullJob: Job, error: Error): Promise<void> {
    const id = String(bullJob.data.id);
    const bull = String(bullJob.id);
    if (error.message !== STALLED_REASON) console.warn(`job ${id}: a queue step failed (${error.message}); recovering it`);
    const [verdict, json, attempt] = await this.#script('STALL', [id, bull, Date.now()]);
    if (verdict === 'join') return this.#join(id, bull);
    if (verdict === 'add') return this.#add(id, String(json), 'run', 0);
    if (verdict === 'stalled') return this.#stalled(id, bull, String(json), Number(attempt));
  }

  /** Reports a job whose runner disappeared, once; the callback decides (drop or retry in place). */
  async #stalled(id: string, bull: string, json: string, attempt: number): Promise<void> {
    const job = JSON.parse(json) as PhaseJob;
    let decision: void | 'retry' = undefined;
    try {
      decision = await this.#processOptions.onStalled?.({ job, attempt });
    } catch (error) {
      this.#report(job, error);
    }
    if (decision === 'retry') {
      const [verdict, next] = await this.#script('RETRY', [id]);
      if (verdict === 'add') return this.#add(id, String(next), 'run', 0);
    }
    await this.#release(id, bull);
  }

  async #release(id: string, bull: string): Promise<void> {
    // A Redis blip here would leave the group waiting behind a finished job: try a few times first.
    const adds = (await retried(() => this.#script('RELEASE', [id, bull]))).map(String);
    for (let i = 0; i + 1 < adds.length; i += 2) await this.#add(adds[i]!, adds[i + 1]!, 'run', 0);
  }

  /** Hands a delivery to BullMQ; the deterministic job id makes a repeated add a no-op. */
  async #add(id: string, bull: string, kind: string, delayMs: number): Promise<void> {
    await this.#queue.add(kind, { id }, { jobId: bull, delay: delayMs > 0 ? delayMs : undefined });
  }

  async #repair(): Promise<void> {
    const staleMs = this.#options.stalledDecisionTimeoutMs ?? 5 * 60_000;
    const found = (await this.#script('ORPHANS', [this.#bullKeys, Date.now(), staleMs])).map(String);
    for (let i = 0; i + 4 < found.length; i += 5) {
      const [id, bull, what, json, attempt] = found.slice(i, i + 5) as [string, string, string, string, string];
      if (what === 'add') await this.#add(id, bull, 'run', 0);
      else await this.#stalled(id, bull, json, Number(attempt));
    }
  }

  #script(name: ScriptName, args: (string | number)[]): Promise<(string | number)[]> {
    return runLineScript(this.#redis, name, [this.#lines, ...args]);
  }

  #report(job: PhaseJob, error: unknown): void {
    if (this.#processOptions.onError) return this.#processOptions.onError(job, error);
    console.warn(`job ${job.id} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
