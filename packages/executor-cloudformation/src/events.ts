import type { LogLevel, ResourceStatus } from '@iac-orchestrator/core';
import type { StackEvent } from './commands/describe-stack-events.js';

/**
 * A CloudFormation resource status as the spec's resource status, or null for one that is not a step of
 * create/update/delete (IMPORT_*, the stack's own ROLLBACK_* / REVIEW_IN_PROGRESS...). Also used for `list-stack-resources` statuses.
 */
export function resourceStatusOf(cfnStatus: string): ResourceStatus | null {
  if (cfnStatus.endsWith('_FAILED')) return 'failed';
  switch (cfnStatus) {
    case 'CREATE_IN_PROGRESS':
      return 'creating';
    case 'CREATE_COMPLETE':
      return 'created';
    case 'UPDATE_IN_PROGRESS':
      return 'updating';
    case 'UPDATE_COMPLETE':
      return 'updated';
    case 'DELETE_IN_PROGRESS':
      return 'deleting';
    case 'DELETE_COMPLETE':
    case 'DELETE_SKIPPED':
      return 'deleted';
    default:
      return null;
  }
}

/** What one stack event becomes: always a log line, and a resource event for a resource's step. */
export interface MappedEvent {
  log: { level: LogLevel; message: string; resource: string | null };
  resource: { id: string; resourceType?: string; name?: string; status: ResourceStatus; message?: string } | null;
}

/** Whether the event is about the stack itself rather than one of its resources (a nested stack is a resource). */
export function isStackEvent(e: StackEvent, stackName: string): boolean {
  return e.ResourceType === 'AWS::CloudFormation::Stack' && (e.LogicalResourceId === stackName || e.PhysicalResourceId === e.StackId);
}

/**
 * Maps a stack event to a log line and, for a resource, the spec's resource status. Failures log at
 * `error` with CloudFormation's reason; a rollback of the stack logs at `warn`.
 */
export function mapStackEvent(e: StackEvent, stackName: string): MappedEvent {
  const status = e.ResourceStatus ?? 'UNKNOWN';
  const reason = e.ResourceStatusReason ? `: ${e.ResourceStatusReason}` : '';
  const failed = status.endsWith('_FAILED');
  if (isStackEvent(e, stackName)) {
    const level: LogLevel = failed ? 'error' : /ROLLBACK/.test(status) ? 'warn' : 'info';
    return { log: { level, message: `Stack ${stackName}: ${status}${reason}`, resource: null }, resource: null };
  }
  const id = e.LogicalResourceId ?? 'unknown';
  const mapped = resourceStatusOf(status);
  const retained = status === 'DELETE_SKIPPED' ? ' (retained by its DeletionPolicy, removed from the stack only)' : '';
  const level: LogLevel = failed ? 'error' : retained ? 'warn' : 'info';
  return {
    log: { level, message: `${id} (${e.ResourceType ?? 'unknown type'}): ${status}${reason}${retained}`, resource: id },
    resource: mapped
      ? {
          id,
          resourceType: e.ResourceType,
          name: e.PhysicalResourceId || id,
          status: mapped,
          ...(failed && e.ResourceStatusReason ? { message: e.ResourceStatusReason } : {}),
        }
      : null,
  };
}

/**
 * The events newer than `seenUntil` (an EventId), oldest first. `describe-stack-events` lists newest
 * first; everything before the marker in that list is new. Without a marker every event is new.
 */
export function newEventsSince(newestFirst: StackEvent[], seenUntil: string | null): { events: StackEvent[]; reachedMarker: boolean } {
  const fresh: StackEvent[] = [];
  let reachedMarker = false;
  for (const e of newestFirst) {
    if (seenUntil !== null && e.EventId === seenUntil) {
      reachedMarker = true;
      break;
    }
    fresh.push(e);
  }
  return { events: fresh.reverse(), reachedMarker };
}
