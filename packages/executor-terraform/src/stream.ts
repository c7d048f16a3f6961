import type { DriftReport, ExecutorEvent, LogLevel, ResourceStatus } from '@iac-orchestrator/core';

/** A diagnostic (error or warning) from Terraform's `-json` stream. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail: string;
  address?: string;
}

/** A resource changed outside Terraform, as a refresh reports it (`resource_drift`). */
export interface Drift {
  id: string;
  type?: string;
  /** Terraform's action to bring the state in line: `update` (modified) or `delete` (gone). */
  action: string;
}

/** A change a plan announces (`planned_change`): what the summary for approval is made of. */
export interface PlannedChange {
  id: string;
  type?: string;
  /** Terraform's action: create, update, delete, replace, read, move, import, remove... */
  action: string;
  /** Why, in the stream's words (`tainted`, `cannot_update`, `delete_because_no_resource_config`...). */
  reason?: string;
}

/** What one line of the `-json` UI stream means to the orchestrator. */
export interface StreamItem {
  events: ExecutorEvent[];
  diagnostic?: Diagnostic;
  drift?: Drift;
  planned?: PlannedChange;
  /** A plan's `outputs` message: each output's planned action (`create`, `update`, `delete`, `noop`). */
  outputActions?: Record<string, string>;
  /** The plan's `change_summary`: every `planned_change` of the plan has been announced. */
  planComplete?: boolean;
}

/** Hook action at `apply_start` → the spec's in-progress status. */
const STARTED: Record<string, ResourceStatus> = { create: 'creating', update: 'updating', delete: 'deleting', replace: 'creating' };
/** Hook action at `apply_complete` → the spec's done status. */
const COMPLETED: Record<string, ResourceStatus> = { create: 'created', update: 'updated', delete: 'deleted', replace: 'created' };

const IN_PROGRESS = new Set<ResourceStatus>(Object.values(STARTED));

interface HookResource {
  addr?: string;
  resource_type?: string;
  resource_name?: string;
}

const LEVELS: Record<string, LogLevel> = { error: 'error', warn: 'warn', info: 'info', debug: 'debug', trace: 'debug' };

/**
 * Interprets one line of `terraform plan|apply -json`. Pure: no state, no I/O. Lines that are not JSON
 * (a provider printing to stdout, a blank line) become plain log lines instead of breaking the stream.
 */
export function interpretLine(line: string): StreamItem {
  const text = line.trim();
  if (!text) return { events: [] };
  let msg: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a message');
    msg = parsed as Record<string, unknown>;
  } catch {
    return { events: [{ type: 'log', level: 'info', message: text, resource: null }] };
  }

  const type = typeof msg.type === 'string' ? msg.type : '';
  const message = typeof msg['@message'] === 'string' ? msg['@message'].trim() : '';
  const level = LEVELS[String(msg['@level'])] ?? 'info';
  const hook = (msg.hook ?? msg.change ?? {}) as { resource?: HookResource; action?: string; reason?: string };
  const res = hook.resource ?? {};
  const addr = res.addr ?? null;
  const log = (lvl: LogLevel, m = message, resource: string | null = addr): ExecutorEvent => ({ type: 'log', level: lvl, message: m, resource });
  const resourceEvent = (status: ResourceStatus): ExecutorEvent => ({
    type: 'resource',
    id: addr ?? '',
    ...(res.resource_type ? { resourceType: res.resource_type } : {}),
    ...(res.resource_name ? { name: res.resource_name } : {}),
    status,
    ...(message ? { message } : {}),
  });

  switch (type) {
    case 'version':
    case 'refresh_start':
    case 'refresh_complete':
      return { events: [log('debug')] };
    case 'diagnostic': {
      const d = (msg.diagnostic ?? {}) as { severity?: string; summary?: string; detail?: string; address?: string };
      const diagnostic: Diagnostic = {
        severity: d.severity === 'warning' ? 'warning' : 'error',
        summary: d.summary ?? message,
        detail: d.detail ?? '',
        ...(d.address ? { address: d.address } : {}),
      };
      const text = diagnostic.detail ? `${diagnostic.summary}: ${diagnostic.detail}` : diagnostic.summary;
      return { events: [log(diagnostic.severity === 'warning' ? 'warn' : 'error', text, d.address ?? null)], diagnostic };
    }
    case 'resource_drift':
      return {
        events: [log('info')],
        ...(addr ? { drift: { id: addr, ...(res.resource_type ? { type: res.resource_type } : {}), action: hook.action ?? 'update' } } : {}),
      };
    // A resource event carries its line as `message`, which the orchestrator stores as the log line
    // (at error level for a failure): a log event as well would store every such line twice.
    case 'apply_start': {
      const status = addr ? STARTED[hook.action ?? ''] : undefined;
      return { events: [status ? resourceEvent(status) : log('info')] };
    }
    case 'apply_complete': {
      const status = addr ? COMPLETED[hook.action ?? ''] : undefined;
      return { events: [status ? resourceEvent(status) : log('info')] };
    }
    case 'apply_errored':
      return { events: [addr ? resourceEvent('failed') : log('error')] };
    case 'provision_errored':
      return { events: [log('error')] };
    case 'planned_change':
      return {
        events: [log('info')],
        ...(addr ? { planned: { id: addr, ...(res.resource_type ? { type: res.resource_type } : {}), action: hook.action ?? 'noop', ...(hook.reason ? { reason: hook.reason } : {}) } } : {}),
      };
    case 'change_summary': {
      const operation = (msg.changes as { operation?: unknown } | undefined)?.operation;
      return { events: [log(level, message, null)], ...(operation === 'plan' ? { planComplete: true } : {}) };
    }
    case 'outputs': {
      // Only the count is logged. A plan's message carries each output's action; an apply's carries the
      // values of non-sensitive outputs only, so outputs (sensitive ones too) are read from the state.
      const outputs = (msg.outputs ?? {}) as Record<string, { action?: string }>;
      const actions = Object.entries(outputs).filter(([, o]) => typeof o?.action === 'string');
      return { events: [log('info', message, null)], ...(actions.length ? { outputActions: Object.fromEntries(actions.map(([k, o]) => [k, o.action!])) } : {}) };
    }
    default:
      return { events: message ? [log(level)] : [] };
  }
}

