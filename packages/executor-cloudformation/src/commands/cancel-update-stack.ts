import { cfn, type GlobalOptions } from '../options.js';

export interface CancelUpdateStackOptions {
  stackName: string;
  global?: GlobalOptions;
}

/** `aws cloudformation cancel-update-stack`: only valid while an update runs; it rolls the update back. */
export function buildCancelUpdateStackArgs(o: CancelUpdateStackOptions): string[] {
  return cfn('cancel-update-stack', ['--stack-name', o.stackName], o.global);
}
