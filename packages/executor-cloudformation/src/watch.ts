import type { PlanSummary } from '@iac-orchestrator/core';
import { abortReason, runAws } from './cli.js';
import { buildCancelUpdateStackArgs } from './commands/cancel-update-stack.js';
import type { StackEvent } from './commands/describe-stack-events.js';
import type { StackDescription } from './commands/describe-stacks.js';
import type { StackResourceSummary } from './commands/list-stack-resources.js';
import { mapStackEvent, newEventsSince, resourceStatusOf } from './events.js';
import { log, type Session } from './session.js';
import { describeStack, eventsPage, sleep } from './stack-api.js';
import { isStable } from './stack-status.js';

/** Pages of events read per poll at most, should the stack produce more than that between two polls. */
const MAX_PAGES_PER_POLL = 10;

export interface WatchResult {
  /** Last status read; null when the stack could not be read at all. */
  status: string | null;
  /** Last description read (null once deleted or never read). */
  stack: StackDescription | null;
  /** Set when the deployment was cancelled or timed out while the stack changed. */
  interruption: Error | null;
  /** Whether the stack still ran when the watch gave up (grace period over). */
  stillRunning: boolean;
  /** Logical ids for which a resource event was reported. */
  reported: Set<string>;
}

/**
 * Follows a stack while it changes: new events become log lines and resource statuses as they happen, the
 * status is read each poll until it is stable. On abort: an update is cancelled with `cancel-update-stack`
 * (CloudFormation rolls it back); anything else cannot be cancelled, so the watch waits for a stable status
 * up to `cancelGraceMs` and then returns what it saw.
 */
export async function watchStack(s: Session, stackId: string, marker: string | null): Promise<WatchResult> {
  const reported = new Set<string>();
  let seen = marker;
  let interruption: Error | null = null;
  let interruptedAt = 0;
  let status: string | null = null;
  let last: StackDescription | null = null;
  for (;;) {
    // Status first, events second: once the status is stable, the events read after it are complete.
    const stack = await describeStack(s, stackId).catch((e: Error) => {
      log(s, 'warn', `Could not read stack status: ${e.message}`);
      return undefined;
    });
    seen = await emitNewEvents(s, stackId, seen, reported);
    if (stack === null) return { status: 'DELETE_COMPLETE', stack: null, interruption, stillRunning: false, reported };
    if (stack) {
      status = stack.StackStatus;
      last = stack;
    }
    if (status && isStable(status)) return { status, stack: last, interruption, stillRunning: false, reported };
    if (s.ctx.signal.aborted && !interruption) {
      interruption = abortReason(s.ctx.signal);
      interruptedAt = Date.now();
      await stopStack(s, stackId, status);
    }
    if (interruption && Date.now() - interruptedAt >= s.config.cancelGraceMs) {
      log(s, 'warn', `Stack ${s.stackName} is still ${status ?? 'changing'} after the ${s.config.cancelGraceMs} ms grace period; returning its state as it stands`);
      return { status, stack: last, interruption, stillRunning: true, reported };
    }
    await sleep(s.config.pollIntervalMs, interruption ? undefined : s.ctx.signal);
  }
}

async function stopStack(s: Session, stackId: string, status: string | null): Promise<void> {
  const why = s.ctx.signal.reason instanceof Error ? s.ctx.signal.reason.message : 'cancelled';
  if (status === 'UPDATE_IN_PROGRESS') {
    log(s, 'warn', `${why}: cancelling the update of stack ${s.stackName} (cancel-update-stack); CloudFormation rolls it back`);
    try {
      await runAws(s.cli, buildCancelUpdateStackArgs({ stackName: stackId, global: s.global }));
    } catch (e) {
      log(s, 'warn', `cancel-update-stack failed: ${(e as Error).message}; waiting for a stable state instead`);
    }
    return;
  }
  log(s, 'warn', `${why}: CloudFormation cannot cancel a stack in ${status ?? 'this state'}; waiting up to ${s.config.cancelGraceMs} ms for it to settle`);
}

/** Emits events newer than `seen`; returns the new marker. */
async function emitNewEvents(s: Session, stackId: string, seen: string | null, reported: Set<string>): Promise<string | null> {
  const newestFirst: StackEvent[] = [];
  let token: string | undefined;
  try {
    for (let page = 0; page < MAX_PAGES_PER_POLL; page++) {
      const out = await eventsPage(s, stackId, undefined, token);
      const batch = out.StackEvents ?? [];
      const { events, reachedMarker } = newEventsSince(batch, seen);
      newestFirst.push(...[...events].reverse());
      token = out.NextToken;
      if (reachedMarker || !token || seen === null) break;
    }
  } catch (e) {
    log(s, 'warn', `Could not read stack events: ${(e as Error).message}`);
    return seen;
  }
  const chronological = newestFirst.reverse();
  for (const e of chronological) {
    const m = mapStackEvent(e, s.stackName);
    s.ctx.emit({ type: 'log', ...m.log });
    if (m.resource) {
      reported.add(m.resource.id);
      s.ctx.emit({ type: 'resource', ...m.resource });
    }
  }
  return chronological.length > 0 ? chronological[chronological.length - 1].EventId : seen;
}

/** Status a planned action ends in when its operation completed. */
const DONE: Record<string, 'created' | 'updated' | 'deleted' | undefined> = { create: 'created', replace: 'created', update: 'updated', delete: 'deleted' };

/**
 * Final statuses for resources the endpoint sent no event about (moto sends stack events only; AWS sends
 * one per resource step). Called only after the operation completed, so the change set's planned action
 * did happen: its end status is reported (an update ends `updated` even where an endpoint's
 * `list-stack-resources` still says CREATE_COMPLETE); a resource the endpoint lists as failed is `failed`.
 */
export function reportUnseen(s: Session, reported: Set<string>, resources: StackResourceSummary[], plan: PlanSummary | null): void {
  const present = new Map(resources.map((r) => [r.LogicalResourceId, r]));
  const planned = plan?.resources ?? resources.map((r) => ({ id: r.LogicalResourceId, type: r.ResourceType, action: 'create' as const }));
  for (const p of planned) {
    if (reported.has(p.id)) continue;
    const r = present.get(p.id);
    const listed = r ? resourceStatusOf(r.ResourceStatus) : null;
    const status = listed === 'failed' ? 'failed' : p.action === 'delete' && r ? listed : DONE[p.action];
    if (!status) continue;
    s.ctx.emit({
      type: 'resource',
      id: p.id,
      ...(p.type ?? r?.ResourceType ? { resourceType: p.type ?? r?.ResourceType } : {}),
      name: r?.PhysicalResourceId || p.id,
      status,
    });
  }
}
