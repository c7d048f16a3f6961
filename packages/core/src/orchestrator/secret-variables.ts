import type { DeploymentOptions } from '../types/domain.js';
import type { StateStore } from '../types/state-store.js';
import { MASK } from '../redaction.js';
import { NOTIFY_URLS_KEY, sealNotifyUrls } from '../notifications/sealed-urls.js';
import { nowIso } from './util.js';

/**
 * Sensitive variable values never sit in a deployment record (records are listed and returned as they are):
 * they are kept apart, in the store's sealed plan slot (encrypted at rest where the store encrypts), and
 * merged back only into the executor's context. The URLs of the deployment's own notification
 * subscriptions (`options.notify[].url`: a Slack or Teams webhook URL is itself a credential) are kept in
 * the same slot, under a key no variable can have; the record shows their origin only.
 */
const keyOf = (deploymentId: string) => `${deploymentId}:variables`;

/** Splits options into what the record may show (secrets masked, notification URLs reduced to their
 * origin) and the secret values (the variables', and the notification URLs under {@link NOTIFY_URLS_KEY}). */
export function splitSecretVariables(options: DeploymentOptions): { options: DeploymentOptions; secrets: Record<string, unknown> } {
  const secrets: Record<string, unknown> = {};
  const variables = { ...options.variables };
  for (const name of options.sensitiveVariables) {
    if (name in variables && variables[name] !== MASK) {
      secrets[name] = variables[name];
      variables[name] = MASK;
    }
  }
  const sealed = sealNotifyUrls(options.notify);
  if (sealed.urls.length > 0) secrets[NOTIFY_URLS_KEY] = sealed.urls;
  return { options: { ...options, variables, ...(sealed.notify ? { notify: sealed.notify } : {}) }, secrets };
}

export async function saveSecretVariables(store: StateStore, deploymentId: string, secrets: Record<string, unknown>): Promise<void> {
  if (Object.keys(secrets).length === 0) return;
  await store.putPlan({ deploymentId: keyOf(deploymentId), baseVersion: 0, summary: { add: 0, change: 0, destroy: 0, hasChanges: false, resources: [] }, artifact: secrets, createdAt: nowIso() });
}

/** Everything sealed for a deployment: its secret variables and its notification URLs (as saved, for a
 * derived deployment to carry over). */
export async function loadSealedSecrets(store: StateStore, deploymentId: string): Promise<Record<string, unknown>> {
  const p = await store.getPlan(keyOf(deploymentId));
  return (p?.artifact as Record<string, unknown> | undefined) ?? {};
}

/** The secret variable values of a deployment (what the executor gets; no notification URL). */
export async function loadSecretVariables(store: StateStore, deploymentId: string): Promise<Record<string, unknown>> {
  const { [NOTIFY_URLS_KEY]: _urls, ...variables } = await loadSealedSecrets(store, deploymentId);
  return variables;
}

/** The notification URLs sealed for a deployment, by index of `options.notify`. */
export async function loadNotifyUrls(store: StateStore, deploymentId: string): Promise<string[]> {
  const urls = (await loadSealedSecrets(store, deploymentId))[NOTIFY_URLS_KEY];
  return Array.isArray(urls) ? urls.filter((u): u is string => typeof u === 'string') : [];
}

/** A rollback's sealed secrets: the variables of the version it re-applies, the notification URLs of the
 * deployment whose options it carries. */
export function withNotifyUrlsOf(variables: Record<string, unknown>, carried: Record<string, unknown>): Record<string, unknown> {
  const { [NOTIFY_URLS_KEY]: _ignored, ...rest } = variables;
  return carried[NOTIFY_URLS_KEY] ? { ...rest, [NOTIFY_URLS_KEY]: carried[NOTIFY_URLS_KEY] } : rest;
}
