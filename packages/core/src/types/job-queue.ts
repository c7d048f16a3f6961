/**
 * The job queue contract: how the control plane hands the phases of deployments to runners.
 *
 * A deployment's work is split into phase jobs (plan, apply, drift) plus scheduled jobs (the approval
 * timeout). The API stores the deployment and enqueues a job; a runner (any process that called
 * {@link JobQueue.process}) takes it. Engines: the in-process queue of core (one process) and
 * `@iac-orchestrator/queue-bullmq` (any number of processes and machines on Redis). Both pass
 * `jobQueueConformance` from `@iac-orchestrator/core/testing`.
 */

/** What a job asks a runner to do. `plan` covers every operation's planning (apply, destroy, rollback,
 * dry runs); `apply` applies a stored, approved plan; `drift` runs a drift check; `approval-timeout` ends
 * a plan nobody decided on in time; `notify` delivers one notification of a deployment's event (its
 * {@link PhaseJob.payload} says which event, to which subscription, at which attempt). */
export type JobPhase = 'plan' | 'apply' | 'drift' | 'approval-timeout' | 'notify';

/** One unit of work. Everything a runner needs beyond this is in the store, so any runner can take it. */
export interface PhaseJob {
  /** Unique and stable (`<deploymentId>:<phase>`): enqueueing the same id twice adds nothing. */
  id: string;
  deploymentId: string;
  phase: JobPhase;
  /** Jobs with the same group (the stack key) run one at a time, in the order they were enqueued.
   * Jobs without a group (scheduled ones such as `approval-timeout`) are not serialised. */
  group: string | null;
  /** What the job carries beyond the deployment's id (JSON only: objects, arrays, strings, numbers,
   * booleans, null). Engines hand it to the runner exactly as enqueued. Never a secret: it rests in the
   * queue's backend (Redis for BullMQ). */
  payload?: Record<string, unknown>;
}

export interface EnqueueOptions {
  /** Run no earlier than this many milliseconds from now (a delayed job: the approval timeout). */
  delayMs?: number;
  /** When a job with this id is running, run it once more after it ends (joining the end of its group's
   * line) instead of adding nothing. For wake-ups that must not be lost while the job they wake is still
   * finishing (a stack freed while its next deployment's plan job is parking). Several such calls during
   * one run add one run. Waiting or delayed jobs are still not added twice. */
  rerunIfActive?: boolean;
}

/** Why a running job's signal was aborted: a cancel asked anywhere, or the runner shutting down. */
export type JobAbortReason = 'cancelled' | 'shutdown';

/** What a handler gets with each job. */
export interface JobContext {
  /** Aborted when {@link JobQueue.cancel} is called for this job (from any process) or the runner closes.
   * `signal.reason` is then a {@link JobAbortReason}. */
  signal: AbortSignal;
  /** 1 on the first delivery; more when the engine delivers a job again (a stalled plan's one retry). */
  attempt: number;
}

/** A runner's work: resolve when the job is done (its outcome is in the store); a rejection is logged by
 * the engine and the job is not retried. */
export type JobHandler = (job: PhaseJob, ctx: JobContext) => Promise<void>;

/** A job whose runner disappeared (process killed, machine lost, lock not renewed). */
export interface StalledJob {
  job: PhaseJob;
  attempt: number;
}

export interface ProcessOptions {
  /** How many jobs this process runs at once (across all groups). */
  concurrency: number;
  /** Called once (in some live process) for a job whose runner disappeared. The engine never re-runs it
   * on its own: the callback decides. Resolving with nothing drops the job and its group moves on (an
   * interrupted apply ends `failed`); resolving `'retry'` runs the same job again in place, still first in
   * its group, with `attempt + 1` (a stalled plan's one retry). */
  onStalled?: (stalled: StalledJob) => Promise<void | 'retry'>;
  /** Called when a handler rejects (the job is not retried). Default: `console.warn` of the message. */
  onError?: (job: PhaseJob, error: unknown) => void;
}

/** Where a job waits, for `queuePosition` in a deployment's status. */
export interface JobPosition {
  state: 'waiting' | 'delayed' | 'active';
  /** 0 = next (or running) in its group; n = n jobs of the same group before it. Null without a group. */
  groupPosition: number | null;
}

export interface JobQueueHealth {
  ok: boolean;
  engine: string;
  detail?: string;
}

/** The contract every queue engine implements. */
export interface JobQueue {
  /** The engine's name (`in-process`, `bullmq`), reported by `/ready`. */
  readonly engine: string;
  /** Adds a job; a job with an id already waiting, delayed or active is not added twice. */
  enqueue(job: PhaseJob, options?: EnqueueOptions): Promise<void>;
  /** Makes this process a runner: hands it jobs, at most `concurrency` at a time and one per group. */
  process(handler: JobHandler, options: ProcessOptions): Promise<void>;
  /** Removes a waiting or delayed job, or aborts a running one wherever it runs. Returns false when no
   * such job exists (already finished). */
  cancel(jobId: string): Promise<boolean>;
  /** Where a job waits, or null when it is not queued (finished or never added). */
  position(jobId: string): Promise<JobPosition | null>;
  health(): Promise<JobQueueHealth>;
  /** Stops taking jobs; running jobs get `shutdown` on their signal after `graceMs` (default: wait for
   * them). Closes connections. */
  close(options?: { graceMs?: number }): Promise<void>;
}
