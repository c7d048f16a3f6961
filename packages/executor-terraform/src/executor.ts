import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  autoSandbox,
  resolveSandbox,
  ExecutorError,
  ValidationError,
  type Sandbox,
  type SandboxSetting,
  type ApplyResult,
  type DriftReport,
  type Executor,
  type ExecutorCheck,
  type ExecutorContext,
  type PlanAndApplyProgress,
  type PlanAndApplyResult,
  type PlanResult,
  type StateSnapshot,
  type TargetCloud,
} from '@iac-orchestrator/core';
import { decodeArtifact, encodeArtifact } from './artifact.js';
import { probeBinary, statesRecordSchemaSensitivity, type BinaryInfo } from './binary.js';
import { buildApplyArgs } from './commands/apply.js';
import { buildDestroyPlanArgs } from './commands/destroy.js';
import { buildPlanArgs } from './commands/plan.js';
import { TERRAFORM_DEFAULTS } from './defaults.js';
import { readToolFile, writeRunnerFile } from './tool-files.js';
import { goRuntimeOptions, terraformCredentialEnv } from './env.js';
import { planSecrets, sensitiveMarks, summarisePlan, summariseStreamedPlan, type ShownPlan } from './plan-summary.js';
import { cliConfigPaths } from './cli-config.js';
import { ConvergedStacks } from './converged.js';
import { retireStack, stackWarmDir, sweepWarm } from './warm-init.js';

/** How often a cleanup looks for destroyed stacks' warm dirs to remove. */
const WARM_SWEEP_MS = 10 * 60_000;
import { abortError, stderrSummary, TerraformSession, type SessionConfig } from './session.js';
import { normaliseState, type TfState } from './state.js';
import { StreamInterpreter } from './stream.js';
import { planAndApplyIn, planThenApply, stoppedOutcome } from './plan-and-apply.js';
import { layoutOf, restoreState, scrubWorkDir, writeVariables } from './workdir.js';
import type { TerraformExecutorOptions } from './executor-options.js';

export type { TerraformExecutorOptions } from './executor-options.js';

/**
 * Runs Terraform (or OpenTofu) for the orchestrator: `init` → `plan -out` → saved plan → `apply` of
 * exactly that plan, streaming progress from `-json`, and returning the state Terraform left even after a
 * failure, a cancel or a timeout.
 */
export class TerraformExecutor implements Executor {
  readonly format = 'terraform' as const;
  readonly name = 'terraform';
  readonly workRoot?: string;
  private readonly binary: string;
  private readonly cliConfigFile?: string;
  private readonly pluginCacheDir: string;
  private readonly cancelGraceMs: number;
  private readonly minVersion: string;
  private readonly keepWorkDir: boolean;
  private readonly reuseInit: boolean;
  private readonly sandboxSetting: SandboxSetting | undefined;
  private ownSandbox?: Promise<Sandbox>;
  private readonly readablePaths: string[];
  private probe?: Promise<BinaryInfo>;
  private readonly maxStateBytes: number | undefined;
  private readonly goRuntime: Pick<SessionConfig, 'goGc' | 'goMemoryLimit'>;
  private readonly converged = new ConvergedStacks();
  private lastWarmSweep = 0;
  /** Present unless turned off (`planAndApply: false`): see {@link Executor.planAndApply}. */
  readonly planAndApply?: (ctx: ExecutorContext, progress: PlanAndApplyProgress) => Promise<PlanAndApplyResult>;

  constructor(options: TerraformExecutorOptions = {}) {
    if (options.planAndApply !== false) this.planAndApply = (ctx, progress) => this.planAndApplyOnce(ctx, progress);
    this.binary = options.binary ?? TERRAFORM_DEFAULTS.binary;
    if (options.workRoot) this.workRoot = options.workRoot;
    if (options.cliConfigFile) this.cliConfigFile = options.cliConfigFile;
    this.pluginCacheDir = options.pluginCacheDir ?? join(options.workRoot ?? tmpdir(), options.workRoot ? '.plugin-cache' : 'iac-orchestrator-terraform-plugin-cache');
    this.cancelGraceMs = options.cancelGraceMs ?? TERRAFORM_DEFAULTS.cancelGraceMs;
    this.maxStateBytes = options.maxStateBytes;
    this.minVersion = options.minVersion ?? TERRAFORM_DEFAULTS.minVersion;
    this.keepWorkDir = options.keepWorkDir ?? false;
    this.goRuntime = goRuntimeOptions(options);
    this.reuseInit = options.reuseInit ?? true;
    this.sandboxSetting = options.sandbox;
    this.readablePaths = [
      ...(this.cliConfigFile ? [this.cliConfigFile, ...cliConfigPaths(this.cliConfigFile)] : []),
      this.pluginCacheDir,
      ...(options.readablePaths ?? []),
    ];
  }

