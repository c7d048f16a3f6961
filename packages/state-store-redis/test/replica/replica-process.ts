/**
 * One orchestrator replica, as its own process, for the multi-replica tests: an Orchestrator on a
 * RedisStateStore with core's scripted executor. It takes calls as JSON lines on stdin
 * (`{"call": 1, "op": "deploy", "args": [...]}`) and writes replies and events as JSON lines on stdout.
 *
 * Besides the Orchestrator's own events it reports what the tests must see from inside: each state
 * write and how the store answered it (accepted, or refused with LockLostError / ConflictError), and
 * how each apply ended (whether the executor's signal was aborted, and why).
 *
 * Env: REDIS_URL, REDIS_PREFIX, WORK_DIR, LOCK_TTL_MS, LOCK_WAIT_MS, RECOVERY_EVERY_MS (optional),
 * QUEUE_NAME (optional: share jobs with other replicas through BullMQ under that name; default: this
 * process's in-process queue), RUNNER (`false`: an API-only replica that takes no jobs), CONCURRENCY
 * (jobs at once, default 4), QUEUE_LOCK_MS / QUEUE_STALLED_MS (BullMQ's job lock and stalled check).
 */
import { createInterface } from 'node:readline';
import { Orchestrator, type StateStore } from '@iac-orchestrator/core';
import { ScriptedExecutor } from '@iac-orchestrator/core/testing';
import type { ApplyResult, ExecutorContext, PlanResult } from '@iac-orchestrator/core';
import { RedisStateStore } from '../../src/index.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const send = (message: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(message)}\n`);
const errorOf = (e: unknown) => ({ name: (e as Error)?.name, code: (e as { code?: string })?.code, message: (e as Error)?.message ?? String(e) });

/** The scripted executor, telling the test when an apply starts and how it ends. */
class ReportingExecutor extends ScriptedExecutor {
  override async apply(ctx: ExecutorContext, plan: PlanResult): Promise<ApplyResult> {
    send({ event: 'apply-start', deploymentId: ctx.deploymentId, at: Date.now() });
    const result = await super.apply(ctx, plan);
    const reason = ctx.signal.reason as Error | undefined;
    send({ event: 'apply-end', deploymentId: ctx.deploymentId, at: Date.now(), outcome: result.outcome, aborted: ctx.signal.aborted, abortReason: reason?.name ?? null });
    return result;
  }
}

/** The store, reporting each state write's outcome. */
function reportingStore(store: StateStore): StateStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== 'writeStateVersion') return typeof value === 'function' ? value.bind(target) : value;
      return async (request: Parameters<StateStore['writeStateVersion']>[0]) => {
        try {
          const written = await target.writeStateVersion(request);
          send({ event: 'state-write', deploymentId: request.version.deploymentId, ok: true, version: written.version, reason: written.reason });
          return written;
        } catch (e) {
          send({ event: 'state-write', deploymentId: request.version.deploymentId, ok: false, error: errorOf(e), expectedVersion: request.expectedVersion, token: request.token });
          throw e;
        }
      };
    },
  });
}

const store = new RedisStateStore({ url: env('REDIS_URL'), prefix: env('REDIS_PREFIX') });
await store.init();
const queue = process.env.QUEUE_NAME
  ? new (await import('@iac-orchestrator/queue-bullmq')).BullMqJobQueue({
      url: env('REDIS_URL'),
      queueName: process.env.QUEUE_NAME,
      prefix: `${env('REDIS_PREFIX')}bull`,
      ...(process.env.QUEUE_LOCK_MS ? { lockDurationMs: Number(process.env.QUEUE_LOCK_MS) } : {}),
      ...(process.env.QUEUE_STALLED_MS ? { stalledIntervalMs: Number(process.env.QUEUE_STALLED_MS) } : {}),
    })
  : undefined;
const orchestrator = new Orchestrator({
  queue,
  runner: process.env.RUNNER !== 'false',
  concurrency: Number(process.env.CONCURRENCY ?? 4),
  store: reportingStore(store),
  executors: [new ReportingExecutor('terraform', env('WORK_DIR'))],
  workDir: env('WORK_DIR'),
  lockTtlMs: Number(env('LOCK_TTL_MS')),
  lockWaitMs: Number(env('LOCK_WAIT_MS')),
});
orchestrator.on('status', (e) => send({ event: 'status', deploymentId: e.deploymentId, status: e.status, previous: e.previous }));
orchestrator.on('lockContention', (e) => send({ event: 'lockContention', deploymentId: e.deploymentId, holder: e.holder }));
orchestrator.on('resource', (e) => send({ event: 'resource', deploymentId: e.deploymentId, id: e.id, status: e.status }));
if (process.env.RECOVERY_EVERY_MS) orchestrator.startRecoveryLoop(Number(process.env.RECOVERY_EVERY_MS));

const operations: Record<string, (...args: never[]) => Promise<unknown>> = {
  deploy: (input: never, caller: never) => orchestrator.deploy(input, caller),
  get: (id: never) => orchestrator.get(id),
  logs: (id: never, query: never) => orchestrator.logs(id, query),
  cancel: (id: never) => orchestrator.cancel(id),
  approve: (id: never, input: never) => orchestrator.approve(id, input),
  reject: (id: never, input: never) => orchestrator.reject(id, input),
  recover: () => orchestrator.recover(),
  getState: (id: never) => orchestrator.getState(id),
  activeRuns: async () => orchestrator.activeRuns(),
  close: async () => {
    await orchestrator.close(5000);
    setImmediate(() => process.exit(0));
  },
};

const calls = createInterface({ input: process.stdin });
// The test runner went away (stdin closed): do not linger as an orphan.
calls.on('close', () => {
  void orchestrator.close(1000).finally(() => process.exit(0));
});
calls.on('line', (line) => {
  const { call, op, args = [] } = JSON.parse(line) as { call: number; op: string; args?: never[] };
  const run = operations[op];
  if (!run) return send({ reply: call, ok: false, error: { name: 'Error', message: `unknown op ${op}` } });
  run(...args).then(
    (result) => send({ reply: call, ok: true, result }),
    (e: unknown) => send({ reply: call, ok: false, error: errorOf(e) }),
  );
});
send({ event: 'ready', pid: process.pid, instanceId: orchestrator.options.instanceId });
