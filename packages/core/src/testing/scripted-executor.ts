import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DriftReport, Format, PlanSummary, Resource } from '@iac-orchestrator/core';
import type { ApplyResult, Executor, ExecutorCheck, ExecutorContext, PlanResult, StateSnapshot } from '@iac-orchestrator/core';
import { CancelledError, ExecutorError, TimeoutError } from '@iac-orchestrator/core';
import { MASK } from '@iac-orchestrator/core';

/** One resource the scripted "code" declares. */
export interface ScriptedResource {
  id: string;
  type?: string;
  value: string;
  /** Milliseconds the apply of this resource takes (abortable). */
  sleepMs?: number;
  /** The apply of this resource fails. */
  fail?: boolean;
}

/** The code a scripted bundle carries in `main.json`. */
export interface ScriptedCode {
  resources: ScriptedResource[];
  outputs?: Record<string, string>;
  sensitiveOutputs?: string[];
  /** The plan itself fails with this message. */
  planError?: string;
  /** Milliseconds the plan takes (abortable). */
  planSleepMs?: number;
}

interface ScriptedRaw {
  serial: number;
  resources: Record<string, { type: string; value: string }>;
  outputs: Record<string, string>;
  sensitiveOutputs: string[];
}

/** Builds a bundle's files for the scripted executor. */
export const scriptedFiles = (code: ScriptedCode): Record<string, string> => ({ 'main.json': JSON.stringify(code) });

/**
 * A deterministic executor for the Orchestrator's own tests and for store/adapter authors: it "deploys"
 * the resources declared in `main.json` into an in-memory world, with real timing, cancellation, partial
 * failures, a state file in the work dir (what `recoverState` reads) and stale-plan detection.
 */
export class ScriptedExecutor implements Executor {
  readonly name = 'scripted';
  /** The "cloud": what exists, by resource id. Tests may edit it to simulate drift. */
  readonly world = new Map<string, string>();
  readonly calls: string[] = [];

  constructor(
    readonly format: Format = 'terraform',
    readonly workRoot?: string,
  ) {}

  async check(): Promise<ExecutorCheck> {
    return { ok: true, version: 'scripted 1.0.0' };
  }

  async plan(ctx: ExecutorContext): Promise<PlanResult> {
    this.calls.push(`plan:${ctx.deploymentId}`);
    const code = parseCode(ctx);
    if (code.planSleepMs) await wait(code.planSleepMs, ctx.signal);
    if (code.planError) throw new ExecutorError(code.planError);
    const prior = (ctx.priorState as ScriptedRaw | null) ?? emptyRaw();
    const desired = ctx.operation === 'destroy' ? [] : code.resources;
    const summary: PlanSummary = { add: 0, change: 0, destroy: 0, hasChanges: false, resources: [] };
    for (const r of desired) {
      const before = prior.resources[r.id];
      if (!before) {
        summary.resources.push({ id: r.id, type: r.type, action: 'create' });
        summary.add++;
      } else if (before.value !== r.value) {
        summary.resources.push({ id: r.id, type: r.type, action: 'update' });
        summary.change++;
      }
    }
    for (const id of Object.keys(prior.resources)) {
      if (desired.some((r) => r.id === id)) continue;
      summary.resources.push({ id, type: prior.resources[id].type, action: 'delete' });
      summary.destroy++;
    }
    const outputsChanged = JSON.stringify(code.outputs ?? {}) !== JSON.stringify(prior.outputs) && ctx.operation !== 'destroy';
    summary.hasChanges = summary.resources.length > 0 || outputsChanged;
    return { summary, artifact: { priorSerial: prior.serial, desired, outputs: ctx.operation === 'destroy' ? {} : (code.outputs ?? {}), sensitiveOutputs: code.sensitiveOutputs ?? [] } };
  }

