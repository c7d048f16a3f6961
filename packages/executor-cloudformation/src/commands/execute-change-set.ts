import { cfn, type GlobalOptions } from '../options.js';

export interface ExecuteChangeSetOptions {
  /** The change set's ARN, from the plan artifact: exactly that change set runs, never a newer one. */
  changeSetId: string;
  global?: GlobalOptions;
}

/** `aws cloudformation execute-change-set`: the apply. */
export function buildExecuteChangeSetArgs(o: ExecuteChangeSetOptions): string[] {
  return cfn('execute-change-set', ['--change-set-name', o.changeSetId], o.global);
}
