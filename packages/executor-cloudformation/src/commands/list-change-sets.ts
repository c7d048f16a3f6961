import { cfn, type GlobalOptions } from '../options.js';

export interface ListChangeSetsOptions {
  stackName: string;
  global?: GlobalOptions;
}

/** `aws cloudformation list-change-sets`: whether an empty review stack still has change sets. */
export function buildListChangeSetsArgs(o: ListChangeSetsOptions): string[] {
  return cfn('list-change-sets', ['--stack-name', o.stackName], o.global);
}

export interface ListChangeSetsOutput {
  Summaries?: Array<{ ChangeSetId: string; ChangeSetName: string; StackId?: string; StackName?: string; ExecutionStatus?: string; Status?: string }>;
}
