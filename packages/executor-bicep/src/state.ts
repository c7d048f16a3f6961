import { MASK, type Resource, type ResourceStatus, type StateSnapshot } from '@iac-orchestrator/core';
import type { DeploymentOperation, DeploymentRecord } from './arm-types.js';
import { isSecureType } from './parameters.js';
import type { TrackedResource } from './progress.js';
import { parseResourceId } from './resource-id.js';

/** One resource the stack holds in Azure. */
export interface StackResource {
  id: string;
  type: string;
  name: string;
  status: ResourceStatus;
  /** Ids it depends on (from the deployment's dependency graph): destroy removes it before them. */
  dependsOn: string[];
  /** `deployment`: in this deployment's output resources or operations; `retained`: left by an earlier
   * deployment (Incremental mode does not delete what a newer template dropped). */
  source: 'deployment' | 'retained';
}

/** The raw state of a Bicep stack: the deployment record plus every resource the stack holds. */
export interface BicepRawState {
  kind: 'azure-bicep';
  version: 1;
  subscriptionId: string | null;
  resourceGroup: string;
  deploymentName: string;
  mode: string;
  templateDigest: string | null;
  /** `az deployment group show` output, secure parameter and output values removed. */
  deployment: DeploymentRecord | null;
  resources: StackResource[];
}

export function isBicepRawState(v: unknown): v is BicepRawState {
  return !!v && typeof v === 'object' && (v as { kind?: unknown }).kind === 'azure-bicep' && Array.isArray((v as { resources?: unknown }).resources);
}

/** Output types declared by the template, to know which outputs are secure even when ARM omits the type. */
export function templateOutputTypes(template: Record<string, unknown> | null): Record<string, string> {
  const o = template?.outputs;
  const out: Record<string, string> = {};
  if (o && typeof o === 'object') for (const [k, v] of Object.entries(o)) out[k] = String((v as { type?: unknown })?.type ?? '');
  return out;
}

/**
 * Outputs of a deployment record: plain values, and MASK for `secureString` / `secureObject` outputs
 * (ARM does not return their values; if one ever is returned it is registered as a secret and masked).
 */
export function outputsOf(record: DeploymentRecord | null, declared: Record<string, string>, secret: (v: string) => void): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(record?.properties?.outputs ?? {})) {
    if (isSecureType(o?.type) || isSecureType(declared[name])) {
      if (o && 'value' in o && o.value !== undefined && o.value !== null) registerLeaves(o.value, secret);
      out[name] = MASK;
    } else out[name] = o?.value ?? null;
  }
  return out;
}

/** A copy of the record safe to store: secure parameter and output values masked. */
export function scrubRecord(record: DeploymentRecord | null, secureParams: string[], declaredOutputs: Record<string, string>): DeploymentRecord | null {
  if (!record) return null;
  const copy = JSON.parse(JSON.stringify(record)) as DeploymentRecord;
  const props = copy.properties ?? {};
  for (const [name, p] of Object.entries(props.parameters ?? {})) {
    if (p && (isSecureType(p.type) || secureParams.includes(name)) && 'value' in p) p.value = MASK;
  }
  for (const [name, o] of Object.entries(props.outputs ?? {})) {
    if (o && (isSecureType(o.type) || isSecureType(declaredOutputs[name])) && 'value' in o) o.value = MASK;
  }
  return copy;
}

/**
 * The resources a stack holds after a deployment: its output resources and the targets of its
 * operations (a failed create may still have left something), plus, in Incremental mode, what earlier
 * deployments created and this template no longer declares. Nothing created is forgotten.
 */
export function stackResources(args: {
  record: DeploymentRecord | null;
  operations: DeploymentOperation[];
  tracked: Map<string, TrackedResource>;
  prior: BicepRawState | null;
  mode: string;
}): StackResource[] {
  const byId = new Map<string, StackResource>();
  const deps = new Map<string, string[]>();
  for (const d of args.record?.properties?.dependencies ?? []) {
    if (d.id) deps.set(d.id.toLowerCase(), (d.dependsOn ?? []).map((x) => x.id).filter((x): x is string => !!x));
  }
  const add = (id: string, source: StackResource['source'], status: ResourceStatus, type?: string, name?: string, dependsOn?: string[]) => {
    const key = id.toLowerCase();
    if (byId.has(key)) return;
    const parsed = parseResourceId(id);
    byId.set(key, { id, type: type ?? parsed.type, name: name ?? parsed.name, status, dependsOn: dependsOn ?? deps.get(key) ?? [], source });
  };
  for (const t of args.tracked.values()) {
    if (t.status !== 'deleted') add(t.id, 'deployment', t.status, t.type, t.name);
  }
  for (const r of args.record?.properties?.outputResources ?? []) if (r.id) add(r.id, 'deployment', 'created');
  for (const op of args.operations) {
    const p = op.properties;
    if (p?.provisioningOperation === 'Create' && p.targetResource?.id) add(p.targetResource.id, 'deployment', 'created', p.targetResource.resourceType, p.targetResource.resourceName);
  }
  const completeAndDone = args.mode === 'Complete' && args.record?.properties?.provisioningState === 'Succeeded';
  const deleted = new Set([...args.tracked.values()].filter((t) => t.status === 'deleted').map((t) => t.id.toLowerCase()));
  if (!completeAndDone) {
    for (const r of args.prior?.resources ?? []) {
      if (!deleted.has(r.id.toLowerCase())) add(r.id, 'retained', r.status, r.type, r.name, r.dependsOn);
    }
  }
  return [...byId.values()];
}

/** Normalised resources for the orchestrator. */
export function toResources(resources: StackResource[], resourceGroup: string): Resource[] {
  return resources.map((r) => ({
    id: r.id,
    type: r.type,
    name: r.name,
    provider: r.type.split('/')[0],
    status: r.status,
    attributes: { resourceGroup, source: r.source },
    dependencies: r.dependsOn,
    physicalId: r.id,
  }));
}

export function snapshotOf(raw: BicepRawState, outputs: Record<string, unknown>): StateSnapshot {
  return { raw, resources: toResources(raw.resources, raw.resourceGroup), outputs };
}

function registerLeaves(v: unknown, secret: (v: string) => void): void {
  if (typeof v === 'string') secret(v);
  else if (typeof v === 'number' || typeof v === 'boolean') secret(String(v));
  else if (Array.isArray(v)) v.forEach((x) => registerLeaves(x, secret));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => registerLeaves(x, secret));
}