  /** This executor takes no per-request options yet (targets, workspaces, backend config are not
   * supported): refuse any, rather than ignore what a caller thinks it asked for. */
  validateOptions(options: Record<string, unknown>): void {
    const keys = Object.keys(options);
    if (keys.length > 0) throw new ValidationError(`Unknown terraform option(s): ${keys.join(', ')} (the terraform executor takes none)`, `options.executor.${keys[0]}`);
  }

  /** Reports the CLI and its version; never throws. */
  async check(): Promise<ExecutorCheck> {
    try {
      const info = await this.available();
      return { ok: true, version: `${info.name} ${info.version}` };
    } catch (e) {
      return { ok: false, detail: e instanceof Error ? e.message : String(e) };
    }
  }

  /** `AZURE_*` → `ARM_*`, `GCP_*` → `GOOGLE_*`, `AWS_*` as is; other clouds' variables dropped. */
  credentialEnv(cloud: TargetCloud, credentials: Record<string, string>): Record<string, string> {
    return terraformCredentialEnv(cloud, credentials);
  }

  async plan(ctx: ExecutorContext): Promise<PlanResult> {
    const info = await this.available(ctx);
    if (ctx.signal.aborted) throw abortError(ctx.signal);
    const s = await this.session(ctx);
    try {
      return await this.planIn(s, ctx, info);
    } finally {
      await s.close();
    }
  }

  private async planIn(s: TerraformSession, ctx: ExecutorContext, info: BinaryInfo): Promise<PlanResult> {
    await s.prepare();
    const varFile = await writeVariables(s.layout, ctx.variables);
    const base = { out: s.layout.planFile, parallelism: ctx.parallelism, ...(varFile ? { varFiles: [varFile] } : {}) };
    const args =
      ctx.operation === 'destroy' ? buildDestroyPlanArgs(base) : buildPlanArgs({ ...base, refreshOnly: ctx.operation === 'drift' });
    ctx.emit({ type: 'log', level: 'info', message: `Planning (${ctx.operation})`, resource: null });
    const stream = new StreamInterpreter((e) => ctx.emit(e));
    const r = await s.exec(args, { onLine: stream.line, verifiesProviders: true });
    if (r.interrupted) throw abortError(ctx.signal);
    if (r.exitCode !== 0) throw new ExecutorError(`Terraform plan failed: ${stream.errorSummary() ?? stderrSummary(r.stderr)}`);

    // The summary comes from the plan's own stream. `show -json` is still paid for in two cases: a CLI whose
    // state may lack the provider schema's sensitivity (see statesRecordSchemaSensitivity), whose marks and
    // sensitive planned outputs mask the applied state there; and a plan that updates or replaces something,
    // whose changed attributes (which the stream does not carry) are what its reviewer reads in the diff.
    let sensitive: Record<string, unknown> = {};
    let summary = summariseStreamedPlan(stream.planned, stream.outputActions);
    const changesExisting = summary.resources.some((r) => r.action === 'update' || r.action === 'replace');
    if (!statesRecordSchemaSensitivity(info) || changesExisting) {
      const shown = (await s.showJson(s.layout.planFile)) as ShownPlan | null;
      if (!shown) throw new ExecutorError('Terraform could not show the saved plan');
      for (const v of planSecrets(shown)) ctx.secret(v);
      summary = summarisePlan(shown);
      sensitive = sensitiveMarks(shown);
    }
    const plan = await readToolFile(s.layout.planFile, Number.MAX_SAFE_INTEGER);
    if (!plan) throw new ExecutorError('Terraform left no readable plan file');
    const artifact = encodeArtifact(
      { lockFile: await s.lockFile(), ...(s.providersVerified ? { lockWithoutHashes: true } : {}), backend: s.backend, sensitive, operation: ctx.operation, bundleDigest: ctx.bundle.digest, terraformVersion: info.version },
      plan,
    );
    await writeRunnerFile(s.layout.marker, JSON.stringify({ bundleDigest: ctx.bundle.digest, planSha256: artifact.planSha256 }));
    return { summary, artifact };
  }

