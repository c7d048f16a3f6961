import type { PlanSummary } from '../types/domain.js';
import type { RunHost } from './host.js';
import { nowIso } from './util.js';

/** The artifact in the plan slot of a deployment whose executor plans and applies in one run. */
const ONE_RUN_ARTIFACT = { kind: 'plan-and-apply-in-one-run' } as const;

/** The plan slot's summary until the tool has reported its plan. */
const NOT_YET_PLANNED: PlanSummary = { add: 0, change: 0, destroy: 0, hasChanges: false, resources: [] };

/**
 * Marks the deployment as planned and applied in one tool run (its plan slot, with the plan once known).
 * Written before the tool starts: from then on a runner that dies is never replaced by a second run,
 * since the first may have changed things (invariant 8); recovery saves what its tool left.
 */
export function markOneRun(host: RunHost, deploymentId: string, baseVersion: number, summary: PlanSummary = NOT_YET_PLANNED): Promise<void> {
  return host.store.putPlan({ deploymentId, baseVersion, summary, artifact: ONE_RUN_ARTIFACT, createdAt: nowIso() });
}

/** Whether the deployment is (or was) planned and applied in one tool run (see {@link markOneRun}). */
export async function appliesInOneRun(host: RunHost, deploymentId: string): Promise<boolean> {
  const plan = await host.store.getPlan(deploymentId);
  const artifact = plan?.artifact as { kind?: unknown } | null | undefined;
  return artifact?.kind === ONE_RUN_ARTIFACT.kind;
}
