import { TERRAFORM_DEFAULTS } from '../defaults.js';
import { boolFlag, flag, nonInteractive, parallelismFlag, varFiles } from '../options.js';

export interface PlanOptions {
  /** Where the saved plan goes (default `tfplan`); `apply` later executes exactly this file. */
  out?: string;
  /** Plan the removal of everything in the state. */
  destroy?: boolean;
  /** Only compare the state with the real world (drift detection); changes nothing when applied. */
  refreshOnly?: boolean;
  parallelism?: number;
  /** Variable files (JSON), in order. Values never go on the command line, where `ps` would show them. */
  varFiles?: readonly string[];
  /** Machine-readable UI stream (default true). */
  json?: boolean;
  /** Hold Terraform's own state lock while planning (default: Terraform's, i.e. on). */
  lock?: boolean;
}

/** `terraform plan -out=…`: the saved plan that is shown for approval and applied unchanged. */
export function buildPlanArgs(opts: PlanOptions = {}): string[] {
  if (opts.destroy && opts.refreshOnly) throw new RangeError('a plan cannot be both -destroy and -refresh-only');
  return [
    'plan',
    ...nonInteractive(),
    ...boolFlag('json', opts.json ?? true),
    ...flag('out', opts.out ?? TERRAFORM_DEFAULTS.planFile),
    ...boolFlag('destroy', opts.destroy),
    ...boolFlag('refresh-only', opts.refreshOnly),
    ...parallelismFlag(opts.parallelism),
    ...(opts.lock === false ? ['-lock=false'] : []),
    ...varFiles(opts.varFiles),
  ];
}
