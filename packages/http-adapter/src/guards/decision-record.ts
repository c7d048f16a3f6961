import type { Deployment } from '@iac-orchestrator/core';
import type { EventedOrchestrator } from '../orchestrator-port.js';

/** How long an approve/reject answer waits for the run to take the decision up. */
const DECISION_SETTLE_MS = 5_000;

/**
 * The deployment record after an approve/reject: re-read, and if the run that owns it has not left
 * `awaiting_approval` yet (a rejection ends the run a moment after it is recorded), the record once its
 * next status change arrives, or as it stands after {@link DECISION_SETTLE_MS}. So the answer shows the
 * status the decision led to, not the one before it.
 */
export async function recordAfterDecision(orchestrator: EventedOrchestrator, id: string): Promise<Deployment> {
  let timer: NodeJS.Timeout | undefined;
  let onStatus: ((e: { deploymentId: string; status: string }) => void) | undefined;
  const moved = new Promise<void>((resolve) => {
    onStatus = (e) => {
      if (e.deploymentId === id && e.status !== 'awaiting_approval') resolve();
    };
    orchestrator.on('status', onStatus);
    timer = setTimeout(resolve, DECISION_SETTLE_MS);
  });
  try {
    const now = await orchestrator.get(id);
    if (now.status !== 'awaiting_approval') return now;
    await moved;
    return await orchestrator.get(id);
  } finally {
    clearTimeout(timer);
    orchestrator.off('status', onStatus!);
  }
}
