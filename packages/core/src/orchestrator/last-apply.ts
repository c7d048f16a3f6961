import type { Deployment } from '../types/domain.js';
import { canonicalJson } from '../canonical-json.js';
import type { RunHost } from './host.js';
import { loadSecretVariables } from './secret-variables.js';

/** Statuses of a deployment that ran to its end (a dry run's `planned` is not one: it changes nothing). */
const ENDED = new Set(['completed', 'failed', 'cancelled', 'rolled_back']);

/**
 * Whether the stack's last deployment that ran to its end (drift checks and dry runs aside, which change
 * no state) was a completed apply of the same code, variables (`variables`: the run's, secret ones
 * included) and executor options as `d`, that left the stack at `baseVersion` (see
 * `ExecutorContext.sameAsLastApply`). Only a hint: a store that cannot tell answers false.
 */
export async function sameAsLastApply(host: RunHost, d: Deployment, baseVersion: number, variables: Record<string, unknown>): Promise<boolean> {
  try {
    const recent = await host.store.listDeployments({ stackKey: d.stackKey, limit: 20 });
    const last = recent.items.find((x) => x.id !== d.id && x.operation !== 'drift' && !x.options.dryRun && ENDED.has(x.status));
    if (!last || last.operation !== 'apply' || last.status !== 'completed' || last.stateVersion !== baseVersion || last.bundleDigest !== d.bundleDigest) return false;
    const lastVariables = { ...last.options.variables, ...(await loadSecretVariables(host.store, last.id)) };
    return canonicalJson({ variables: lastVariables, executor: last.options.executor ?? {} }) === canonicalJson({ variables, executor: d.options.executor ?? {} });
  } catch {
    return false;
  }
}
