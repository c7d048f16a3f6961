/** Flags every `az` call carries: machine-readable output, no warnings mixed into it. */
export const JSON_OUTPUT = ['--output', 'json', '--only-show-errors'] as const;

/** For calls whose output is not read (login, account set). */
export const NO_OUTPUT = ['--output', 'none', '--only-show-errors'] as const;

/** `--resource-group` and `--name` of a resource-group deployment. */
export function deploymentTarget(resourceGroup: string, deploymentName: string): string[] {
  return ['--resource-group', resourceGroup, '--name', deploymentName];
}

/** Template, parameters and mode, shared by validate, what-if and create. The parameters file goes
 * as `@path`: az reads it itself, so no value ever appears in the process list. */
export function templateInputs(opts: { templateFile: string; parametersFile: string; mode: string }): string[] {
  return ['--template-file', opts.templateFile, '--parameters', `@${opts.parametersFile}`, '--mode', opts.mode];
}