  async apply(ctx: ExecutorContext, plan: PlanResult): Promise<ApplyResult> {
    const stream = new StreamInterpreter((e) => ctx.emit(e));
    let s: TerraformSession | undefined;
    let sensitive: Record<string, unknown> | undefined;
    try {
      const { artifact, plan: bytes } = decodeArtifact(plan.artifact);
      sensitive = artifact.sensitive;
      if (artifact.bundleDigest !== ctx.bundle.digest) throw new ExecutorError('The saved plan was made from other code than this deployment\'s bundle');
      await this.available(ctx);
      s = await this.session(ctx);
      // Every state Terraform persists during the apply becomes a state version right away, except the
      // one it writes once every planned change is done: that final state is this apply's result, saved
      // by the orchestrator as the apply's own version (and spooled in the work dir until then).
      const marks = sensitive;
      const planned = plan.summary.resources.filter((r) => r.action !== 'no-op' && r.action !== 'read').map((r) => r.id);
      const allDone = () => planned.every((id) => ['created', 'updated', 'deleted', 'failed'].includes(stream.statuses.get(id) ?? ''));
      const persist = ctx.persistState;
      await s.open(persist ? async (raw: TfState) => (allDone() ? undefined : persist(normaliseState({ raw, sensitive: marks, statuses: stream.statuses, secret: (v) => ctx.secret(v) }))) : undefined);
      // A plan made hash-less resumes only in the verified build it used (else its dir is prepared again).
      if ((await this.preparedFor(ctx, artifact.planSha256)) && (await s.resume()) && (!artifact.lockWithoutHashes || s.inVerifiedBuild)) {
        // Same work dir as the plan: re-assert the planned-from state so Terraform itself refuses a stale plan.
        if (!s.backend && ctx.priorState !== null) await restoreState(s.layout, ctx.priorState);
      } else {
        ctx.emit({ type: 'log', level: 'info', message: 'Preparing a fresh work dir for the saved plan', resource: null });
        await s.prepare({ lockFile: artifact.lockFile });
      }
      await s.placeLock(artifact.lockFile, artifact.lockWithoutHashes === true);
      await writeRunnerFile(s.layout.planFile, bytes);
      if (ctx.signal.aborted) throw abortError(ctx.signal);
      ctx.emit({ type: 'log', level: 'info', message: 'Applying the saved plan', resource: null });
      const r = await s.exec(buildApplyArgs({ planFile: s.layout.planFile, parallelism: ctx.parallelism }), { onLine: stream.line, verifiesProviders: true });
      const state = await s.readState(stream.statuses, sensitive);
      this.converged.record(ctx, !r.interrupted && r.exitCode === 0, state?.raw);
      if (r.interrupted) return { ...stoppedOutcome(ctx), state };
      if (r.exitCode !== 0) return { outcome: 'failed', state, error: `Terraform apply failed: ${stream.errorSummary() ?? stderrSummary(r.stderr)}` };
      return { outcome: 'succeeded', state };
    } catch (e) {
      // Apply never throws: report what happened and whatever state there is.
      const state = s ? await s.readState(stream.statuses, sensitive) : null;
      if (ctx.signal.aborted) return { ...stoppedOutcome(ctx), state };
      return { outcome: 'failed', state, error: e instanceof Error ? e.message : String(e) };
    } finally {
      await s?.close();
    }
  }

  /**
   * Plans and applies in one process where the CLI records the provider schema's sensitivity in its
   * states (Terraform ≥ 1.11: the state alone is enough to mask); elsewhere the saved-plan two steps.
   */
  private async planAndApplyOnce(ctx: ExecutorContext, progress: PlanAndApplyProgress): Promise<PlanAndApplyResult> {
    let info: BinaryInfo;
    try {
      info = await this.available(ctx);
    } catch (e) {
      return { outcome: 'failed', state: null, plan: null, changesBegan: false, error: e instanceof Error ? e.message : String(e) };
    }
    // Where the CLI's states lack the schema's sensitivity only a saved plan tells what to mask; and
    // where this exact apply last converged, a plan alone (no empty apply walk) is the likely whole run.
    const twoSteps = !statesRecordSchemaSensitivity(info) || this.converged.expectsNoChanges(ctx);
    if (twoSteps && statesRecordSchemaSensitivity(info)) ctx.emit({ type: 'log', level: 'info', message: 'The same code and variables last converged onto this state: planning first, applying only if the plan finds changes', resource: null });
    const s = twoSteps ? null : await this.session(ctx);
    try {
      const result = s ? await planAndApplyIn(s, ctx, progress, {}) : await planThenApply(this, ctx, progress);
      this.converged.record(ctx, result.outcome === 'succeeded', result.state ? result.state.raw : result.changesBegan ? null : ctx.priorState);
      return result;
    } finally {
      await s?.close();
    }
  }

  async detectDrift(ctx: ExecutorContext): Promise<DriftReport> {
    await this.available(ctx);
    const checkedAt = new Date().toISOString();
    const s = await this.session(ctx);
    if (ctx.priorState === null && !s.backend) return { drifted: false, checkedAt, resources: [] };
    try {
      return await this.driftIn(s, ctx, checkedAt);
    } finally {
      await s.close();
    }
  }

