import type { ExecutorContext, Redactor, StateSnapshot } from '@iac-orchestrator/core';
import type { DeploymentOperation, DeploymentRecord } from './arm-types.js';
import { AzureCliError } from './az-errors.js';
import { buildOperationListArgs } from './commands/operations.js';
import { buildShowArgs } from './commands/show.js';
import type { DeploymentSettings } from './naming.js';
import type { ResolvedOptions } from './options.js';
import { OperationTracker } from './progress.js';
import { withSession } from './session.js';
import { isBicepRawState, outputsOf, scrubRecord, snapshotOf, stackResources, type BicepRawState } from './state.js';

/**
 * State of a deployment whose process died mid-apply. The ARM deployment name is derived from the
 * deployment id, so it is found again without the lost work dir. Null when ARM never got it.
 */
export async function recoverState(ctx: ExecutorContext, opts: ResolvedOptions, settings: DeploymentSettings, redactor: Redactor): Promise<StateSnapshot | null> {
  const prior = isBicepRawState(ctx.priorState) ? ctx.priorState : null;
  const target = { resourceGroup: settings.resourceGroup, deploymentName: settings.deploymentName };
  return withSession(ctx, opts, redactor, async ({ az, subscriptionId }) => {
    let record: DeploymentRecord;
    try {
      record = await az.json<DeploymentRecord>('az deployment group show', buildShowArgs(target));
    } catch (e) {
      if (e instanceof AzureCliError && (e.azureCode === 'DeploymentNotFound' || e.azureCode === 'ResourceGroupNotFound')) return null;
      throw e;
    }
    const operations = (await az.json<DeploymentOperation[]>('az deployment operation group list', buildOperationListArgs(target))) ?? [];
    const tracker = new OperationTracker([], () => undefined);
    tracker.update(operations);
    const mode = record?.properties?.mode ?? settings.mode;
    const secure = Object.entries(record?.properties?.parameters ?? {}).filter(([, p]) => /^secure/i.test(p?.type ?? '')).map(([n]) => n);
    const raw: BicepRawState = {
      kind: 'azure-bicep',
      version: 1,
      subscriptionId,
      resourceGroup: settings.resourceGroup,
      deploymentName: settings.deploymentName,
      mode,
      templateDigest: null,
      deployment: scrubRecord(record, secure, {}),
      resources: stackResources({ record, operations, tracked: tracker.resources, prior, mode }),
    };
    return snapshotOf(raw, outputsOf(record, {}, (v) => ctx.secret(v)));
  });
}
