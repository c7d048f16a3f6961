/** `cfn-lint --format json <template>`: optional extra validation (`options.executor.cfnLint`). */
export function buildCfnLintArgs(o: { templatePath: string; regions?: string[] }): string[] {
  const args = ['--format', 'json'];
  if (o.regions && o.regions.length > 0) args.push('--regions', ...o.regions);
  // `--` ends the options: a template path can never be read as a flag.
  args.push('--', o.templatePath);
  return args;
}

export interface CfnLintFinding {
  Rule?: { Id?: string; Description?: string };
  Level?: 'Error' | 'Warning' | 'Informational' | string;
  Message?: string;
  Location?: { Start?: { LineNumber?: number }; Path?: unknown[] };
}

/** cfn-lint's exit code is a bit field: 2 = errors, 4 = warnings, 8 = informational; 1 = it failed. */
export const CFN_LINT_ERROR_BITS = 2 | 1;
