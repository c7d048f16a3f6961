import type {
  Bundle,
  DriftReport,
  Format,
  LogLevel,
  Operation,
  PlanSummary,
  Resource,
  ResourceStatus,
  StackRef,
  TargetCloud,
} from './domain.js';
import type { Sandbox } from './sandbox.js';

/** Something an executor reports while it works; the orchestrator redacts, stores and re-emits it. */
export type ExecutorEvent =
  | { type: 'log'; level: LogLevel; message: string; resource?: string | null }
  | { type: 'resource'; id: string; resourceType?: string; name?: string; status: ResourceStatus; message?: string };

/**
 * A state snapshot as an executor reads it: the tool's native state (`raw`, JSON-serialisable) and its
 * normalised resources and outputs. Sensitive attribute and output values are already masked in
 * `resources` / `outputs`; their real values are reported through {@link ExecutorContext.secret}.
 */
export interface StateSnapshot {
  raw: unknown;
  resources: Resource[];
  outputs: Record<string, unknown>;
}

/**
 * Everything one executor call gets. The executor never touches the store: it reads what it is given
 * and reports through `emit`.
 */
export interface ExecutorContext {
  deploymentId: string;
  stack: StackRef;
  /** Stable, unique key of the stack (`StackRef` joined), also usable to derive names. */
  stackKey: string;
  operation: Operation;
  /** A private directory (mode 0700) that lives for the deployment; empty at first, possibly empty again
   * at apply time if the apply runs in another process than the plan. */
  workDir: string;
  bundle: Bundle;
  /** Native state of the stack's current version, or null for a stack never deployed. */
  priorState: unknown | null;
  /**
   * True when the stack's last deployment that ran to its end (drift checks and dry runs aside) was a
   * completed apply of this same code, variables (secret ones included) and executor options, and
   * `priorState` is the state it left: a redeploy of an unchanged stack, whose plan most likely finds
   * nothing to change. Known to every runner of a fleet
   * (it comes from the store). Only a hint for choosing the cheaper way to run: never a reason to skip
   * the plan. Set for a `planAndApply()` call (the path where the executor chooses how to run); absent
   * elsewhere.
   */
  sameAsLastApply?: boolean;
  /** Input variables / template parameters (already validated as JSON values). */
  variables: Record<string, unknown>;
  /** Credentials for the deployment's target cloud only (e.g. AWS_* for aws); nothing else of the
   * parent environment. The executor adds its own non-secret settings. */
  env: Record<string, string>;
  parallelism: number;
  /** Format-specific options from the request (`options.executor`). */
  options: Record<string, unknown>;
  /** Aborted on cancel or timeout; `signal.reason` is a CancelledError or TimeoutError. */
  signal: AbortSignal;
  emit(event: ExecutorEvent): void;
  /** Register a secret value (a sensitive output, a generated password) so it is masked everywhere. */
  secret(value: string): void;
  /**
   * The sandbox every tool process of this call must run in (the orchestrator's choice). When absent
   * (an executor used on its own), the executor uses its own `sandbox` option, else `auto`.
   */
  sandbox?: Sandbox;
  /**
   * Saves a snapshot the tool persisted while it still runs (Terraform's intermediate state) as a state
   * version right away, under the run's lock, so a runner that dies mid-apply loses at most the tool's
   * own persistence interval. Rejects with a LockLostError / ConflictError when the run may no longer
   * write (the tool should then stop); a store that is merely unreachable does not reject (the final
   * state is saved, or spooled, when the apply ends). Absent where nothing can be saved early.
   */
  persistState?(snapshot: StateSnapshot): Promise<void>;
}

/** A saved plan: what was shown, and an opaque artifact that `apply` executes exactly. */
export interface PlanResult {
  summary: PlanSummary;
  /** JSON-serialisable, stored (encrypted at rest when configured) so any process can apply it. */
  artifact: unknown;
}

/** Outcome of an apply or destroy. Executors return state even when the tool failed (invariant 1). */
export interface ApplyResult {
  outcome: 'succeeded' | 'failed' | 'cancelled' | 'timed_out';
  /** The state the tool left, including partial state after a failure; null only if it truly left none. */
  state: StateSnapshot | null;
  /** Redactable human message for failures. */
  error?: string;
}

