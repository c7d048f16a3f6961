import { cfn, fileUrl, type GlobalOptions } from '../options.js';

export interface ValidateTemplateOptions {
  /** Absolute path of the template written into the work dir. */
  templatePath: string;
  global?: GlobalOptions;
}

/** `aws cloudformation validate-template`: syntax and parameters, before any change set exists. */
export function buildValidateTemplateArgs(o: ValidateTemplateOptions): string[] {
  return cfn('validate-template', ['--template-body', fileUrl(o.templatePath)], o.global);
}

/** What the CLI prints (the fields the executor reads). */
export interface ValidateTemplateOutput {
  Parameters?: Array<{ ParameterKey: string; DefaultValue?: string; NoEcho?: boolean; Description?: string }>;
  Capabilities?: string[];
  CapabilitiesReason?: string;
  Description?: string;
}
