import { cfn, type GlobalOptions } from '../options.js';

export interface DeleteChangeSetOptions {
  /** Name or ARN; with a name the stack name is needed too. */
  changeSetName: string;
  stackName?: string;
  global?: GlobalOptions;
}

/** `aws cloudformation delete-change-set`: a no-change plan, a cancel before apply, a cleanup. */
export function buildDeleteChangeSetArgs(o: DeleteChangeSetOptions): string[] {
  const flags = ['--change-set-name', o.changeSetName];
  if (o.stackName) flags.push('--stack-name', o.stackName);
  return cfn('delete-change-set', flags, o.global);
}
