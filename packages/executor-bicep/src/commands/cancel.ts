import { deploymentTarget, NO_OUTPUT } from './flags.js';

/** `az deployment group cancel`: asks ARM to stop a running deployment (it ends `Canceled`). */
export function buildCancelArgs(opts: { resourceGroup: string; deploymentName: string }): string[] {
  return ['deployment', 'group', 'cancel', ...deploymentTarget(opts.resourceGroup, opts.deploymentName), ...NO_OUTPUT];
}
