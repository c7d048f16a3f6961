import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import {
  autoSandbox,
  resolveSandbox,
  type Sandbox,
  ValidationError,
  type ApplyResult,
  type DriftReport,
  type Executor,
  type ExecutorCheck,
  type ExecutorContext,
  type PlanResult,
  type StateSnapshot,
} from '@iac-orchestrator/core';
import { applyPlan } from './apply.js';
import { runAws } from './cli.js';
import { buildDescribeChangeSetArgs, type DescribeChangeSetOutput } from './commands/describe-change-set.js';
import { buildVersionArgs, parseVersion } from './commands/version.js';
import { resolveConfig, type CloudFormationExecutorOptions, type ResolvedConfig } from './config.js';
import { planDestroy } from './destroy.js';
import { detectDrift } from './drift.js';
import { buildChildEnv } from './env.js';
import { discardChangeSet } from './housekeeping.js';
import { parseDeploymentOptions } from './executor-options.js';
import { planConverge } from './plan.js';
import { readState } from './read-state.js';
import { log, openSession, type Session } from './session.js';
import { describeStack } from './stack-api.js';
import { asRawState } from './state.js';
import { templateOf, type Template } from './template.js';

/**
 * Deploys AWS CloudFormation templates through the `aws cloudformation` CLI, with change sets as the
 * saved plan: `validate-template` → `create-change-set` → `describe-change-set` (the plan shown for
 * approval) → `execute-change-set` of exactly that change set, with stack events reported as they happen.
 *
 * @example
 * ```ts
 * const orchestrator = new Orchestrator({ store, executors: [new CloudFormationExecutor({ workRoot: process.env.CFN_WORK_DIR })] });
 * ```
 */
export class CloudFormationExecutor implements Executor {
  readonly format = 'cloudformation' as const;
  readonly name = 'cloudformation';
  readonly workRoot?: string;
  private readonly config: ResolvedConfig;
  /** Deployments whose apply succeeded in this process (their change set ran): cleanup has nothing to do. */
  private readonly settled = new Set<string>();

  constructor(options: CloudFormationExecutorOptions = {}) {
    this.config = resolveConfig(options);
    this.workRoot = this.config.workRoot;
  }

  private ownSandbox?: Promise<Sandbox>;

  /** This executor's own `sandbox` option, else the orchestrator's (`ctx.sandbox`), else `auto`. */
  private sandboxFor(ctx?: ExecutorContext): Promise<Sandbox> {
    if (this.config.sandbox !== undefined) {
      this.ownSandbox ??= resolveSandbox(this.config.sandbox);
      return this.ownSandbox;
    }
    return ctx?.sandbox ? Promise.resolve(ctx.sandbox) : autoSandbox();
  }

  /** Finds the AWS CLI and its version. Never throws. */
  /** Rejects bad `options.executor` (stack name, capabilities, tags...) when the request arrives. */
  validateOptions(options: Record<string, unknown>): void {
    parseDeploymentOptions(options);
  }

  async check(): Promise<ExecutorCheck> {
    try {
      const inv = (await this.sandboxFor()).wrap({ command: this.config.binary, args: buildVersionArgs(), cwd: tmpdir(), env: buildChildEnv({}, tmpdir()), writablePaths: [], readablePaths: [] });
      const r = await execa(inv.command, inv.args, { env: inv.env, cwd: inv.cwd, extendEnv: false, reject: false, stdin: 'ignore', timeout: 30_000 });
      const version = parseVersion(`${r.stdout ?? ''}\n${r.stderr ?? ''}`);
      if (r.exitCode !== 0 || !version) return { ok: false, detail: `${this.config.binary} --version failed${r.exitCode === undefined ? ': not found on PATH' : ''}` };
      return { ok: true, version: `aws-cli ${version}` };
    } catch (e) {
      return { ok: false, detail: (e as Error).message };
    }
  }

  /** Plans `ctx.operation`: a change set for 'apply' / 'rollback', the stack's removal for 'destroy'. */
  async plan(ctx: ExecutorContext): Promise<PlanResult> {
    if (ctx.stack.targetCloud !== 'aws') throw new ValidationError(`CloudFormation deploys to AWS only, not ${ctx.stack.targetCloud}`, 'targetCloud');
    if (ctx.operation === 'drift') throw new ValidationError('A drift deployment is not planned: use detectDrift', 'operation');
    const s = openSession(ctx, this.config, () => this.sandboxFor(ctx));
    log(s, 'info', `Stack ${s.stackName} (${ctx.operation})`);
    return ctx.operation === 'destroy' ? planDestroy(s) : planConverge(s);
  }

  /** Executes exactly the planned change set (or the stack deletion). Never throws. */
  async apply(ctx: ExecutorContext, plan: PlanResult): Promise<ApplyResult> {
    let s: Session;
    try {
      s = openSession(ctx, this.config, () => this.sandboxFor(ctx));
    } catch (e) {
      // Bad options: no session, so nothing ran.
      return { outcome: 'failed', state: null, error: (e as Error).message };
    }
    try {
      const result = await applyPlan(s, plan);
      if (result.outcome === 'succeeded') this.settled.add(ctx.deploymentId);
      return result;
    } catch (e) {
      // Anything unexpected still ends with the stack's state as it stands (invariant 1).
      return { outcome: 'failed', state: await readState(s, { template: asRawState(ctx.priorState)?.template ?? null }), error: (e as Error).message };
    }
  }

  async detectDrift(ctx: ExecutorContext): Promise<DriftReport> {
    return detectDrift(openSession(ctx, this.config, () => this.sandboxFor(ctx)));
  }

  /** The stack as it stands, for a deployment whose process died mid-apply. Never throws. */
  async recoverState(ctx: ExecutorContext): Promise<StateSnapshot | null> {
    try {
      const s = openSession(ctx, this.config, () => this.sandboxFor(ctx));
      const prior = asRawState(ctx.priorState);
      const stack = await describeStack(s, s.stackName);
      if (!stack && !prior?.stackId) return null;
      let template: Template | null = null;
      try {
        template = templateOf(ctx.bundle);
      } catch {
        template = prior?.template ?? null;
      }
      return await readState(s, { template, stackId: stack?.StackId ?? prior?.stackId ?? null });
    } catch {
      return null;
    }
  }

  /** Deletes this deployment's change set if it never ran (and the empty stack a first plan made), and the
   * parameter file (it may hold NoEcho values). Never throws. */
  async cleanup(ctx: ExecutorContext, _reason: 'completed' | 'failed' | 'cancelled'): Promise<void> {
    rmSync(join(ctx.workDir, 'parameters.json'), { force: true });
    // A change set that this process executed successfully is history, not litter: no call needed.
    if (this.settled.delete(ctx.deploymentId)) return;
    try {
      const s = openSession(ctx, this.config, () => this.sandboxFor(ctx));
      let cs: DescribeChangeSetOutput;
      try {
        cs = await runAws<DescribeChangeSetOutput>(s.cli, buildDescribeChangeSetArgs({ changeSetName: s.changeSetName, stackName: s.stackName, global: s.global }));
      } catch {
        return; // no change set (or no stack): nothing left behind
      }
      if (cs.ExecutionStatus === 'AVAILABLE' || cs.ExecutionStatus === 'UNAVAILABLE' || cs.Status === 'FAILED') {
        await discardChangeSet(s, cs.ChangeSetId, cs.StackId, 'not executed');
      }
    } catch {
      /* cleanup is best effort */
    }
  }
}
