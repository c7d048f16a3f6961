import type { DeploymentOptions } from '../types/domain.js';
import type { StateStore } from '../types/state-store.js';
import { MASK } from '../redaction.js';
import { nowIso } from './util.js';

/**
 * Sensitive variable values never sit in a deployment record (records are listed and returned as they are):
 * they are kept apart, in the store's sealed plan slot (encrypted at rest where the store encrypts), and
 * merged back only into the executor's context.
 */
const keyOf = (deploymentId: string) => `${deploymentId}:variables`;

/** Splits options into what the record may show (secrets masked) and the secret values. */
export function splitSecretVariables(options: DeploymentOptions): { options: DeploymentOptions; secrets: Record<string, unknown> } {
  const secrets: Record<string, unknown> = {};
  const variables = { ...options.variables };
  for (const name of options.sensitiveVariables) {
    if (name in variables && variables[name] !== MASK) {
      secrets[name] = variables[name];
      variables[name] = MASK;
    }
  }
  return { options: { ...options, variables }, secrets };
}

export async function saveSecretVariables(store: StateStore, deploymentId: string, secrets: Record<string, unknown>): Promise<void> {
  if (Object.keys(secrets).length === 0) return;
  await store.putPlan({ deploymentId: keyOf(deploymentId), baseVersion: 0, summary: { add: 0, change: 0, destroy: 0, hasChanges: false, resources: [] }, artifact: secrets, createdAt: nowIso() });
}

export async function loadSecretVariables(store: StateStore, deploymentId: string): Promise<Record<string, unknown>> {
  const p = await store.getPlan(keyOf(deploymentId));
  return (p?.artifact as Record<string, unknown> | undefined) ?? {};
}
