import type { ExecutorEvent, ResourceStatus } from '@iac-orchestrator/core';
import { describeArmError, type DeploymentOperation } from './arm-types.js';
import { parseResourceId } from './resource-id.js';
import type { ChangeType } from './what-if.js';

/** A resource's last known status during an apply. */
export interface TrackedResource {
  id: string;
  type: string;
  name: string;
  status: ResourceStatus;
  provisioningState: string;
  operation: string;
}

/** Provisioning operations that change a resource (Read, Action, EvaluateDeploymentOutput... do not). */
const CHANGING = ['Create', 'Delete'];

/**
 * The spec's resource status of one deployment operation. ARM says "Create" for every PUT, so whether
 * it creates or updates comes from the plan: a resource what-if saw as existing (Modify, Deploy,
 * NoChange) is `updating`/`updated`; one it would create (or did not know) is `creating`/`created`.
 */
export function statusOf(provisioningOperation: string, provisioningState: string, planned: ChangeType | undefined): ResourceStatus {
  const state = provisioningState.toLowerCase();
  if (state === 'failed' || state === 'canceled') return 'failed';
  const done = state === 'succeeded';
  if (provisioningOperation === 'Delete') return done ? 'deleted' : 'deleting';
  const updating = planned !== undefined && planned !== 'Create';
  if (updating) return done ? 'updated' : 'updating';
  return done ? 'created' : 'creating';
}

/** Follows a deployment's operations and emits a resource event each time a status changes. */
export class OperationTracker {
  readonly resources = new Map<string, TrackedResource>();
  private readonly planned = new Map<string, ChangeType>();

  constructor(
    plannedChanges: Array<{ resourceId: string; changeType: ChangeType }>,
    private readonly emit: (e: ExecutorEvent) => void,
  ) {
    for (const c of plannedChanges) this.planned.set(c.resourceId.toLowerCase(), c.changeType);
  }

  update(operations: DeploymentOperation[]): void {
    // Several operations can target one resource (retries); the latest one tells its state.
    const latest = new Map<string, DeploymentOperation>();
    for (const op of operations) {
      const p = op.properties;
      const id = p?.targetResource?.id;
      if (!id || !CHANGING.includes(p?.provisioningOperation ?? '')) continue;
      const prev = latest.get(id.toLowerCase());
      if (!prev || String(p?.timestamp ?? '') >= String(prev.properties?.timestamp ?? '')) latest.set(id.toLowerCase(), op);
    }
    for (const op of latest.values()) {
      const p = op.properties!;
      const id = p.targetResource!.id!;
      const parsed = parseResourceId(id);
      const type = p.targetResource?.resourceType ?? parsed.type;
      const name = p.targetResource?.resourceName ?? parsed.name;
      const state = p.provisioningState ?? 'Running';
      const status = statusOf(p.provisioningOperation ?? 'Create', state, this.planned.get(id.toLowerCase()));
      const before = this.resources.get(id.toLowerCase());
      this.resources.set(id.toLowerCase(), { id, type, name, status, provisioningState: state, operation: p.provisioningOperation ?? 'Create' });
      if (before?.status === status) continue;
      const failure = status === 'failed' ? describeArmError(p.statusMessage?.error ?? { code: state, message: `operation ${state}` }) : undefined;
      this.emit({ type: 'resource', id, resourceType: type, name, status, ...(failure ? { message: failure } : {}) });
      this.emit({
        type: 'log',
        level: status === 'failed' ? 'error' : 'info',
        message: failure ? `${type} ${name} failed: ${failure}` : `${type} ${name} ${status}`,
        resource: id,
      });
    }
  }
}
