import type { DriftReport } from '@iac-orchestrator/core';
import { abortReason, AwsCliError, runAws } from './cli.js';
import { buildDescribeStackDriftDetectionStatusArgs, type DescribeStackDriftDetectionStatusOutput } from './commands/describe-stack-drift-detection-status.js';
import { buildDescribeStackResourceDriftsArgs, type DescribeStackResourceDriftsOutput } from './commands/describe-stack-resource-drifts.js';
import { buildDetectStackDriftArgs, type DetectStackDriftOutput } from './commands/detect-stack-drift.js';
import { ExecutorError } from '@iac-orchestrator/core';
import { log, type Session } from './session.js';
import { describeStack, sleep } from './stack-api.js';

/** Error codes with which an endpoint says it does not have an API. */
const UNSUPPORTED_CODES = /^(NotImplemented|InvalidAction|UnknownOperation(Exception)?|UnsupportedOperation(Exception)?)$/;

/**
 * Whether a failed drift call means "this endpoint has no drift detection". An emulator answering with an
 * HTML 500 counts only when a custom endpoint is configured: on AWS itself a 500 is a real failure.
 */
export function isUnsupportedEndpoint(e: unknown, customEndpoint: boolean): boolean {
  if (!(e instanceof AwsCliError)) return false;
  if (e.awsCode && UNSUPPORTED_CODES.test(e.awsCode)) return true;
  if (/not (yet )?implemented/i.test(e.message)) return true;
  return customEndpoint && !e.awsCode && /Unable to parse response|Internal Server Error|invalid XML/i.test(e.message);
}

/** detect-stack-drift → poll its status → describe-stack-resource-drifts. */
export async function detectDrift(s: Session): Promise<DriftReport> {
  const checkedAt = () => new Date().toISOString();
  const stack = await describeStack(s, s.stackName, s.ctx.signal);
  if (!stack) {
    return { drifted: true, checkedAt: checkedAt(), resources: [{ id: s.stackName, type: 'AWS::CloudFormation::Stack', change: 'deleted', detail: 'the stack no longer exists' }] };
  }
  const endpoint = s.cli.env.AWS_ENDPOINT_URL;
  let detection: DetectStackDriftOutput;
  try {
    detection = await runAws<DetectStackDriftOutput>(s.cli, buildDetectStackDriftArgs({ stackName: stack.StackId, global: s.global }), { signal: s.ctx.signal });
  } catch (e) {
    if (isUnsupportedEndpoint(e, !!endpoint)) {
      const where = endpoint ? ` (${new URL(endpoint).host})` : '';
      const unsupported = `Drift detection (detect-stack-drift) is not supported by this endpoint${where}`;
      log(s, 'warn', unsupported);
      return { drifted: false, checkedAt: checkedAt(), resources: [], unsupported };
    }
    throw e;
  }
  let status: DescribeStackDriftDetectionStatusOutput;
  for (;;) {
    status = await runAws(s.cli, buildDescribeStackDriftDetectionStatusArgs({ detectionId: detection.StackDriftDetectionId, global: s.global }), { signal: s.ctx.signal });
    if (status.DetectionStatus !== 'DETECTION_IN_PROGRESS') break;
    if (s.ctx.signal.aborted) throw abortReason(s.ctx.signal);
    await sleep(s.config.pollIntervalMs, s.ctx.signal);
  }
  if (status.DetectionStatus === 'DETECTION_FAILED' && !status.DriftedStackResourceCount) {
    throw new ExecutorError(`Drift detection of stack ${s.stackName} failed: ${status.DetectionStatusReason ?? 'no reason given'}`);
  }
  const drifts = await runAws<DescribeStackResourceDriftsOutput>(s.cli, buildDescribeStackResourceDriftsArgs({ stackName: stack.StackId, global: s.global }), { signal: s.ctx.signal });
  const resources = (drifts.StackResourceDrifts ?? [])
    .filter((d) => d.StackResourceDriftStatus === 'MODIFIED' || d.StackResourceDriftStatus === 'DELETED')
    .map((d) => ({
      id: d.LogicalResourceId,
      type: d.ResourceType,
      change: d.StackResourceDriftStatus === 'DELETED' ? 'deleted' : 'modified',
      ...(d.PropertyDifferences?.length ? { detail: d.PropertyDifferences.map((p) => `${p.PropertyPath} ${p.DifferenceType ?? 'NOT_EQUAL'}`).join(', ') } : {}),
    }));
  if (status.DetectionStatus === 'DETECTION_FAILED') log(s, 'warn', `Drift detection was partial: ${status.DetectionStatusReason ?? ''}`);
  return { drifted: resources.length > 0 || status.StackDriftStatus === 'DRIFTED', checkedAt: checkedAt(), resources };
}