/**
 * What {@link Executor.planAndApply} reports while its one tool process runs, so the deployment shows
 * its plan and moves from `planning` to `applying` as the tool does.
 */
export interface PlanAndApplyProgress {
  /** The plan the tool made, reported once, before its first change (or at its end when it changed nothing). */
  planned(summary: PlanSummary): void;
  /** The tool begins its first change: the deployment moves to `applying`. Reported at most once. */
  applying(): void;
}

/** Outcome of {@link Executor.planAndApply}: an apply's outcome and state, and the plan that was applied. */
export interface PlanAndApplyResult extends ApplyResult {
  /** The plan the tool made; null when it stopped (failed, cancelled) before it had one. */
  plan: PlanSummary | null;
  /** Whether the tool began changing anything. When false, nothing was changed and `state` is not saved. */
  changesBegan: boolean;
}

/** What `check()` reports for readiness. */
export interface ExecutorCheck {
  ok: boolean;
  /** The CLI and its version, e.g. "terraform 1.11.4". */
  version?: string;
  detail?: string;
}

/**
 * An executor runs one IaC tool. Required: `format`, `plan`, `apply`. Optional extras: `check`,
 * `planAndApply`, `detectDrift`, `cleanup`, `credentialEnv`. Third-party executors plug in exactly like ours.
 */
export interface Executor {
  readonly format: Format;
  /** A short display name, e.g. "terraform". */
  readonly name: string;
  /** Directory under which the orchestrator creates each deployment's private work dir. */
  readonly workRoot?: string;
  /** Checks the format-specific `options.executor` of a request when it arrives, so a bad option is a 4xx
   * (throw a `ValidationError` naming the field) instead of a deployment that fails at plan time. */
  validateOptions?(options: Record<string, unknown>): void;
  /** Finds the CLI and its version; used for readiness. Must not throw. */
  check?(): Promise<ExecutorCheck>;
  /** Plans `ctx.operation` ('apply' / 'rollback' → converge to the bundle, 'destroy' → remove all). */
  plan(ctx: ExecutorContext): Promise<PlanResult>;
  /** Applies exactly `plan.artifact`. Must return (not throw) with whatever state the tool left. */
  apply(ctx: ExecutorContext, plan: PlanResult): Promise<ApplyResult>;
  /**
   * Optional: plans and applies in one tool process (e.g. `terraform apply -auto-approve`), for a
   * deployment no person approves (the approval policy approved it in advance; never a dry run). The
   * orchestrator uses it instead of {@link Executor.plan} + {@link Executor.apply} only then: wherever a
   * person approves, the saved plan that was shown is applied (invariant 3). Like `apply`, it must return
   * (not throw) with whatever state the tool left, keep `ctx.persistState` fed while it changes things,
   * and report the plan through `progress.planned` before the first change. A run of it that is
   * interrupted is never run again (the deployment ends `failed`, "interrupted").
   */
  planAndApply?(ctx: ExecutorContext, progress: PlanAndApplyProgress): Promise<PlanAndApplyResult>;
  /** Compares the prior state with the real world. */
  detectDrift?(ctx: ExecutorContext): Promise<DriftReport>;
  /** Reads whatever state the tool left in `ctx.workDir` (or in the cloud) for a deployment whose process
   * died mid-apply; used by `recover()`. Null when there is nothing to read. Must not throw. */
  recoverState?(ctx: ExecutorContext): Promise<StateSnapshot | null>;
  /** Called once when the deployment ends, before the work dir is removed: scrub secrets on disk,
   * delete an unexecuted change set... Must not throw. */
  cleanup?(ctx: ExecutorContext, reason: 'completed' | 'failed' | 'cancelled'): Promise<void>;
  /** Builds the credential env for a target cloud from the configured credentials. Defaults to
   * {@link defaultCredentialEnv}. */
  credentialEnv?(cloud: TargetCloud, credentials: Record<string, string>): Record<string, string>;
}
