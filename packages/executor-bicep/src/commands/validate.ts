import { deploymentTarget, JSON_OUTPUT, templateInputs } from './flags.js';
import type { DeploymentInputs } from './create.js';

/** `az deployment group validate`: ARM's preflight of the template and parameters. */
export function buildValidateArgs(opts: DeploymentInputs): string[] {
  return ['deployment', 'group', 'validate', ...deploymentTarget(opts.resourceGroup, opts.deploymentName), ...templateInputs(opts), ...JSON_OUTPUT];
}
