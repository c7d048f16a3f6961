import { ExecutorUnavailableError, ValidationError } from '@iac-orchestrator/core';
import { runRaw } from './cli.js';
import { buildCfnLintArgs, CFN_LINT_ERROR_BITS, type CfnLintFinding } from './commands/cfn-lint.js';
import { log, type Session } from './session.js';

/**
 * Optional extra validation with `cfn-lint` (deeper than `validate-template`: property types, allowed
 * values). Errors fail the plan with a ValidationError; warnings are logged.
 */
export async function lintTemplate(s: Session, templatePath: string, templateName: string): Promise<void> {
  const region = s.cli.env.AWS_DEFAULT_REGION;
  let out: { stdout: string; exitCode: number };
  try {
    out = await runRaw(s.cli, s.config.cfnLintBinary, buildCfnLintArgs({ templatePath, regions: region ? [region] : [] }), {
      signal: s.ctx.signal,
      allowExit: () => true,
    });
  } catch (e) {
    if (e instanceof ExecutorUnavailableError) throw new ExecutorUnavailableError(`cfnLint was asked for but ${s.config.cfnLintBinary} is not installed (pip install cfn-lint)`);
    throw e;
  }
  let findings: CfnLintFinding[] = [];
  try {
    findings = out.stdout.trim() ? (JSON.parse(out.stdout) as CfnLintFinding[]) : [];
  } catch {
    findings = [];
  }
  const line = (f: CfnLintFinding) => `${templateName}:${f.Location?.Start?.LineNumber ?? '?'} ${f.Rule?.Id ?? ''} ${f.Message ?? ''}`.trim();
  for (const f of findings) log(s, f.Level === 'Error' ? 'error' : 'warn', `cfn-lint: ${line(f)}`);
  const errors = findings.filter((f) => f.Level === 'Error');
  if (errors.length > 0 || (out.exitCode & CFN_LINT_ERROR_BITS) !== 0) {
    const first = errors[0] ? line(errors[0]) : `cfn-lint exited with code ${out.exitCode}`;
    throw new ValidationError(`cfn-lint found ${errors.length || 'some'} error(s) in the template: ${first}`, `files.${templateName}`);
  }
  log(s, 'info', `cfn-lint: ${findings.length === 0 ? 'no findings' : `${findings.length} warning(s)`}`);
}
