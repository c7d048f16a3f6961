import { ExecutorError, ValidationError, type ExecutorContext } from '@iac-orchestrator/core';
import { digestOf } from './digest.js';
import type { DeploymentMode } from './options.js';
import type { ChangeType } from './what-if.js';

/**
 * The saved plan of a deployment. ARM has no plan file: what-if only predicts. So the artifact is
 * what the prediction was made from (the compiled template, a digest of the parameters) and apply
 * deploys exactly that template, refusing when the bundle or parameters differ from what was shown.
 */
export interface DeployArtifact {
  kind: 'bicep-deploy';
  version: 1;
  deploymentName: string;
  resourceGroup: string;
  subscriptionId: string | null;
  location: string | null;
  createResourceGroup: boolean;
  mode: DeploymentMode;
  entry: string;
  compiledWith: string;
  bundleDigest: string;
  template: Record<string, unknown>;
  templateDigest: string;
  /** Digest of the parameters file (values are not stored: secure ones must not be). */
  parametersDigest: string;
  /** What-if's prediction per resource: tells `updating` from `creating` while applying. */
  changes: Array<{ resourceId: string; changeType: ChangeType }>;
  counts: Record<ChangeType, number>;
}

/** The saved plan of a destroy: the resources to delete, in order. */
export interface DestroyArtifact {
  kind: 'bicep-destroy';
  version: 1;
  resourceGroup: string;
  deploymentName: string;
  /** Deletion order: dependents before what they depend on. */
  resources: Array<{ id: string; type: string; name: string }>;
}

export type BicepArtifact = DeployArtifact | DestroyArtifact;

export function asArtifact(v: unknown): BicepArtifact {
  const a = v as Partial<BicepArtifact> | null;
  if (!a || typeof a !== 'object' || a.version !== 1 || (a.kind !== 'bicep-deploy' && a.kind !== 'bicep-destroy')) {
    throw new ValidationError('The saved plan is not a Bicep executor plan (or from an incompatible version)', 'plan');
  }
  return a as BicepArtifact;
}

/** Refuses to apply when what would be deployed is not what the plan showed. */
export function verifyDeployArtifact(a: DeployArtifact, ctx: ExecutorContext, parametersDigest: string): void {
  if (digestOf(a.template) !== a.templateDigest) throw new ExecutorError('The saved plan is corrupt: its template does not match its digest');
  if (a.bundleDigest !== ctx.bundle.digest) {
    throw new ExecutorError(`The code changed since the plan was shown (plan: ${a.bundleDigest}, now: ${ctx.bundle.digest}); plan again`);
  }
  if (a.parametersDigest !== parametersDigest) {
    throw new ExecutorError('The parameters changed since the plan was shown; plan again');
  }
}
