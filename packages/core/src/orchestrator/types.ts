import type { AuditEntry, Deployment, DeploymentStatus, Lock, LogEntry, ResourceStatus, StackState, StateVersion } from '../types/domain.js';
import type { CodeSource, GitCodeFetcher } from '../types/code-source.js';
import type { Executor, ExecutorCheck } from '../types/executor.js';
import type { SandboxInfo, SandboxSetting } from '../types/sandbox.js';
import type { LogPage, Page, StateStore } from '../types/state-store.js';
import type { Redactor } from '../redaction.js';
import type { JobQueue, JobQueueHealth } from '../types/job-queue.js';
import type { NotificationOptions } from '../notifications/options.js';
import type { NotificationEventType } from '../notifications/subscriptions.js';
import type {
  ApprovalInput,
  Caller,
  DeployInput,
  DestroyInput,
  HistoryQuery,
  ListQuery,
  LockInput,
  LogsQuery,
  RollbackInput,
  UnlockInput,
} from './inputs.js';
import type { DeploymentGroupInput } from './groups/inputs.js';
import type { DeploymentGroup } from './groups/view.js';

/** Decides whether a deployment may apply without a human approving its plan. */
export type ApprovalPolicy = (ctx: { environment: string; autoApprove: boolean; caller: Caller | null; operation: Deployment['operation'] }) => 'auto' | 'manual';

/** A lock as shown to callers: the fencing token stays inside. */
export type PublicLock = Omit<Lock, 'token'>;

