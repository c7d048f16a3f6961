import { deploymentTarget, JSON_OUTPUT, templateInputs } from './flags.js';
import type { DeploymentInputs } from './create.js';

/**
 * `az deployment group what-if --no-pretty-print`: the predicted changes as JSON (a
 * WhatIfOperationResult) instead of the coloured text. `FullResourcePayloads` so NoChange and Modify
 * (with property deltas) are told apart; `ResourceIdOnly` would only say Deploy.
 */
export function buildWhatIfArgs(opts: DeploymentInputs & { resultFormat?: 'FullResourcePayloads' | 'ResourceIdOnly' }): string[] {
  return [
    'deployment', 'group', 'what-if',
    ...deploymentTarget(opts.resourceGroup, opts.deploymentName),
    ...templateInputs(opts),
    '--result-format', opts.resultFormat ?? 'FullResourcePayloads',
    '--no-pretty-print',
    ...JSON_OUTPUT,
  ];
}
