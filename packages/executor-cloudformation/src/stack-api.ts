import { isStackMissing, runAws } from './cli.js';
import { buildDescribeStacksArgs, type DescribeStacksOutput, type StackDescription } from './commands/describe-stacks.js';
import { buildDescribeStackEventsArgs, type DescribeStackEventsOutput, type StackEvent } from './commands/describe-stack-events.js';
import { buildListStackResourcesArgs, type ListStackResourcesOutput, type StackResourceSummary } from './commands/list-stack-resources.js';
import type { Session } from './session.js';
import { log } from './session.js';

/** Reads one stack by name or id; null when CloudFormation knows no such stack. */
export async function describeStack(s: Session, nameOrId: string = s.stackName, signal?: AbortSignal): Promise<StackDescription | null> {
  try {
    const out = await runAws<DescribeStacksOutput>(s.cli, buildDescribeStacksArgs({ stackName: nameOrId, global: s.global }), { signal });
    return out.Stacks?.[0] ?? null;
  } catch (e) {
    if (isStackMissing(e)) return null;
    throw e;
  }
}

export async function listResources(s: Session, nameOrId: string, signal?: AbortSignal): Promise<StackResourceSummary[]> {
  try {
    const out = await runAws<ListStackResourcesOutput>(s.cli, buildListStackResourcesArgs({ stackName: nameOrId, global: s.global }), { signal });
    return out.StackResourceSummaries ?? [];
  } catch (e) {
    if (isStackMissing(e)) return [];
    throw e;
  }
}

/** One page of events, newest first. */
export async function eventsPage(s: Session, nameOrId: string, maxItems?: number, startingToken?: string): Promise<DescribeStackEventsOutput> {
  try {
    return await runAws<DescribeStackEventsOutput>(
      s.cli,
      buildDescribeStackEventsArgs({ stackName: nameOrId, maxItems, startingToken, global: s.global }),
    );
  } catch (e) {
    if (isStackMissing(e)) return { StackEvents: [] };
    throw e;
  }
}

/** The newest event id: the marker after which an operation's events start. */
export async function newestEventId(s: Session, nameOrId: string): Promise<string | null> {
  const page = await eventsPage(s, nameOrId, 1);
  return page.StackEvents?.[0]?.EventId ?? null;
}

/** The last `n` events, oldest first: what a failure, cancel or timeout leaves in the log. */
export async function logLastEvents(s: Session, nameOrId: string, n: number): Promise<StackEvent[]> {
  let events: StackEvent[] = [];
  try {
    events = (await eventsPage(s, nameOrId, n)).StackEvents ?? [];
  } catch (e) {
    log(s, 'warn', `Could not read the stack's events: ${(e as Error).message}`);
    return [];
  }
  const chronological = [...events].reverse();
  if (chronological.length > 0) log(s, 'info', `Last ${chronological.length} event(s) of stack ${s.stackName}:`);
  for (const e of chronological) {
    const failed = e.ResourceStatus?.endsWith('_FAILED');
    const reason = e.ResourceStatusReason ? `: ${e.ResourceStatusReason}` : '';
    log(s, failed ? 'error' : 'info', `  ${e.Timestamp ?? ''} ${e.LogicalResourceId ?? ''} (${e.ResourceType ?? ''}) ${e.ResourceStatus ?? ''}${reason}`, e.LogicalResourceId ?? null);
  }
  return chronological;
}


export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
