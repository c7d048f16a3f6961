import { NO_OUTPUT } from './flags.js';

/** `az account set`: pins the subscription of every later call of this session. */
export function buildAccountSetArgs(opts: { subscriptionId: string }): string[] {
  return ['account', 'set', '--subscription', opts.subscriptionId, ...NO_OUTPUT];
}
