import { cfn, type GlobalOptions } from '../options.js';

export interface DescribeStacksOptions {
  /** Name or stack id (a deleted stack is found only by its id). */
  stackName: string;
  global?: GlobalOptions;
}

/** `aws cloudformation describe-stacks`: status, parameters, outputs. */
export function buildDescribeStacksArgs(o: DescribeStacksOptions): string[] {
  return cfn('describe-stacks', ['--stack-name', o.stackName], o.global);
}

export interface StackDescription {
  StackId: string;
  StackName: string;
  StackStatus: string;
  StackStatusReason?: string;
  CreationTime?: string;
  LastUpdatedTime?: string;
  Parameters?: Array<{ ParameterKey: string; ParameterValue?: string }>;
  Outputs?: Array<{ OutputKey: string; OutputValue?: string; Description?: string; ExportName?: string }>;
  Tags?: Array<{ Key: string; Value: string }>;
  Capabilities?: string[];
  [key: string]: unknown;
}

export interface DescribeStacksOutput {
  Stacks?: StackDescription[];
}
