import { cfn, fileUrl, type GlobalOptions } from '../options.js';

export type ChangeSetType = 'CREATE' | 'UPDATE';
export type Capability = 'CAPABILITY_IAM' | 'CAPABILITY_NAMED_IAM' | 'CAPABILITY_AUTO_EXPAND';

export interface CreateChangeSetOptions {
  stackName: string;
  changeSetName: string;
  changeSetType: ChangeSetType;
  templatePath: string;
  /** JSON parameter file in the work dir (values never go into argv). */
  parametersPath?: string;
  capabilities?: Capability[];
  tags?: Record<string, string>;
  roleArn?: string;
  description?: string;
  global?: GlobalOptions;
}

/** `aws cloudformation create-change-set`: the saved plan. */
export function buildCreateChangeSetArgs(o: CreateChangeSetOptions): string[] {
  const flags = [
    '--stack-name', o.stackName,
    '--change-set-name', o.changeSetName,
    '--change-set-type', o.changeSetType,
    '--template-body', fileUrl(o.templatePath),
  ];
  if (o.parametersPath) flags.push('--parameters', fileUrl(o.parametersPath));
  if (o.capabilities && o.capabilities.length > 0) flags.push('--capabilities', ...o.capabilities);
  const tags = Object.entries(o.tags ?? {});
  // JSON, not the `Key=..,Value=..` shorthand: a comma or an equals sign in a value cannot break it.
  if (tags.length > 0) flags.push('--tags', JSON.stringify(tags.map(([Key, Value]) => ({ Key, Value }))));
  if (o.roleArn) flags.push('--role-arn', o.roleArn);
  if (o.description) flags.push('--description', o.description);
  return cfn('create-change-set', flags, o.global);
}

export interface CreateChangeSetOutput {
  Id: string;
  StackId: string;
}
