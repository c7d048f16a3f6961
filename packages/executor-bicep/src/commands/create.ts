import { deploymentTarget, JSON_OUTPUT, templateInputs } from './flags.js';

/** What validate, what-if and create take. */
export interface DeploymentInputs {
  resourceGroup: string;
  deploymentName: string;
  templateFile: string;
  parametersFile: string;
  mode: string;
}

/** `az deployment group create --no-wait`: starts the deployment and returns; progress is polled. */
export function buildCreateArgs(opts: DeploymentInputs): string[] {
  return ['deployment', 'group', 'create', ...deploymentTarget(opts.resourceGroup, opts.deploymentName), ...templateInputs(opts), '--no-wait', ...JSON_OUTPUT];
}
