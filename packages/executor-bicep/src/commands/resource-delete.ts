import { NO_OUTPUT } from './flags.js';

/** `az resource delete --ids`: deletes one resource by its full id (destroy goes one at a time, in order). */
export function buildResourceDeleteArgs(opts: { ids: string[] }): string[] {
  if (opts.ids.length === 0) throw new Error('buildResourceDeleteArgs needs at least one id');
  return ['resource', 'delete', '--ids', ...opts.ids, ...NO_OUTPUT];
}
