import type { StateVersion } from '../types/domain.js';
import type { StateStore } from '../types/state-store.js';

/**
 * The history's versions, each with the Git source (URL, ref, path, commit) of the deployment that wrote
 * it, when its code came from Git. Read from the deployments, so nothing is stored twice and versions
 * written before this field existed show it too.
 */
export async function withSources(store: StateStore, versions: StateVersion[]): Promise<StateVersion[]> {
  const byDeployment = new Map<string, Promise<StateVersion['source']>>();
  const sourceOf = (id: string) => {
    let p = byDeployment.get(id);
    if (!p) byDeployment.set(id, (p = store.getDeployment(id).then((d) => d?.source ?? null, () => null)));
    return p;
  };
  return Promise.all(versions.map(async (v) => {
    const source = await sourceOf(v.deploymentId);
    return source ? { ...v, source } : v;
  }));
}
