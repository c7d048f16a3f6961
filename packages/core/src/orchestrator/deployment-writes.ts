import type { Deployment } from '../types/domain.js';
import type { StateStore } from '../types/state-store.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { nowIso } from './util.js';

/**
 * Changes a stored deployment by compare-and-set on its `revision`, retrying when another process wrote in
 * between, so a cancel asked on one replica and the run's progress on another never overwrite each other.
 * `change` sees the current record and returns the next one, or null to write nothing (the current record is
 * then returned as it is). Stores without `replaceDeployment` get read-then-put: safe within one process.
 */
export async function updateDeployment(
  store: StateStore,
  id: string,
  change: (current: Deployment) => Deployment | null,
): Promise<{ deployment: Deployment; written: boolean }> {
  for (let attempt = 0; ; attempt++) {
    const current = await store.getDeployment(id);
    if (!current) throw new NotFoundError(`Deployment ${id} not found`);
    const next = change(current);
    if (!next) return { deployment: current, written: false };
    const revision = current.revision ?? 0;
    const candidate: Deployment = { ...next, revision: revision + 1, updatedAt: nowIso() };
    if (!store.replaceDeployment) {
      await store.putDeployment(candidate);
      return { deployment: candidate, written: true };
    }
    if (await store.replaceDeployment(candidate, revision)) return { deployment: candidate, written: true };
    if (attempt >= 20) throw new ConflictError(`Deployment ${id} keeps changing concurrently; try again`);
  }
}
