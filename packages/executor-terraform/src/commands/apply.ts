import { TERRAFORM_DEFAULTS } from '../defaults.js';
import { boolFlag, nonInteractive, parallelismFlag } from '../options.js';

export interface ApplyOptions {
  /** The saved plan to execute (default `tfplan`). Applying a saved plan needs no `-auto-approve`. */
  planFile?: string;
  parallelism?: number;
  /** Machine-readable UI stream (default true). */
  json?: boolean;
}

/** `terraform apply <planfile>`: executes exactly the saved plan; never plans again. */
export function buildApplyArgs(opts: ApplyOptions = {}): string[] {
  return [
    'apply',
    ...nonInteractive(),
    ...boolFlag('json', opts.json ?? true),
    ...parallelismFlag(opts.parallelism),
    opts.planFile ?? TERRAFORM_DEFAULTS.planFile,
  ];
}
