import type { DeploymentStatus, LogEntry, ResourceStatus } from '@iac-orchestrator/core';
import type { LiveEvent } from './event-stream.js';

/** One resource as a live view shows it: its last status and how long its current operation took. */
export interface ResourceProgress {
  id: string;
  status: ResourceStatus;
  startedAt: number;
  /** Set when the operation ended (created/updated/deleted/failed). */
  endedAt: number | null;
}

const STARTED: Array<[RegExp, ResourceStatus]> = [
  [/\b(Creating|CREATE_IN_PROGRESS)\b/, 'creating'],
  [/\b(Modifying|Updating|UPDATE_IN_PROGRESS)\b/, 'updating'],
  [/\b(Destroying|Deleting|DELETE_IN_PROGRESS)\b/, 'deleting'],
];
const DONE: Array<[RegExp, ResourceStatus]> = [
  [/\b(Creation complete|CREATE_COMPLETE|Created)\b/, 'created'],
  [/\b(Modifications complete|Update complete|UPDATE_COMPLETE|Updated)\b/, 'updated'],
  [/\b(Destruction complete|DELETE_COMPLETE|Deleted)\b/, 'deleted'],
  [/\b(errored|FAILED|failed)\b/, 'failed'],
];

/**
 * The resource status a log entry reports, if any. The service writes every per-resource event of an
 * executor to the log with the resource's address, so the stored log (and so the live stream, on any
 * replica, also after a reconnect) is enough to follow each resource.
 */
export function resourceStatusOf(entry: LogEntry): ResourceStatus | null {
  if (!entry.resource) return null;
  if (entry.level === 'error') return 'failed';
  for (const [re, status] of DONE) if (re.test(entry.message)) return status;
  for (const [re, status] of STARTED) if (re.test(entry.message)) return status;
  return null;
}

const ENDED = new Set<ResourceStatus>(['created', 'updated', 'deleted', 'failed']);

/** A deployment run as followed live: status, phases seen, resources in order of first appearance. */
export class RunProgress {
  status: DeploymentStatus | null = null;
  error: string | null = null;
  ended = false;
  readonly resources = new Map<string, ResourceProgress>();
  readonly logs: LogEntry[] = [];
  cursor = 0;

  /** Applies one event; returns the resource it changed, if any. */
  apply(e: LiveEvent): ResourceProgress | null {
    switch (e.type) {
      case 'status':
        this.status = e.status;
        return null;
      case 'end':
        this.status = e.status;
        this.error = e.error;
        this.ended = true;
        return null;
      case 'error':
        return null;
      case 'log': {
        this.logs.push(e.entry);
        if (e.cursor !== null) this.cursor = e.cursor;
        const status = resourceStatusOf(e.entry);
        if (!status || !e.entry.resource) return null;
        const at = Date.parse(e.entry.timestamp) || Date.now();
        const prev = this.resources.get(e.entry.resource);
        // Executors log a resource's step and its event alike: report a change once.
        if (prev?.status === status) return null;
        const restarted = !prev || (ENDED.has(prev.status) && !ENDED.has(status));
        const next: ResourceProgress = {
          id: e.entry.resource,
          status,
          startedAt: restarted ? at : prev.startedAt,
          endedAt: ENDED.has(status) ? at : null,
        };
        this.resources.set(next.id, next);
        return next;
      }
    }
  }
}

/** `1.2s`, `2m05s`: elapsed time of a resource or a run. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}
