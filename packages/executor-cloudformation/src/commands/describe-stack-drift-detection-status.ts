import { cfn, type GlobalOptions } from '../options.js';

export interface DescribeStackDriftDetectionStatusOptions {
  detectionId: string;
  global?: GlobalOptions;
}

/** `aws cloudformation describe-stack-drift-detection-status`: polled until the detection ends. */
export function buildDescribeStackDriftDetectionStatusArgs(o: DescribeStackDriftDetectionStatusOptions): string[] {
  return cfn('describe-stack-drift-detection-status', ['--stack-drift-detection-id', o.detectionId], o.global);
}

export interface DescribeStackDriftDetectionStatusOutput {
  StackId?: string;
  StackDriftDetectionId: string;
  StackDriftStatus?: 'DRIFTED' | 'IN_SYNC' | 'UNKNOWN' | 'NOT_CHECKED' | string;
  DetectionStatus: 'DETECTION_IN_PROGRESS' | 'DETECTION_FAILED' | 'DETECTION_COMPLETE' | string;
  DetectionStatusReason?: string;
  DriftedStackResourceCount?: number;
}
