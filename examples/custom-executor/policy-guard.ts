/**
 * A custom executor plugin: a guard that wraps any executor and refuses plans that break a policy (here:
 * destroying more resources than allowed, or touching protected resource types) before anyone can approve
 * them. It implements the public `Executor` contract and nothing else, exactly as a third-party package would.
 */
import { ExecutorError, type ApplyResult, type Executor, type ExecutorContext, type PlanResult } from '@iac-orchestrator/core';

export interface PolicyGuardOptions {
  /** Most resources one plan may destroy (replacements count). */
  maxDestroy: number;
  /** Resource types that may never be deleted or replaced by a plan. */
  protectedTypes?: string[];
}

export class PolicyGuardExecutor implements Executor {
  readonly format: Executor['format'];
  readonly name: string;
  readonly workRoot?: string;

  constructor(
    private readonly inner: Executor,
    private readonly policy: PolicyGuardOptions,
  ) {
    this.format = inner.format;
    this.name = `policy-guard(${inner.name})`;
    this.workRoot = inner.workRoot;
  }

  check() {
    return this.inner.check?.() ?? Promise.resolve({ ok: true });
  }

  async plan(ctx: ExecutorContext): Promise<PlanResult> {
    const plan = await this.inner.plan(ctx);
    const removing = plan.summary.resources.filter((r) => r.action === 'delete' || r.action === 'replace');
    if (ctx.operation !== 'destroy' && removing.length > this.policy.maxDestroy) {
      throw new ExecutorError(`Policy: this plan removes ${removing.length} resources, more than the ${this.policy.maxDestroy} allowed`);
    }
    const hit = removing.find((r) => r.type && this.policy.protectedTypes?.includes(r.type));
    if (hit) throw new ExecutorError(`Policy: ${hit.id} is a protected ${hit.type} and may not be ${hit.action === 'replace' ? 'replaced' : 'deleted'}`);
    ctx.emit({ type: 'log', level: 'info', message: `Policy check passed (${removing.length} removal(s), limit ${this.policy.maxDestroy})` });
    return plan;
  }

  apply(ctx: ExecutorContext, plan: PlanResult): Promise<ApplyResult> {
    return this.inner.apply(ctx, plan);
  }

  // Optional extras pass straight through when the inner executor has them.
  detectDrift = (ctx: ExecutorContext) => this.inner.detectDrift!(ctx);
  recoverState = (ctx: ExecutorContext) => this.inner.recoverState?.(ctx) ?? Promise.resolve(null);
  cleanup = (ctx: ExecutorContext, reason: 'completed' | 'failed' | 'cancelled') => this.inner.cleanup?.(ctx, reason) ?? Promise.resolve();
}
