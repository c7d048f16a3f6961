import { cfn, type GlobalOptions } from '../options.js';

export interface DescribeStackResourceDriftsOptions {
  stackName: string;
  global?: GlobalOptions;
}

/** `aws cloudformation describe-stack-resource-drifts`: the per-resource result of the last detection. */
export function buildDescribeStackResourceDriftsArgs(o: DescribeStackResourceDriftsOptions): string[] {
  return cfn('describe-stack-resource-drifts', ['--stack-name', o.stackName], o.global);
}

export interface StackResourceDrift {
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceType: string;
  StackResourceDriftStatus: 'IN_SYNC' | 'MODIFIED' | 'DELETED' | 'NOT_CHECKED' | string;
  PropertyDifferences?: Array<{ PropertyPath: string; ExpectedValue?: string; ActualValue?: string; DifferenceType?: string }>;
}

export interface DescribeStackResourceDriftsOutput {
  StackResourceDrifts?: StackResourceDrift[];
}
