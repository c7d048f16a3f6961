import { cfn, type GlobalOptions } from '../options.js';

export interface DescribeStackEventsOptions {
  stackName: string;
  /** Newest events first; a page this size is read per poll. */
  maxItems?: number;
  startingToken?: string;
  global?: GlobalOptions;
}

export const EVENTS_PAGE_SIZE = 100;

/** `aws cloudformation describe-stack-events`: progress while the stack changes, newest first. */
export function buildDescribeStackEventsArgs(o: DescribeStackEventsOptions): string[] {
  const flags = ['--stack-name', o.stackName, '--max-items', String(o.maxItems ?? EVENTS_PAGE_SIZE)];
  if (o.startingToken) flags.push('--starting-token', o.startingToken);
  return cfn('describe-stack-events', flags, o.global);
}

export interface StackEvent {
  EventId: string;
  StackId?: string;
  StackName?: string;
  LogicalResourceId?: string;
  PhysicalResourceId?: string;
  ResourceType?: string;
  Timestamp?: string;
  ResourceStatus?: string;
  ResourceStatusReason?: string;
}

export interface DescribeStackEventsOutput {
  StackEvents?: StackEvent[];
  NextToken?: string;
}
