import { MASK, stateIdOf, type Deployment, type StateVersion } from '@iac-orchestrator/core';

/**
 * Response shapes. They only re-shape what the orchestrator returned (no domain decisions): the spec's
 * fields first, the rest of the record after, without what must not leave (lock tokens, raw state).
 */

/** `GET /api/deployments/:id`: the spec's shape (`state: {stateId, version, resources, locked}`, `outputs`). */
export function deploymentView(d: Deployment) {
  return {
    id: d.id,
    blueprintId: d.blueprintId,
    generationJobId: d.generationJobId,
    // A Git source: URL, ref, path and the commit deployed.
    source: d.source ?? null,
    status: d.status,
    environment: d.environment,
    targetCloud: d.targetCloud,
    format: d.format,
    operation: d.operation,
    // While pending: deployments of the same stack ahead of this one (0 = next); null otherwise.
    queuePosition: d.queuePosition ?? null,
    state: {
      stateId: stateIdOf(d.stackKey),
      version: d.stateVersion,
      resources: d.resources,
      // The deployment's own run lock; `GET /:id/state` shows the stack's lock, whoever holds it.
      locked: d.lock !== null,
    },
    outputs: d.outputs,
    error: d.error,
    plan: d.plan,
    drift: d.drift,
    approval: d.approval,
    stackKey: d.stackKey,
    // A deployment group target's: its name, region and group (absent for a plain deployment).
    ...(d.group ? { target: d.target ?? null, region: d.region ?? null, group: d.group } : {}),
    baseVersion: d.baseVersion,
    rollbackOf: d.rollbackOf,
    targetVersion: d.targetVersion,
    reason: d.reason,
    rolledBackBy: d.rolledBackBy,
    requestedBy: d.requestedBy,
    options: maskSensitiveVariables(d.options),
    bundleDigest: d.bundleDigest,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    startedAt: d.startedAt,
    completedAt: d.completedAt,
  };
}

/** A list item: the summary a list needs, without resources and outputs. */
export function deploymentSummary(d: Deployment) {
  return {
    id: d.id,
    blueprintId: d.blueprintId,
    generationJobId: d.generationJobId,
    source: d.source ?? null,
    status: d.status,
    environment: d.environment,
    targetCloud: d.targetCloud,
    format: d.format,
    operation: d.operation,
    stateVersion: d.stateVersion,
    error: d.error,
    requestedBy: d.requestedBy,
    createdAt: d.createdAt,
    completedAt: d.completedAt,
  };
}

/** A history entry: metadata of a state version, never its raw (tool-native, possibly secret-bearing) state. */
export function stateVersionView(v: StateVersion) {
  return {
    version: v.version,
    stateId: v.stateId,
    stackKey: v.stackKey,
    deploymentId: v.deploymentId,
    reason: v.reason,
    retained: v.retained,
    bundleDigest: v.bundleDigest,
    // The Git commit its code came from, when it came from Git.
    source: v.source ?? null,
    resources: v.resources,
    outputs: v.outputs,
    createdAt: v.createdAt,
  };
}

/** Values of variables declared sensitive never leave, even if a store kept them. */
function maskSensitiveVariables(options: Deployment['options']): Deployment['options'] {
  const sensitive = new Set(options.sensitiveVariables ?? []);
  if (sensitive.size === 0) return options;
  const variables: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options.variables ?? {})) variables[k] = sensitive.has(k) ? MASK : v;
  return { ...options, variables };
}
