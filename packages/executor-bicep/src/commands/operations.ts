import { deploymentTarget, JSON_OUTPUT } from './flags.js';

/** `az deployment operation group list`: one operation per resource action, with its provisioning state. */
export function buildOperationListArgs(opts: { resourceGroup: string; deploymentName: string }): string[] {
  return ['deployment', 'operation', 'group', 'list', ...deploymentTarget(opts.resourceGroup, opts.deploymentName), ...JSON_OUTPUT];
}
