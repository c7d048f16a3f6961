import {
  ValidationError,
  type ApplyResult,
  type DriftReport,
  type Executor,
  type ExecutorCheck,
  type ExecutorContext,
  type PlanResult,
  type StateSnapshot,
} from '@iac-orchestrator/core';
import { applyDeploy } from './apply-deploy.js';
import { asArtifact } from './artifact.js';
import { checkTools } from './check.js';
import { applyDestroy, planDestroy } from './destroy.js';
import { detectDrift } from './drift.js';
import { settingsOf } from './naming.js';
import { resolveOptions, type BicepExecutorOptions, type ResolvedOptions } from './options.js';
import { planDeploy } from './plan-deploy.js';
import { recoverState } from './recover.js';
import { redactorFor } from './session.js';
import { scrubWorkDir } from './workspace.js';

/**
 * Deploys Bicep (or ARM JSON) to an Azure resource group with the Azure CLI.
 *
 * - plan: compile (`bicep build` / `az bicep build`), `az deployment group validate`, then
 *   `az deployment group what-if` as the plan shown for approval;
 * - apply: `az deployment group create --no-wait` of exactly the planned template, then polling the
 *   deployment and its operations, with resource status events as they change;
 * - destroy: deletes the stack's resources in reverse dependency order; drift: what-if of the current
 *   template.
 *
 * Each call signs `az` in with the service principal of `ctx.env` in a private `AZURE_CONFIG_DIR`
 * that is removed afterwards; the client secret goes through stdin only.
 */
export class BicepExecutor implements Executor {
  readonly format = 'bicep' as const;
  readonly name = 'bicep';
  readonly workRoot?: string;
  private readonly opts: ResolvedOptions;

  constructor(options: BicepExecutorOptions = {}) {
    this.opts = resolveOptions(options);
    this.workRoot = this.opts.workRoot;
  }

  /** Rejects bad `options.executor` when the request arrives (the same checks the plan makes). */
  validateOptions(options: Record<string, unknown>): void {
    settingsOf({ options, deploymentId: 'validation', stack: { blueprintId: 'validation', environment: 'validation' } } as unknown as ExecutorContext, this.opts);
  }

  /** `az` (and a standalone `bicep`) and their versions. Never throws. */
  check(): Promise<ExecutorCheck> {
    return checkTools(this.opts);
  }

  async plan(ctx: ExecutorContext): Promise<PlanResult> {
    const settings = settingsOf(ctx, this.opts);
    if (ctx.operation === 'drift') throw new ValidationError('A drift deployment is checked with detectDrift, not planned', 'operation');
    if (ctx.operation === 'destroy') return planDestroy(ctx, settings);
    return planDeploy(ctx, this.opts, settings, redactorFor(ctx));
  }

  async apply(ctx: ExecutorContext, plan: PlanResult): Promise<ApplyResult> {
    const redactor = redactorFor(ctx);
    try {
      const artifact = asArtifact(plan.artifact);
      if (artifact.kind === 'bicep-destroy') return await applyDestroy(ctx, this.opts, artifact, redactor);
      return await applyDeploy(ctx, this.opts, artifact, redactor);
    } catch (e) {
      return { outcome: 'failed', state: null, error: redactor.redact(e instanceof Error ? e.message : String(e)) };
    }
  }

  detectDrift(ctx: ExecutorContext): Promise<DriftReport> {
    return detectDrift(ctx, this.opts, settingsOf(ctx, this.opts), redactorFor(ctx));
  }

  /** Reads the ARM deployment of `ctx.deploymentId` (its name derives from the id). Never throws. */
  async recoverState(ctx: ExecutorContext): Promise<StateSnapshot | null> {
    const redactor = redactorFor(ctx);
    try {
      return await recoverState(ctx, this.opts, settingsOf(ctx, this.opts), redactor);
    } catch (e) {
      ctx.emit({ type: 'log', level: 'warn', message: `Could not read the deployment back: ${redactor.redact(e instanceof Error ? e.message : String(e))}`, resource: null });
      return null;
    }
  }

  /** Removes the parameters file and any az config dir a killed call left. Never throws. */
  async cleanup(ctx: ExecutorContext): Promise<void> {
    await scrubWorkDir(ctx.workDir).catch(() => undefined);
  }
}