/** Structured diagnostics of the orchestrator itself (not deployment logs). Messages are redacted. */
export type OrchestratorLogger = (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface OrchestratorOptions {
  store: StateStore;
  executors?: Executor[];
  /** Resolves `generationJobId` to files. Without one, only inline `files` can be deployed. */
  codeSource?: CodeSource;
  /** Fetches a deploy request's `source.git` (at request time, in this orchestrator's sandbox). Default:
   * core's `GitCodeSource` with its defaults (https and ssh, no credentials); `null` refuses Git sources. */
  gitSource?: GitCodeFetcher | null;
  /** Cloud credentials (AZURE_*, AWS_*, GCP_*...); each deployment gets its own cloud's only. Their
   * values are registered as secrets. */
  credentials?: Record<string, string | undefined>;
  /** Jobs this process runs at once (as a runner); more wait in the queue, their deployments `pending`. Default 4. */
  concurrency?: number;
  /** Where phase jobs (plan, apply, drift, approval timeout) wait for a runner. Default: core's
   * `InProcessJobQueue` (this process only). Use `BullMqJobQueue` from `@iac-orchestrator/queue-bullmq`
   * to spread jobs over processes and machines. Closed by {@link OrchestratorApi.close}. */
  queue?: JobQueue;
  /** Whether this process takes jobs from the queue (a runner). False for an API-only process. Default true. */
  runner?: boolean;
  /** `MAX_DEPLOYMENT_TIMEOUT_MS`: cap on plan + apply time of one deployment. Default 30 min. */
  maxDeploymentTimeoutMs?: number;
  /** `STATE_BACKUP_RETENTION`: versions that keep raw state and code. Default 10. */
  stateRetention?: number;
  /** Lease of a deployment's stack lock; renewed every third of it while the deployment lives. Default 30 s. */
  lockTtlMs?: number;
  /** How long a deployment waits in `pending` behind a manual lock of its stack (counted from when it was
   * asked for) before failing with StateLockedError; 0 fails at once. Deployments of the same stack wait
   * for each other in arrival order without this limit. Default 10 min. */
  lockWaitMs?: number;
  /** How long a plan waits in `awaiting_approval` before it is failed. Default 24 h. */
  approvalTimeoutMs?: number;
  /** Default: the `protectedEnvironments` need approval (an approver may auto-approve); others honour `autoApprove`. */
  approvalPolicy?: ApprovalPolicy;
  /** Environments protected by the default policy, matched exactly (case-insensitive). Default `production`, `prod`. */
  protectedEnvironments?: readonly string[];
  /** Most bytes of log messages kept per deployment (then one truncation marker). Default 10 MiB. */
  maxLogBytes?: number;
  /** Root of per-deployment work dirs for executors that do not name their own `workRoot`. */
  workDir?: string;
  /** Keep work dirs after the deployment (debugging). */
  keepWorkDirs?: boolean;
  /** @deprecated Ignored: a cancel reaches the job through the queue at once, wherever it runs. */
  cancelPollMs?: number;
  /** Identifies this process in `owner` fields. Default host:pid:random. */
  instanceId?: string;
  logger?: OrchestratorLogger;
  /** Shared secret registry; one is created (and seeded with the credentials) when absent. */
  redactor?: Redactor;
  /**
   * Where every tool process runs (`ORCHESTRATOR_SANDBOX`): `auto` (default) = bubblewrap where it works
   * here, else none with a warning; `bwrap` = bubblewrap or refuse to run tools; `none` = no isolation
   * (development only: user IaC code can then read the service's files and environment); or a
   * third-party {@link Sandbox}. An executor's own `sandbox` option overrides it for that executor.
   */
  sandbox?: SandboxSetting;
  /** Subscriptions to deployment events (signed webhooks, Slack, Teams), the allow-list of per-deployment
   * notification URLs, the signing secret and the retry policy. Default: none. */
  notifications?: NotificationOptions;
}

/** Typed events; every payload is already redacted. */
export interface OrchestratorEvents {
  status: (e: { deploymentId: string; status: DeploymentStatus; previous: DeploymentStatus | null; deployment: Deployment }) => void;
  log: (e: { deploymentId: string; entry: LogEntry }) => void;
  resource: (e: { deploymentId: string; id: string; resourceType?: string; name?: string; status: ResourceStatus }) => void;
  stateVersion: (e: { deploymentId: string; stackKey: string; version: number; reason: StateVersion['reason'] }) => void;
  lockContention: (e: { deploymentId: string | null; stackKey: string; holder: PublicLock | null }) => void;
  /** One delivery attempt of a notification ended: delivered, to be retried, or given up (dead letter). */
  notification: (e: { deploymentId: string; event: NotificationEventType; outcome: 'delivered' | 'retrying' | 'dead_letter'; attempt: number; subscription: string; at: string }) => void;
}

export interface RollbackResult {
  deploymentId: string;
  rollbackDeploymentId: string;
  status: DeploymentStatus;
}

export interface ReadinessReport {
  ok: boolean;
  store: { ok: boolean; detail?: string };
  queue: JobQueueHealth;
  executors: Array<{ format: string; name: string } & ExecutorCheck>;
  /** The sandbox tool processes run in; `ok: false` when the one asked for cannot be used. */
  sandbox: SandboxInfo & { ok: boolean };
}

/**
 * The public surface of the Orchestrator: what the REST adapter and an embedding service call. Every
 * method validates its input with the schemas in `inputs.ts` and throws typed errors.
 */
export interface OrchestratorApi {
  deploy(input: DeployInput, caller?: Caller): Promise<Deployment>;
  get(id: string): Promise<Deployment>;
  list(query?: ListQuery): Promise<Page<Deployment>>;
  logs(id: string, query?: LogsQuery): Promise<LogPage>;
  cancel(id: string, caller?: Caller): Promise<Deployment>;
  approve(id: string, input?: ApprovalInput, caller?: Caller): Promise<Deployment>;
  reject(id: string, input?: ApprovalInput, caller?: Caller): Promise<Deployment>;
  rollback(id: string, input: RollbackInput, caller?: Caller): Promise<RollbackResult>;
  deployGroup(input: DeploymentGroupInput, caller?: Caller): Promise<DeploymentGroup>;
  getGroup(id: string): Promise<DeploymentGroup>;
  approveGroup(id: string, input?: ApprovalInput, caller?: Caller): Promise<DeploymentGroup>;
  rejectGroup(id: string, input?: ApprovalInput, caller?: Caller): Promise<DeploymentGroup>;
  destroy(id: string, input?: DestroyInput, caller?: Caller): Promise<Deployment>;
  detectDrift(id: string, caller?: Caller): Promise<Deployment>;
  getState(id: string, caller?: Caller): Promise<StackState>;
  lockState(id: string, input: LockInput, caller?: Caller): Promise<PublicLock>;
  unlockState(id: string, input: UnlockInput, caller?: Caller): Promise<{ unlocked: boolean; lock: PublicLock | null }>;
  stateHistory(id: string, query?: HistoryQuery, caller?: Caller): Promise<StateVersion[]>;
  audit(query: { deploymentId?: string; stackKey?: string; limit?: number }): Promise<AuditEntry[]>;
  /** Marks deployments left running by a dead process failed ("interrupted"), saves what they left,
   * releases their locks. Call at start-up; safe to call any time. */
  recover(): Promise<{ recovered: string[]; requeued: string[] }>;
  readiness(): Promise<ReadinessReport>;
  /** Stops taking work, lets running deployments finish or cancels them after `graceMs`, releases locks. */
  close(graceMs?: number): Promise<void>;
}
