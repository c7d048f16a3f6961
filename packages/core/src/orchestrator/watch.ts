import type { Deployment, DeploymentStatus, LogEntry, ResourceStatus, StateVersion } from '../types/domain.js';
import { isTerminal } from '../types/domain.js';
import { InvalidStateError, TimeoutError } from '../errors.js';
import type { EventEmitter } from 'eventemitter3';
import type { OrchestratorEvents } from './types.js';

/**
 * One event of one deployment, as {@link Orchestrator.watch} yields it. `seq` counts from 0 within one
 * watch and never goes back; the first event (`seq` 0) is a `status` event holding the current record.
 */
export type DeploymentEvent =
  | {
      seq: number;
      type: 'status';
      deploymentId: string;
      status: DeploymentStatus;
      /** The status before; `null` on the first event, which carries the record as it was when the watch began. */
      previous: DeploymentStatus | null;
      deployment: Deployment;
    }
  | { seq: number; type: 'resource'; deploymentId: string; id: string; resourceType?: string; name?: string; status: ResourceStatus }
  | { seq: number; type: 'log'; deploymentId: string; entry: LogEntry }
  | { seq: number; type: 'stateVersion'; deploymentId: string; stackKey: string; version: number; reason: StateVersion['reason'] };

/** Options of {@link Orchestrator.watch}. */
export interface WatchOptions {
  /** Ends the watch (the iterator returns) when aborted. */
  signal?: AbortSignal;
  /** How often the store is read for a status this process did not see (the deployment runs in another
   * process, or a worker of a queue). Default 1000 ms. */
  pollMs?: number;
}

/** Options of {@link Orchestrator.waitFor}. */
export interface WaitForOptions {
  /** Stops waiting: `waitFor` rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Stops waiting after this long: `waitFor` rejects with a `TimeoutError`. No limit by default. */
  timeoutMs?: number;
  /** See {@link WatchOptions.pollMs}. */
  pollMs?: number;
}

/** What a watch needs from the Orchestrator: its record reader and its typed events. */
export interface WatchSource extends Pick<EventEmitter<OrchestratorEvents>, 'on' | 'off'> {
  get(id: string): Promise<Deployment>;
}

type Unnumbered = DeploymentEvent extends infer E ? (E extends DeploymentEvent ? Omit<E, 'seq'> : never) : never;

/**
 * The events of one deployment from now on, first its current record. Listeners are attached before the
 * record is read, so an event between the two is queued rather than lost. Ends after a terminal status.
 */
export async function* watchDeployment(source: WatchSource, id: string, options: WatchOptions = {}): AsyncGenerator<DeploymentEvent, void, undefined> {
  const queue: Unnumbered[] = [];
  let wake: (() => void) | null = null;
  const push = (e: Unnumbered) => {
    queue.push(e);
    wake?.();
  };
  const mine = (e: { deploymentId: string | null }) => e.deploymentId === id;
  const onStatus: OrchestratorEvents['status'] = (e) => mine(e) && push({ type: 'status', ...e });
  const onResource: OrchestratorEvents['resource'] = (e) => mine(e) && push({ type: 'resource', ...e });
  const onLog: OrchestratorEvents['log'] = (e) => mine(e) && push({ type: 'log', ...e });
  const onStateVersion: OrchestratorEvents['stateVersion'] = (e) => mine(e) && push({ type: 'stateVersion', ...e });
  source.on('status', onStatus).on('resource', onResource).on('log', onLog).on('stateVersion', onStateVersion);

  const onAbort = () => wake?.();
  options.signal?.addEventListener('abort', onAbort);
  const pollMs = options.pollMs ?? 1000;
  let last: DeploymentStatus | null = null;
  // A status this process did not emit (another process runs the deployment) is read from the store.
  const poll = setInterval(() => {
    source.get(id).then(
      (d) => d.status !== last && !queue.some((e) => e.type === 'status' && e.status === d.status) && push({ type: 'status', deploymentId: id, status: d.status, previous: last, deployment: d }),
      () => undefined,
    );
  }, pollMs);
  poll.unref?.();

  try {
    const current = await source.get(id);
    let seq = 0;
    last = current.status;
    yield { seq: seq++, type: 'status', deploymentId: id, status: current.status, previous: null, deployment: current };
    if (isTerminal(current.status)) return;
    for (;;) {
      if (options.signal?.aborted) return;
      const e = queue.shift();
      if (!e) {
        await new Promise<void>((r) => (wake = r));
        wake = null;
        continue;
      }
      if (e.type === 'status') {
        if (e.status === last) continue; // already shown (the first record, or a poll that raced the event)
        yield { ...e, previous: last, seq: seq++ };
        last = e.status;
        if (isTerminal(e.status)) return;
      } else {
        yield { ...e, seq: seq++ } as DeploymentEvent;
      }
    }
  } finally {
    clearInterval(poll);
    options.signal?.removeEventListener('abort', onAbort);
    source.off('status', onStatus).off('resource', onResource).off('log', onLog).off('stateVersion', onStateVersion);
  }
}

/**
 * Resolves with the record once the deployment reaches one of `statuses` (at once if it is there already).
 * Rejects with `InvalidStateError` if it ends in another status first, `TimeoutError` after `timeoutMs`, or
 * the signal's reason when aborted.
 */
export async function waitForDeployment(source: WatchSource, id: string, statuses: DeploymentStatus | readonly DeploymentStatus[], options: WaitForOptions = {}): Promise<Deployment> {
  const wanted: readonly DeploymentStatus[] = typeof statuses === 'string' ? [statuses] : statuses;
  const stop = new AbortController();
  let timedOut = false;
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), stop.abort()), options.timeoutMs);
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort);
  if (options.signal?.aborted) stop.abort();
  try {
    let seen: Deployment | null = null;
    for await (const e of watchDeployment(source, id, { signal: stop.signal, pollMs: options.pollMs })) {
      if (e.type !== 'status') continue;
      seen = e.deployment;
      if (wanted.includes(e.status)) return e.deployment;
      if (isTerminal(e.status)) {
        const why = e.deployment.error ? `: ${e.deployment.error}` : '';
        throw new InvalidStateError(`Deployment ${id} ended ${e.status} while waiting for ${wanted.join(' or ')}${why}`, { status: e.status });
      }
    }
    if (timedOut) throw new TimeoutError(`Deployment ${id} did not reach ${wanted.join(' or ')} within ${options.timeoutMs} ms (status: ${seen?.status ?? 'unknown'})`, { status: seen?.status ?? null });
    throw options.signal?.reason ?? new Error('The wait was aborted');
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
