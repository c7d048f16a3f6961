import { cfn, fileUrl, type GlobalOptions } from '../options.js';

export interface GetTemplateSummaryOptions {
  templatePath: string;
  global?: GlobalOptions;
}

/**
 * `aws cloudformation get-template-summary`: the template's parameter declarations (default, NoEcho) and
 * the capabilities it needs. validate-template also lists parameters on AWS, but emulators (moto) leave
 * that list empty, while both fill this one.
 */
export function buildGetTemplateSummaryArgs(o: GetTemplateSummaryOptions): string[] {
  return cfn('get-template-summary', ['--template-body', fileUrl(o.templatePath)], o.global);
}

export interface TemplateSummaryParameter {
  ParameterKey: string;
  DefaultValue?: string;
  ParameterType?: string;
  NoEcho?: boolean;
  Description?: string;
}

export interface GetTemplateSummaryOutput {
  Parameters?: TemplateSummaryParameter[];
  Capabilities?: string[];
  CapabilitiesReason?: string;
  ResourceTypes?: string[];
  Description?: string;
}