  private async driftIn(s: TerraformSession, ctx: ExecutorContext, checkedAt: string): Promise<DriftReport> {
    await s.prepare();
    const varFile = await writeVariables(s.layout, ctx.variables);
    const stream = new StreamInterpreter((e) => ctx.emit(e));
    const args = buildPlanArgs({ out: s.layout.driftPlanFile, refreshOnly: true, parallelism: ctx.parallelism, ...(varFile ? { varFiles: [varFile] } : {}) });
    const r = await s.exec(args, { onLine: stream.line });
    if (r.interrupted) throw abortError(ctx.signal);
    if (r.exitCode !== 0) throw new ExecutorError(`Terraform drift check failed: ${stream.errorSummary() ?? stderrSummary(r.stderr)}`);
    // The stream's resource_drift messages say it all; a `show -json` would load every provider schema again.
    return stream.driftReport(checkedAt);
  }

  /** Reads the state a dead process's Terraform left in the (deterministic) work dir. Never throws. */
  async recoverState(ctx: ExecutorContext): Promise<StateSnapshot | null> {
    try {
      const s = await this.session(ctx);
      await s.resume();
      return await s.readState();
    } catch {
      return null;
    }
  }

  /** Overwrites state, plans and variables in the work dir, then removes it (unless `keepWorkDir`). */
  async cleanup(ctx: ExecutorContext): Promise<void> {
    await scrubWorkDir(layoutOf(ctx.workDir), this.keepWorkDir).catch(() => undefined);
    if (!this.reuseInit) return;
    const warmRoot = join(dirname(ctx.workDir), '.warm');
    // A destroyed stack's initialised data dir (module sources included) is not kept: retired now (a drift
    // check, which holds no lock, may still be using it) and removed an hour later by the sweep.
    if (ctx.operation === 'destroy') await retireStack(stackWarmDir(warmRoot, ctx.stackKey)).catch(() => undefined);
    if (Date.now() - this.lastWarmSweep > WARM_SWEEP_MS) {
      this.lastWarmSweep = Date.now();
      await sweepWarm(warmRoot).catch(() => undefined);
    }
  }

  private async session(ctx: ExecutorContext): Promise<TerraformSession> {
    return new TerraformSession(
      {
        binary: this.binary,
        pluginCacheDir: this.pluginCacheDir,
        cancelGraceMs: this.cancelGraceMs,
        ...(this.maxStateBytes ? { maxStateBytes: this.maxStateBytes } : {}),
        sandbox: await this.sandboxFor(ctx),
        readablePaths: this.readablePaths,
        ...(this.cliConfigFile ? { cliConfigFile: this.cliConfigFile } : {}),
        ...this.goRuntime,
        // Beside the deployments' work dirs (`<workRoot>/<deploymentId>`), never inside one.
        ...(this.reuseInit ? { warmRoot: join(dirname(ctx.workDir), '.warm'), cliVersion: (await this.available(ctx).catch(() => null))?.version ?? '' } : {}),
      },
      ctx,
    );
  }

  /** This executor's own `sandbox` option, else the orchestrator's (`ctx.sandbox`), else `auto`. */
  private sandboxFor(ctx?: ExecutorContext): Promise<Sandbox> {
    if (this.sandboxSetting !== undefined) {
      this.ownSandbox ??= resolveSandbox(this.sandboxSetting).catch((e: unknown) => {
        this.ownSandbox = undefined;
        throw e;
      });
      return this.ownSandbox;
    }
    return ctx?.sandbox ? Promise.resolve(ctx.sandbox) : autoSandbox();
  }

  /** Probes the CLI once per executor (inside the sandbox it will run in); a failed probe is retried next
   * time (the binary may be installed later). */
  private available(ctx?: ExecutorContext): Promise<BinaryInfo> {
    this.probe ??= this.sandboxFor(ctx)
      .then((sandbox) => probeBinary(this.binary, this.minVersion, sandbox, this.readablePaths, this.cliConfigFile, this.goRuntime))
      .catch((e: unknown) => {
        this.probe = undefined;
        throw e;
      });
    return this.probe;
  }

  /** Whether this work dir was init'ed by the plan of exactly this artifact (same process, same dir). */
  private async preparedFor(ctx: ExecutorContext, planSha256: string): Promise<boolean> {
    const marker = (await readToolFile(layoutOf(ctx.workDir).marker, 64 * 1024))?.toString('utf8');
    if (!marker) return false;
    try {
      const m = JSON.parse(marker) as { bundleDigest?: string; planSha256?: string };
      return m.bundleDigest === ctx.bundle.digest && m.planSha256 === planSha256;
    } catch {
      return false;
    }
  }
}
