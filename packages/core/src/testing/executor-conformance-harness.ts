import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackKeyOf, makeBundle } from '@iac-orchestrator/core';
import type { Operation, StackRef } from '@iac-orchestrator/core';
import type { ApplyResult, ExecutorContext, ExecutorEvent, PlanResult } from '@iac-orchestrator/core';
import type { ConformanceBundle, ConformanceScenario, ExecutorFactory, ExecutorUnderTest } from './executor-conformance-fixtures.js';

/** An `ExecutorContext` as the orchestrator builds one, recording what the executor emits and registers. */
export interface RecordingContext {
  ctx: ExecutorContext;
  events: ExecutorEvent[];
  secrets: string[];
  controller: AbortController;
}

export type ResourceEvent = Extract<ExecutorEvent, { type: 'resource' }>;

export interface ContextRequest {
  bundle: ConformanceBundle;
  operation?: Operation;
  priorState?: unknown;
  /** Appended to the stack's environment, so scenarios do not share a stack. */
  stackSuffix?: string;
  /** Reuse this work dir (and deployment id) instead of a new, empty one. */
  reuse?: RecordingContext;
  onEvent?: (e: ExecutorEvent, rc: RecordingContext) => void;
}

/**
 * One factory call and a private temp root (0700) for its work dirs, under the executor's `workRoot` when
 * it has one (as the orchestrator does). `close()` removes it all and runs the factory's cleanup.
 */
export class ConformanceRun {
  private constructor(
    readonly under: ExecutorUnderTest,
    private readonly root: string,
  ) {}

  static async open(factory: ExecutorFactory, scenario: ConformanceScenario): Promise<ConformanceRun> {
    const under = await factory(scenario);
    try {
      const base = under.executor.workRoot ?? tmpdir();
      await mkdir(base, { recursive: true, mode: 0o700 });
      const root = await mkdtemp(join(base, 'executor-conformance-'));
      return new ConformanceRun(under, root);
    } catch (e) {
      await under.cleanup?.();
      throw e;
    }
  }

  get executor() {
    return this.under.executor;
  }

  /** A context on a fresh, empty 0700 work dir named after a new deployment id (or reusing `reuse`'s). */
  async context(r: ContextRequest): Promise<RecordingContext> {
    const stack: StackRef = { ...this.under.stack, environment: this.under.stack.environment + (r.stackSuffix ?? '') };
    const deploymentId = r.reuse?.ctx.deploymentId ?? `conformance-${randomUUID()}`;
    const workDir = r.reuse?.ctx.workDir ?? join(this.root, deploymentId);
    await mkdir(workDir, { recursive: true, mode: 0o700 });
    const events: ExecutorEvent[] = [];
    const secrets: string[] = [];
    const controller = new AbortController();
    const rc: RecordingContext = {
      ctx: {
        deploymentId,
        stack,
        stackKey: stackKeyOf(stack),
        operation: r.operation ?? 'apply',
        workDir,
        bundle: makeBundle(r.bundle.files),
        // The orchestrator stores raw state as JSON, so the executor only ever gets it back that way.
        priorState: r.priorState === undefined || r.priorState === null ? null : jsonRoundTrip(r.priorState),
        variables: structuredClone(r.bundle.variables ?? {}),
        env: { ...this.under.env },
        parallelism: 10,
        options: structuredClone(r.bundle.options ?? {}),
        signal: controller.signal,
        emit: (e) => {
          events.push(e);
          r.onEvent?.(e, rc);
        },
        secret: (v) => {
          secrets.push(v);
        },
      },
      events,
      secrets,
      controller,
    };
    return rc;
  }

  /**
   * plan → (artifact stored as JSON) → apply, as one deployment. With `freshApplyDir` the apply runs in
   * another, empty work dir, as when another replica applies after an approval.
   */
  async deploy(
    r: ContextRequest & { freshApplyDir?: boolean; beforeApply?: (rc: RecordingContext) => void },
  ): Promise<{ planCtx: RecordingContext; applyCtx: RecordingContext; plan: PlanResult; result: ApplyResult }> {
    const planCtx = await this.context(r);
    const plan = await this.executor.plan(planCtx.ctx);
    const stored = jsonRoundTrip(plan);
    const applyCtx = r.freshApplyDir ? await this.context({ ...r, reuse: undefined }) : planCtx;
    r.beforeApply?.(applyCtx);
    let result: ApplyResult;
    try {
      result = await this.executor.apply(applyCtx.ctx, stored);
    } catch (e) {
      // The contract: apply returns {outcome, state, error}, it never throws (the state would be lost).
      assert.fail(`apply threw instead of returning a result: ${e instanceof Error ? e.message : String(e)}`);
    }
    return { planCtx, applyCtx, plan, result };
  }

  async close(): Promise<void> {
    try {
      await rm(this.root, { recursive: true, force: true });
    } finally {
      await this.under.cleanup?.();
    }
  }
}

/** Runs `fn` on a fresh run from `factory`, always closed afterwards. */
export async function withRun<T>(factory: ExecutorFactory, scenario: ConformanceScenario, fn: (run: ConformanceRun) => Promise<T>): Promise<T> {
  const run = await ConformanceRun.open(factory, scenario);
  try {
    return await fn(run);
  } finally {
    await run.close();
  }
}

export const jsonRoundTrip = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export const resourceEvents = (events: ExecutorEvent[]): ResourceEvent[] => events.filter((e): e is ResourceEvent => e.type === 'resource');
