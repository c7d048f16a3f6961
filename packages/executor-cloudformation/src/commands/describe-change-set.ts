import { cfn, type GlobalOptions } from '../options.js';

export interface DescribeChangeSetOptions {
  /** Name or ARN; with an ARN the stack name may be left out. */
  changeSetName: string;
  stackName?: string;
  nextToken?: string;
  global?: GlobalOptions;
}

/** `aws cloudformation describe-change-set`: status while it is created, then the plan's changes. */
export function buildDescribeChangeSetArgs(o: DescribeChangeSetOptions): string[] {
  const flags = ['--change-set-name', o.changeSetName];
  if (o.stackName) flags.push('--stack-name', o.stackName);
  if (o.nextToken) flags.push('--next-token', o.nextToken);
  return cfn('describe-change-set', flags, o.global);
}

export interface ResourceChange {
  Action?: 'Add' | 'Modify' | 'Remove' | 'Import' | 'Dynamic' | string;
  LogicalResourceId?: string;
  PhysicalResourceId?: string;
  ResourceType?: string;
  Replacement?: 'True' | 'False' | 'Conditional' | string;
  Scope?: string[];
  Details?: Array<{ Target?: { Attribute?: string; Name?: string; RequiresRecreation?: string }; ChangeSource?: string; Evaluation?: string }>;
}

export interface DescribeChangeSetOutput {
  ChangeSetId: string;
  ChangeSetName: string;
  StackId: string;
  StackName: string;
  Status: string;
  ExecutionStatus?: string;
  StatusReason?: string | null;
  Changes?: Array<{ Type?: string; ResourceChange?: ResourceChange }>;
  Parameters?: Array<{ ParameterKey: string; ParameterValue?: string }>;
  NextToken?: string;
}