  async apply(ctx: ExecutorContext, plan: PlanResult): Promise<ApplyResult> {
    this.calls.push(`apply:${ctx.deploymentId}`);
    const art = plan.artifact as { priorSerial: number; desired: ScriptedResource[]; outputs: Record<string, string>; sensitiveOutputs: string[] };
    const state: ScriptedRaw = structuredClone((ctx.priorState as ScriptedRaw | null) ?? emptyRaw());
    if (state.serial !== art.priorSerial) return { outcome: 'failed', state: this.snapshot(state, ctx), error: 'Saved plan is stale: the state changed since it was made' };
    const save = () => writeFile(join(ctx.workDir, 'state.json'), JSON.stringify(state));
    state.serial++;
    try {
      for (const id of Object.keys(state.resources)) {
        if (art.desired.some((r) => r.id === id)) continue;
        ctx.emit({ type: 'resource', id, resourceType: state.resources[id].type, status: 'deleting' });
        delete state.resources[id];
        this.world.delete(id);
        await save();
        ctx.emit({ type: 'resource', id, status: 'deleted', message: `${id}: destroyed` });
      }
      for (const r of art.desired) {
        const before = state.resources[r.id];
        if (before?.value === r.value) continue;
        ctx.emit({ type: 'resource', id: r.id, resourceType: r.type ?? 'scripted_resource', name: r.id, status: before ? 'updating' : 'creating' });
        if (r.sleepMs) await wait(r.sleepMs, ctx.signal);
        if (r.fail) {
          ctx.emit({ type: 'resource', id: r.id, status: 'failed', message: `${r.id}: provisioning failed` });
          return { outcome: 'failed', state: this.snapshot(state, ctx), error: `Scripted apply failed: ${r.id} could not be created` };
        }
        state.resources[r.id] = { type: r.type ?? 'scripted_resource', value: r.value };
        this.world.set(r.id, r.value);
        await save();
        ctx.emit({ type: 'resource', id: r.id, status: before ? 'updated' : 'created', message: `${r.id}: ${before ? 'updated' : 'created'}` });
      }
      state.outputs = art.outputs;
      state.sensitiveOutputs = art.sensitiveOutputs;
      await save();
      return { outcome: 'succeeded', state: this.snapshot(state, ctx) };
    } catch (e) {
      const outcome = e instanceof TimeoutError ? 'timed_out' : e instanceof CancelledError ? 'cancelled' : 'failed';
      return { outcome, state: this.snapshot(state, ctx), error: e instanceof Error ? e.message : String(e) };
    }
  }

  async detectDrift(ctx: ExecutorContext): Promise<DriftReport> {
    const prior = (ctx.priorState as ScriptedRaw | null) ?? emptyRaw();
    const resources = Object.entries(prior.resources)
      .filter(([id, r]) => this.world.get(id) !== r.value)
      .map(([id, r]) => ({ id, type: r.type, change: this.world.has(id) ? 'modified' : 'deleted' }));
    return { drifted: resources.length > 0, checkedAt: new Date().toISOString(), resources };
  }

  async recoverState(ctx: ExecutorContext): Promise<StateSnapshot | null> {
    const text = await readFile(join(ctx.workDir, 'state.json'), 'utf8').catch(() => null);
    return text ? this.snapshot(JSON.parse(text) as ScriptedRaw, ctx) : null;
  }

  private snapshot(raw: ScriptedRaw, ctx: ExecutorContext): StateSnapshot {
    const resources: Resource[] = Object.entries(raw.resources).map(([id, r]) => ({ id, type: r.type, name: id, status: 'created', attributes: { value: r.value }, dependencies: [] }));
    const outputs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw.outputs)) {
      if (raw.sensitiveOutputs.includes(k)) {
        ctx.secret(v);
        outputs[k] = MASK;
      } else outputs[k] = v;
    }
    return { raw: structuredClone(raw), resources, outputs };
  }
}

function parseCode(ctx: ExecutorContext): ScriptedCode {
  const text = ctx.bundle.files['main.json'];
  if (!text) throw new ExecutorError('The scripted bundle needs a main.json');
  return JSON.parse(text) as ScriptedCode;
}

const emptyRaw = (): ScriptedRaw => ({ serial: 0, resources: {}, outputs: {}, sensitiveOutputs: [] });

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
