import type { DeploymentSubscription } from './subscriptions.js';
import { displayUrl } from './subscriptions.js';

/**
 * The URLs of a deployment's own subscriptions (`options.notify[].url`) are credentials (a Slack webhook's
 * path, a Teams workflow's `sig=` query): the record keeps `<origin>/…` only, the URLs are sealed with the
 * deployment's secret variables (see orchestrator/secret-variables.ts), and a delivery reads them from
 * there by the subscription's index. Derived deployments (rollback, destroy, drift) copy the sealed URLs.
 */
export const NOTIFY_URLS_KEY = '@notify.urls';

/** Whether a URL is already in its shown form (a record's, copied into a new request). */
export const isShownUrl = (url: string): boolean => /\/(…|%E2%80%A6)$/i.test(url);

/** The subscriptions as a record shows them, and the URLs to seal (index for index). */
export function sealNotifyUrls(notify: readonly DeploymentSubscription[] | undefined): { notify: DeploymentSubscription[] | null; urls: string[] } {
  if (!notify || notify.length === 0) return { notify: null, urls: [] };
  return { notify: notify.map((s) => ({ ...s, url: displayUrl(s.url, false) })), urls: notify.map((s) => s.url) };
}
