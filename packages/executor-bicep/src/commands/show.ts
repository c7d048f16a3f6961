import { deploymentTarget, JSON_OUTPUT } from './flags.js';

/** `az deployment group show`: the deployment record (state, outputs, output resources, error). */
export function buildShowArgs(opts: { resourceGroup: string; deploymentName: string }): string[] {
  return ['deployment', 'group', 'show', ...deploymentTarget(opts.resourceGroup, opts.deploymentName), ...JSON_OUTPUT];
}
