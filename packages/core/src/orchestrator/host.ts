import type { EventEmitter } from 'eventemitter3';
import type { AuditEntry, Format } from '../types/domain.js';
import type { Executor } from '../types/executor.js';
import type { Sandbox } from '../types/sandbox.js';
import type { StateStore } from '../types/state-store.js';
import type { Redactor } from '../redaction.js';
import type { JobQueue, PhaseJob } from '../types/job-queue.js';
import type { DeploymentSubscription } from '../notifications/subscriptions.js';
import type { JobRun } from './job-run.js';
import type { ApprovalPolicy, OrchestratorEvents, OrchestratorLogger } from './types.js';

/** Options with every default filled in. */
export interface ResolvedOptions {
  concurrency: number;
  maxDeploymentTimeoutMs: number;
  stateRetention: number;
  lockTtlMs: number;
  lockWaitMs: number;
  approvalTimeoutMs: number;
  approvalPolicy: ApprovalPolicy;
  /** Environments whose plans need an approver (the default policy's list). */
  protectedEnvironments: readonly string[];
  /** Most bytes of log messages kept per deployment; a truncation marker ends a longer log. */
  maxLogBytes: number;
  workDir: string;
  keepWorkDirs: boolean;
  instanceId: string;
  credentials: Record<string, string | undefined>;
}

/** What the runner's jobs need from the Orchestrator that owns them. */
export interface RunHost {
  readonly store: StateStore;
  readonly options: ResolvedOptions;
  readonly redactor: Redactor;
  readonly queue: JobQueue;
  /** Jobs running in this process, by deployment id. */
  readonly runs: Map<string, JobRun>;
  readonly events: EventEmitter<OrchestratorEvents>;
  readonly logger: OrchestratorLogger;
  executorFor(format: Format): Executor;
  /** The sandbox every tool process runs in (resolved once, on first use). */
  sandbox(): Promise<Sandbox>;
  audit(entry: Omit<AuditEntry, 'at'>): Promise<void>;
  /** Delivers one notification (a `notify` job). */
  deliverNotification?(job: PhaseJob): Promise<void>;
  /** Refuses (ValidationError) a request's `options.notify` the service cannot honour (allow-list, secret). */
  checkNotify?(notify: readonly DeploymentSubscription[] | undefined): void;
}
