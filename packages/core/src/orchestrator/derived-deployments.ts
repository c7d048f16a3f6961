import type { Deployment, StateVersion } from '../types/domain.js';
import { InvalidStateError } from '../errors.js';
import type { RunHost } from './host.js';
import type { Caller } from './inputs.js';
import { newDeployment, stackRefOf } from './records.js';
import { loadSealedSecrets, loadSecretVariables, withNotifyUrlsOf } from './secret-variables.js';

/** A deployment made from an existing one (rollback, destroy, drift check), ready to be started. */
export interface DerivedDeployment {
  record: Deployment;
  /** Its sealed secrets: variables and notification URLs. */
  secrets: Record<string, unknown>;
  audit: { action: string; detail?: Record<string, unknown> };
}

/** Re-applies `v`'s code with the variables of the deployment that wrote it. */
export async function rollbackOf(host: RunHost, d: Deployment, v: StateVersion, req: { autoApprove?: boolean | undefined; reason?: string | undefined }, caller?: Caller): Promise<DerivedDeployment> {
  const source = await host.store.getDeployment(v.deploymentId);
  const options = { ...d.options, ...(source ? { variables: source.options.variables, sensitiveVariables: source.options.sensitiveVariables } : {}), dryRun: false, autoApprove: req.autoApprove ?? true };
  const record = newDeployment({ stack: stackRefOf(d), operation: 'rollback', options, bundleDigest: v.bundleDigest, generationJobId: source?.generationJobId ?? null, source: source?.source ?? null, requestedBy: caller?.id ?? null, rollbackOf: d.id, targetVersion: v.version, reason: req.reason ?? null });
  // The variables of the version it re-applies; the notification URLs of the options it carries.
  const secrets = withNotifyUrlsOf(await loadSecretVariables(host.store, source?.id ?? d.id), await loadSealedSecrets(host.store, d.id));
  return { record, secrets, audit: { action: 'deployment.rollback', detail: { targetVersion: v.version, reason: req.reason ?? null, rollbackOf: d.id } } };
}

/** Removes everything in the stack's current state (planned from the current version's code). */
export async function destroyOf(host: RunHost, d: Deployment, req: { autoApprove?: boolean | undefined; reason?: string | undefined }, caller?: Caller): Promise<DerivedDeployment> {
  const current = await host.store.getStateVersion(d.stackKey);
  const record = newDeployment({ stack: stackRefOf(d), operation: 'destroy', options: { ...d.options, dryRun: false, autoApprove: req.autoApprove ?? false }, bundleDigest: current?.bundleDigest ?? d.bundleDigest, generationJobId: d.generationJobId, requestedBy: caller?.id ?? null, reason: req.reason ?? null });
  return { record, secrets: await loadSealedSecrets(host.store, d.id), audit: { action: 'deployment.destroy' } };
}

/** Checks the stack against its current state version. */
export async function driftCheckOf(host: RunHost, d: Deployment, caller?: Caller): Promise<DerivedDeployment> {
  const current = await host.store.getStateVersion(d.stackKey);
  if (!current) throw new InvalidStateError('The stack has no state yet: there is nothing to check for drift');
  const record = newDeployment({ stack: stackRefOf(d), operation: 'drift', options: { ...d.options, dryRun: false, autoApprove: false }, bundleDigest: current.bundleDigest, generationJobId: d.generationJobId, requestedBy: caller?.id ?? null });
  return { record, secrets: await loadSealedSecrets(host.store, d.id), audit: { action: 'deployment.drift' } };
}
