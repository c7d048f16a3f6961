import { cfn, type GlobalOptions } from '../options.js';

export interface ListStackResourcesOptions {
  stackName: string;
  global?: GlobalOptions;
}

/** `aws cloudformation list-stack-resources`: every resource with its physical id and status. */
export function buildListStackResourcesArgs(o: ListStackResourcesOptions): string[] {
  return cfn('list-stack-resources', ['--stack-name', o.stackName], o.global);
}

export interface StackResourceSummary {
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceType: string;
  ResourceStatus: string;
  ResourceStatusReason?: string;
  LastUpdatedTimestamp?: string;
  DriftInformation?: { StackResourceDriftStatus?: string };
}

export interface ListStackResourcesOutput {
  StackResourceSummaries?: StackResourceSummary[];
}
