/**
 * Embedding the Orchestrator in an automation engine: no HTTP, no polling. The engine starts a deployment,
 * follows it through typed events, approves production plans through its own approval step, and gets the
 * outputs back.
 */
import { FileStateStore, Orchestrator, type Deployment, type PlanSummary } from '@iac-orchestrator/core';
import { TerraformExecutor } from '@iac-orchestrator/executor-terraform';

export interface Workflow {
  blueprintId: string;
  environment: string;
  files: Record<string, string>;
  /** The engine's approval step (a Slack button, a ticket...). */
  approve: (plan: PlanSummary) => Promise<boolean>;
}

export function createEngineOrchestrator(dataDir: string, workDir: string): Orchestrator {
  return new Orchestrator({
    store: new FileStateStore({ dataDir }),
    executors: [new TerraformExecutor({ workRoot: workDir })],
    credentials: process.env,
  });
}

/** Runs one workflow to its end; resolves with the outputs, rejects with the deployment's error. */
export async function executeWorkflow(orchestrator: Orchestrator, wf: Workflow, onLog: (line: string) => void = () => {}): Promise<Record<string, unknown>> {
  const d = await orchestrator.deploy(
    { blueprintId: wf.blueprintId, environment: wf.environment, targetCloud: 'aws', format: 'terraform', files: wf.files, options: { autoApprove: true } },
    { id: 'automation-engine' },
  );
  const finished = new Promise<Deployment>((resolve) => {
    const onStatus = async (e: { deploymentId: string; status: string; deployment: Deployment }) => {
      if (e.deploymentId !== d.id) return;
      if (e.status === 'awaiting_approval') {
        const ok = await wf.approve(e.deployment.plan!);
        if (ok) await orchestrator.approve(d.id, { comment: 'approved in the engine' }, { id: 'engine-approver', canApprove: true });
        else await orchestrator.reject(d.id, { comment: 'declined in the engine' }, { id: 'engine-approver', canApprove: true });
      }
      if (['completed', 'failed', 'cancelled', 'planned'].includes(e.status)) {
        orchestrator.off('status', onStatus);
        resolve(e.deployment);
      }
    };
    orchestrator.on('status', onStatus);
  });
  const onLogEvent = (e: { deploymentId: string; entry: { message: string } }) => e.deploymentId === d.id && onLog(e.entry.message);
  orchestrator.on('log', onLogEvent);
  const result = await finished;
  orchestrator.off('log', onLogEvent);
  if (result.status !== 'completed') throw new Error(`Deployment ${result.status}: ${result.error ?? 'no error recorded'}`);
  return result.outputs;
}
