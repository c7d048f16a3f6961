import type { Executor } from '../types/executor.js';
import type { JobQueue } from '../types/job-queue.js';
import type { Sandbox, SandboxSetting } from '../types/sandbox.js';
import type { StateStore } from '../types/state-store.js';
import type { Redactor } from '../redaction.js';
import type { ReadinessReport } from './types.js';
import { errorMessage } from './util.js';

/** Whether a process can do its work: store, queue, the given executors' tools and the sandbox. An API-only
 * process passes no executors: it runs no tool, so its readiness does not hang on the tools being installed. */
export async function readinessOf(p: { sandbox: Promise<Sandbox>; sandboxSetting: SandboxSetting | undefined; store: StateStore; queue: JobQueue; executors: Executor[]; redactor: Redactor }): Promise<ReadinessReport> {
  const sandbox = await p.sandbox.then(
    (s) => ({ ok: true, ...s.describe() }),
    (e) => ({ ok: false, kind: String(p.sandboxSetting ?? 'auto'), isolated: false, detail: errorMessage(e) }),
  );
  const store = await (p.store.ping?.() ?? Promise.resolve()).then(
    () => ({ ok: true }),
    (e) => ({ ok: false, detail: p.redactor.redact(errorMessage(e)) }),
  );
  const executors = await Promise.all(
    p.executors.map(async (e) => ({ format: e.format, name: e.name, ...(e.check ? await e.check().catch((err) => ({ ok: false, detail: errorMessage(err) })) : { ok: true }) })),
  );
  const queue = await p.queue.health().catch((e) => ({ ok: false, engine: p.queue.engine, detail: p.redactor.redact(errorMessage(e)) }));
  return { ok: store.ok && queue.ok && executors.every((e) => e.ok) && sandbox.ok, store, queue, executors, sandbox };
}
