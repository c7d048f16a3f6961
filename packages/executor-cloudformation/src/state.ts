import { MASK, type Resource, type StateSnapshot } from '@iac-orchestrator/core';
import type { StackDescription } from './commands/describe-stacks.js';
import type { StackResourceSummary } from './commands/list-stack-resources.js';
import { resourceStatusOf } from './events.js';
import type { StackParameter } from './parameters.js';
import type { Template } from './template.js';

/**
 * The executor's native state, stored as a state version's `raw`: the stack description, its resources and
 * outputs, and the template and parameters that made it (NoEcho values replaced by `UsePreviousValue`),
 * so a rollback can redeploy it and the next plan finds the stack.
 */
export interface CloudFormationRawState {
  kind: 'cloudformation-stack';
  formatVersion: 1;
  stackName: string;
  stackId: string | null;
  status: string | null;
  stack: StackDescription | null;
  resources: StackResourceSummary[];
  outputs: Record<string, string>;
  template: Template | null;
  parameters: StackParameter[];
  /** Parameter keys whose values CloudFormation treats as secrets (NoEcho). */
  noEchoKeys: string[];
}

export interface StateInput {
  stackName: string;
  stack: StackDescription | null;
  resources: StackResourceSummary[];
  template: Template | null;
  parameters: StackParameter[];
  noEchoKeys: string[];
  /** Secret values of this deployment: an output or parameter equal to one is masked. */
  secrets: ReadonlySet<string>;
}

const maskIf = (v: string | undefined, secrets: ReadonlySet<string>) => (v !== undefined && secrets.has(v) ? MASK : v);

/** Builds the snapshot: raw native state plus normalised resources (logical id as `id`) and outputs. */
export function snapshotOf(i: StateInput): StateSnapshot {
  const outputs: Record<string, string> = {};
  for (const o of i.stack?.Outputs ?? []) outputs[o.OutputKey] = maskIf(o.OutputValue, i.secrets) ?? '';
  const stack = i.stack
    ? {
        ...i.stack,
        Parameters: i.stack.Parameters?.map((p) =>
          i.noEchoKeys.includes(p.ParameterKey) ? { ...p, ParameterValue: MASK } : { ...p, ParameterValue: maskIf(p.ParameterValue, i.secrets) },
        ),
        Outputs: i.stack.Outputs?.map((o) => ({ ...o, OutputValue: maskIf(o.OutputValue, i.secrets) })),
      }
    : null;
  const deleted = i.stack?.StackStatus === 'DELETE_COMPLETE';
  const live = deleted ? [] : i.resources.filter((r) => r.ResourceStatus !== 'DELETE_COMPLETE');
  const raw: CloudFormationRawState = {
    kind: 'cloudformation-stack',
    formatVersion: 1,
    stackName: i.stackName,
    stackId: i.stack?.StackId ?? null,
    status: i.stack?.StackStatus ?? null,
    stack,
    resources: live,
    outputs,
    template: deleted ? null : i.template,
    parameters: i.parameters,
    noEchoKeys: i.noEchoKeys,
  };
  return { raw, resources: live.map(normaliseResource), outputs };
}

/** A stack resource in the spec's shape. */
export function normaliseResource(r: StackResourceSummary): Resource {
  const attributes: Record<string, unknown> = { resourceStatus: r.ResourceStatus };
  if (r.ResourceStatusReason) attributes.resourceStatusReason = r.ResourceStatusReason;
  if (r.LastUpdatedTimestamp) attributes.lastUpdated = r.LastUpdatedTimestamp;
  if (r.DriftInformation?.StackResourceDriftStatus) attributes.driftStatus = r.DriftInformation.StackResourceDriftStatus;
  return {
    id: r.LogicalResourceId,
    type: r.ResourceType,
    name: r.PhysicalResourceId || r.LogicalResourceId,
    provider: 'aws',
    // A resource that is neither being created, updated nor deleted rests as created (e.g. IMPORT_COMPLETE).
    status: resourceStatusOf(r.ResourceStatus) ?? 'created',
    attributes,
    dependencies: [],
    ...(r.PhysicalResourceId ? { physicalId: r.PhysicalResourceId } : {}),
  };
}

/** Reads a prior raw state back, tolerating anything that is not ours. */
export function asRawState(prior: unknown): CloudFormationRawState | null {
  if (prior && typeof prior === 'object' && (prior as { kind?: unknown }).kind === 'cloudformation-stack') return prior as CloudFormationRawState;
  return null;
}
