import { JSON_OUTPUT } from './flags.js';

/** `az group create`, tagged so a group the executor made is recognisable. */
export function buildGroupCreateArgs(opts: { resourceGroup: string; location: string; tags?: Record<string, string> }): string[] {
  const tags = Object.entries(opts.tags ?? {}).map(([k, v]) => `${k}=${v}`);
  return ['group', 'create', '--name', opts.resourceGroup, '--location', opts.location, ...(tags.length ? ['--tags', ...tags] : []), ...JSON_OUTPUT];
}
