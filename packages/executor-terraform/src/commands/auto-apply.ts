import { boolFlag, nonInteractive, parallelismFlag, varFiles } from '../options.js';

export interface AutoApplyOptions {
  /** Plan the removal of everything in the state, then remove it. */
  destroy?: boolean;
  parallelism?: number;
  /** Variable files (JSON), in order. Values never go on the command line, where `ps` would show them. */
  varFiles?: readonly string[];
  /** Machine-readable UI stream (default true). */
  json?: boolean;
}

/**
 * `terraform apply -auto-approve`: plans and applies in one process, for a run that no person approves
 * (the plan is read from the stream's `planned_change` messages). Never used where an approval is due:
 * there the saved plan that was shown is applied ({@link buildApplyArgs}).
 */
export function buildAutoApplyArgs(opts: AutoApplyOptions = {}): string[] {
  return ['apply', ...nonInteractive(), ...boolFlag('json', opts.json ?? true), '-auto-approve', ...boolFlag('destroy', opts.destroy), ...parallelismFlag(opts.parallelism), ...varFiles(opts.varFiles)];
}
