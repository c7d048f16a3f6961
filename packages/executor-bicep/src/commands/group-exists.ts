import { JSON_OUTPUT } from './flags.js';

/** `az group exists`: prints `true` or `false`. */
export function buildGroupExistsArgs(opts: { resourceGroup: string }): string[] {
  return ['group', 'exists', '--name', opts.resourceGroup, ...JSON_OUTPUT];
}
