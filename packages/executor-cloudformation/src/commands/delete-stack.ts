import { cfn, type GlobalOptions } from '../options.js';

export interface DeleteStackOptions {
  /** Stack id preferred: a name could by then mean a newer stack of the same name. */
  stackName: string;
  roleArn?: string;
  global?: GlobalOptions;
}

/** `aws cloudformation delete-stack`: destroy, and the removal of a first create that rolled back. */
export function buildDeleteStackArgs(o: DeleteStackOptions): string[] {
  const flags = ['--stack-name', o.stackName];
  if (o.roleArn) flags.push('--role-arn', o.roleArn);
  return cfn('delete-stack', flags, o.global);
}