/**
 * Feeds a whole stream through {@link interpretLine}, emitting as lines arrive and remembering what a
 * caller needs afterwards: the error diagnostics (for the failure message) and each resource's last status.
 */
export class StreamInterpreter {
  readonly diagnostics: Diagnostic[] = [];
  readonly statuses = new Map<string, ResourceStatus>();
  readonly drift: Drift[] = [];
  readonly planned: PlannedChange[] = [];
  outputActions: Record<string, string> = {};
  /** Whether the plan's `change_summary` went by (its every planned change is known). */
  planComplete = false;
  /** Whether a change (an `apply_start`) began. */
  changing = false;

  constructor(
    private readonly emit: (e: ExecutorEvent) => void,
    /** Called once, before the first change's events are emitted (a plan-and-apply run moves to applying). */
    private readonly beforeFirstChange?: () => void,
  ) {}

  /** Handles one stdout line. */
  line = (line: string): void => {
    const item = interpretLine(line);
    if (item.diagnostic) this.diagnostics.push(item.diagnostic);
    if (item.drift) this.drift.push(item.drift);
    if (item.planned) this.planned.push(item.planned);
    if (item.outputActions) this.outputActions = item.outputActions;
    if (item.planComplete) this.planComplete = true;
    if (!this.changing && item.events.some((e) => e.type === 'resource' && IN_PROGRESS.has(e.status))) {
      this.changing = true;
      this.beforeFirstChange?.();
    }
    for (const e of item.events) {
      if (e.type === 'resource') this.statuses.set(e.id, e.status);
      this.emit(e);
    }
  };

  /** The drift a refresh-only plan reported, as the orchestrator's report (managed resources only). */
  driftReport(checkedAt: string): DriftReport {
    const resources = this.drift
      .filter((d) => !d.id.startsWith('data.') && !d.id.includes('.data.'))
      .map((d) => ({ id: d.id, ...(d.type ? { type: d.type } : {}), change: d.action === 'delete' ? 'deleted' : d.action === 'update' ? 'modified' : d.action }));
    return { drifted: resources.length > 0, checkedAt, resources };
  }

  /** A short, safe summary of the error diagnostics ("summary: detail; ..."), or undefined. */
  errorSummary(): string | undefined {
    const errors = this.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length === 0) return undefined;
    const unique = [...new Set(errors.map((d) => (d.detail ? `${d.summary}: ${d.detail}` : d.summary)))];
    return unique.join('; ').slice(0, 2000);
  }
}
