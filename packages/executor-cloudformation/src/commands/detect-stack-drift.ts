import { cfn, type GlobalOptions } from '../options.js';

export interface DetectStackDriftOptions {
  stackName: string;
  global?: GlobalOptions;
}

/** `aws cloudformation detect-stack-drift`: starts a detection; its id is polled. */
export function buildDetectStackDriftArgs(o: DetectStackDriftOptions): string[] {
  return cfn('detect-stack-drift', ['--stack-name', o.stackName], o.global);
}

export interface DetectStackDriftOutput {
  StackDriftDetectionId: string;
}
