/**
 * A third-party executor for a format core has never heard of (`kv`), written against the public contract
 * of `@iac-orchestrator/core` only, as a package outside this repository would be. It drives a real process
 * (`kv-tool.mjs`, with no shell) and tells a cancel from a timeout with `instanceof` on the signal's reason:
 * this works because `core/testing` and the Orchestrator share core's one copy of every class.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  CancelledError,
  ExecutorError,
  MASK,
  TimeoutError,
  type ApplyResult,
  type Executor,
  type ExecutorCheck,
  type ExecutorContext,
  type PlanResult,
  type PlannedAction,
  type ResourceStatus,
  type StateSnapshot,
} from '@iac-orchestrator/core';

/** The code of a `kv` bundle (`stack.kv.json`). */
export interface KvCode {
  entries: Record<string, { value: string; sleepMs?: number; fail?: boolean }>;
  outputs?: Record<string, string>;
  sensitiveOutputs?: string[];
}

interface KvState {
  serial: number;
  entries: Record<string, string>;
  outputs: Record<string, string>;
  sensitiveOutputs?: string[];
}

export interface KvExecutorOptions {
  /** The directory standing for the cloud: each resource is a file in it. */
  worldDir: string;
  /** The tool script (default: kv-tool.mjs beside this file). */
  toolPath?: string;
}

const CODE_FILE = 'stack.kv.json';
const STATE_FILE = 'state.json';

export class KvExecutor implements Executor {
  readonly format = 'kv';
  readonly name = 'kv-tool';
  private readonly tool: string;

  constructor(private readonly options: KvExecutorOptions) {
    this.tool = options.toolPath ?? fileURLToPath(new URL('./kv-tool.mjs', import.meta.url));
  }

  async check(): Promise<ExecutorCheck> {
    const r = await this.run(['version'], new AbortController().signal).catch((e: unknown) => ({ code: 1, stdout: '', stderr: String(e) }));
    return r.code === 0 ? { ok: true, version: r.stdout.trim() } : { ok: false, detail: r.stderr.trim() };
  }

  async plan(ctx: ExecutorContext): Promise<PlanResult> {
    const code = ctx.bundle.files[CODE_FILE];
    if (!code) throw new ExecutorError(`A kv bundle needs ${CODE_FILE}`);
    await this.prepare(ctx.workDir, code, ctx.priorState);
    const args = ['plan', '--code', join(ctx.workDir, CODE_FILE), '--state', join(ctx.workDir, STATE_FILE), ...(ctx.operation === 'destroy' ? ['--destroy'] : [])];
    const r = await this.run(args, ctx.signal);
    if (r.code !== 0) throw new ExecutorError(`kv-tool plan failed: ${r.stderr.trim()}`);
    const changes = JSON.parse(r.stdout) as Array<{ key: string; action: PlannedAction }>;
    const count = (a: PlannedAction) => changes.filter((c) => c.action === a).length;
    return {
      summary: { add: count('create'), change: count('update'), destroy: count('delete'), hasChanges: changes.length > 0, resources: changes.map((c) => ({ id: c.key, type: 'kv_entry', action: c.action })) },
      artifact: { code, prior: ctx.priorState ?? null, destroy: ctx.operation === 'destroy' },
    };
  }

  async apply(ctx: ExecutorContext, plan: PlanResult): Promise<ApplyResult> {
    const artifact = plan.artifact as { code: string; prior: unknown; destroy: boolean };
    await this.prepare(ctx.workDir, artifact.code, artifact.prior);
    const args = ['apply', '--code', join(ctx.workDir, CODE_FILE), '--state', join(ctx.workDir, STATE_FILE), '--world', this.options.worldDir, ...(artifact.destroy ? ['--destroy'] : [])];
    const r = await this.run(args, ctx.signal, (line) => {
      const step = JSON.parse(line) as { key: string; status: ResourceStatus };
      ctx.emit({ type: 'resource', id: step.key, resourceType: 'kv_entry', name: step.key, status: step.status });
    }).catch((e: unknown) => ({ code: 1, stdout: '', stderr: String(e) }));
    const state = await this.readState(ctx);
    if (ctx.signal.aborted) {
      const reason: unknown = ctx.signal.reason;
      const outcome = reason instanceof TimeoutError ? 'timed_out' : reason instanceof CancelledError ? 'cancelled' : 'failed';
      return { outcome, state, error: reason instanceof Error ? reason.message : 'aborted' };
    }
    return r.code === 0 ? { outcome: 'succeeded', state } : { outcome: 'failed', state, error: `kv-tool apply failed: ${r.stderr.trim()}` };
  }

  async recoverState(ctx: ExecutorContext): Promise<StateSnapshot | null> {
    return existsSync(join(ctx.workDir, STATE_FILE)) ? this.readState(ctx) : null;
  }

  async cleanup(): Promise<void> {}

  private async prepare(workDir: string, code: string, prior: unknown): Promise<void> {
    await writeFile(join(workDir, CODE_FILE), code);
    await writeFile(join(workDir, STATE_FILE), JSON.stringify(prior ?? { serial: 0, entries: {}, outputs: {} }));
  }

  private async readState(ctx: ExecutorContext): Promise<StateSnapshot> {
    const raw = JSON.parse(await readFile(join(ctx.workDir, STATE_FILE), 'utf8')) as KvState;
    const sensitive = new Set(raw.sensitiveOutputs ?? []);
    const outputs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw.outputs)) {
      if (sensitive.has(k)) ctx.secret(v);
      outputs[k] = sensitive.has(k) ? MASK : v;
    }
    const resources = Object.entries(raw.entries).map(([id, value]) => ({ id, type: 'kv_entry', name: id, status: 'created' as const, attributes: { value }, dependencies: [] }));
    return { raw, resources, outputs };
  }

  /** Runs the tool: an argv array, no shell, an empty environment, killed when the signal aborts. */
  private run(args: string[], signal: AbortSignal, onLine?: (line: string) => void): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [this.tool, ...args], { signal, env: {}, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      createInterface({ input: child.stdout }).on('line', (line) => {
        stdout += `${line}\n`;
        if (onLine && line.startsWith('{')) onLine(line);
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', (e) => (signal.aborted ? undefined : reject(e)));
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  }
}
