import { MASK, Redactor, type Resource, type ResourceStatus, type StateSnapshot } from '@iac-orchestrator/core';
import { maskByPaths, maskBySecretNames, maskBySensitiveValues, secretStrings, unwrapDynamicValues, type PathStep } from './mask.js';

/** The parts of a Terraform state (format version 4) that we read. */
export interface TfState {
  version?: number;
  serial?: number;
  lineage?: string;
  outputs?: Record<string, { value: unknown; type?: unknown; sensitive?: boolean }>;
  resources?: Array<{
    module?: string;
    mode: 'managed' | 'data';
    type: string;
    name: string;
    provider?: string;
    instances?: Array<{
      index_key?: string | number;
      status?: string;
      attributes?: Record<string, unknown>;
      sensitive_attributes?: PathStep[][];
      dependencies?: string[];
    }>;
  }>;
}

/** A resource of `terraform show -json <state>`: values already decoded, sensitivity from the schema too. */
interface ShownResource {
  address: string;
  mode?: string;
  values?: Record<string, unknown>;
  sensitive_values?: unknown;
}
interface ShownModule {
  resources?: ShownResource[];
  child_modules?: ShownModule[];
}

/** `show -json` of a state, indexed by address. */
export function indexShownState(shown: unknown): Map<string, ShownResource> {
  const out = new Map<string, ShownResource>();
  const walk = (m: ShownModule | undefined): void => {
    for (const r of m?.resources ?? []) out.set(r.address, r);
    for (const c of m?.child_modules ?? []) walk(c);
  };
  walk((shown as { values?: { root_module?: ShownModule } } | null)?.values?.root_module);
  return out;
}

/** `module.net.aws_subnet.a["x"]`-style address of one instance. */
export function instanceAddress(module: string | undefined, type: string, name: string, key: string | number | undefined, mode = 'managed'): string {
  const index = key === undefined ? '' : typeof key === 'number' ? `[${key}]` : `[${JSON.stringify(key)}]`;
  return `${module ? `${module}.` : ''}${mode === 'data' ? 'data.' : ''}${type}.${name}${index}`;
}

/** `provider["registry.terraform.io/hashicorp/aws"]` → `aws`. */
export function providerName(provider: string | undefined): string | undefined {
  const m = /provider\["([^"]+)"\]/.exec(provider ?? '');
  return m ? m[1]!.split('/').pop() : undefined;
}

export interface NormaliseInput {
  raw: TfState;
  /** `show -json` of the same state, when Terraform could read it (gives schema-sensitive attributes). */
  shown?: unknown;
  /** Sensitivity mirrors by address, as the saved plan showed them (`after_sensitive`); used when `shown` is absent. */
  sensitive?: Readonly<Record<string, unknown>>;
  /** Last status each address reached in this run's stream. */
  statuses?: ReadonlyMap<string, ResourceStatus>;
  /** Registers a secret value so the orchestrator masks it everywhere. */
  secret: (value: string) => void;
}

/**
 * Turns a Terraform state into the spec's resources and outputs. Managed resources only (data sources are
 * reads, not infrastructure). Sensitive attributes and outputs are masked and their values registered.
 */
export function normaliseState(input: NormaliseInput): StateSnapshot {
  const redactor = new Redactor();
  const found = (v: unknown): void => {
    for (const s of secretStrings(v)) {
      input.secret(s);
      redactor.add(s);
    }
  };
  const shown = indexShownState(input.shown);
  const outputs: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(input.raw.outputs ?? {})) {
    if (o.sensitive) {
      found(o.value);
      outputs[name] = MASK;
    } else outputs[name] = o.value;
  }

  const resources: Resource[] = [];
  for (const r of input.raw.resources ?? []) {
    if (r.mode !== 'managed') continue;
    for (const inst of r.instances ?? []) {
      const id = instanceAddress(r.module, r.type, r.name, inst.index_key);
      const view = shown.get(id);
      const values = (view?.values ?? unwrapDynamicValues(inst.attributes ?? {})) as Record<string, unknown>;
      const physical = typeof values.arn === 'string' ? values.arn : typeof values.id === 'string' ? values.id : undefined;
      // Three sources of sensitivity: the state's own paths (config-level `sensitive`), the provider schema
      // (through `show -json` or the saved plan's `after_sensitive`), and attribute names as a last net.
      let attributes = maskByPaths(values, inst.sensitive_attributes ?? [], found);
      attributes = maskBySensitiveValues(attributes, view ? view.sensitive_values : input.sensitive?.[id], found) as Record<string, unknown>;
      attributes = maskBySecretNames(attributes, found) as Record<string, unknown>;
      resources.push({
        id,
        type: r.type,
        name: displayName(attributes, r.name, inst.index_key),
        ...(providerName(r.provider) ? { provider: providerName(r.provider) } : {}),
        status: statusOf(inst.status, input.statuses?.get(id)),
        attributes,
        dependencies: inst.dependencies ?? [],
        ...(physical && physical !== MASK ? { physicalId: physical } : {}),
      });
    }
  }
  // Second pass: a sensitive value copied into another attribute or output (terraform_data's `output`,
  // an interpolated string) is not flagged by Terraform there, so mask every registered value everywhere.
  return {
    raw: input.raw,
    resources: resources.map((res) => ({ ...res, attributes: redactor.redactValue(res.attributes), ...(res.physicalId ? { physicalId: redactor.redact(res.physicalId) } : {}) })),
    outputs: redactor.redactValue(outputs),
  };
}

function statusOf(instanceStatus: string | undefined, streamed: ResourceStatus | undefined): ResourceStatus {
  if (instanceStatus === 'tainted') return 'failed';
  if (streamed === 'created' || streamed === 'updated' || streamed === 'failed') return streamed;
  return 'created';
}

/** The cloud-side name when the resource has one (`name`, `bucket`), else the Terraform name. */
function displayName(attributes: Record<string, unknown>, name: string, key: string | number | undefined): string {
  for (const k of ['name', 'bucket']) {
    const v = attributes[k];
    if (typeof v === 'string' && v && v !== MASK) return v;
  }
  return key === undefined ? name : `${name}[${typeof key === 'number' ? key : JSON.stringify(key)}]`;
}
