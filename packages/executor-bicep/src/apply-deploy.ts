import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { TimeoutError, isOrchestratorError, type ApplyResult, type ExecutorContext, type Redactor } from '@iac-orchestrator/core';
import { verifyDeployArtifact, type DeployArtifact } from './artifact.js';
import { describeArmError, TERMINAL_STATES, type DeploymentOperation, type DeploymentRecord } from './arm-types.js';
import { buildCancelArgs } from './commands/cancel.js';
import { buildCreateArgs } from './commands/create.js';
import { buildOperationListArgs } from './commands/operations.js';
import { buildShowArgs } from './commands/show.js';
import type { ResolvedOptions } from './options.js';
import { buildParameters, isSecureType, templateParameters } from './parameters.js';
import { OperationTracker } from './progress.js';
import { ensureResourceGroup } from './resource-group.js';
import type { CliRunner } from './runner.js';
import { openSession, type AzSession } from './session.js';
import { isBicepRawState, outputsOf, scrubRecord, snapshotOf, stackResources, templateOutputTypes, type BicepRawState } from './state.js';
import { layout, writePrivate } from './workspace.js';

/** Consecutive failed reads of a running deployment tolerated before the apply gives up on it. */
const MAX_READ_FAILURES = 5;

/** Sleeps `ms` unless the signal fires first. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await sleep(ms, undefined, { signal }).catch(() => undefined);
}

/** What an apply read last from ARM. */
interface Observed {
  record: DeploymentRecord | null;
  operations: DeploymentOperation[];
}

/**
 * Applies a saved deploy plan: re-creates the template and parameters files (the work dir may be empty
 * in another process), checks they are what was planned, `create --no-wait`, then polls the deployment
 * and its operations until ARM settles it. On abort: `az deployment group cancel`, keep polling for at
 * most `cancelGraceMs`, then return whatever ARM reports. Never throws.
 */
export async function applyDeploy(ctx: ExecutorContext, opts: ResolvedOptions, artifact: DeployArtifact, redactor: Redactor): Promise<ApplyResult> {
  const files = layout(ctx.workDir);
  const prior = isBicepRawState(ctx.priorState) ? ctx.priorState : null;
  const tracker = new OperationTracker(artifact.changes, (e) => ctx.emit(e));
  const observed: Observed = { record: null, operations: [] };
  const secureParams = Object.entries(templateParameters(artifact.template)).filter(([, d]) => isSecureType(d.type)).map(([n]) => n);
  const target = { resourceGroup: artifact.resourceGroup, deploymentName: artifact.deploymentName };
  let session: AzSession | null = null;
  let submitted = false;

  const snapshot = () => {
    const raw: BicepRawState = {
      kind: 'azure-bicep',
      version: 1,
      subscriptionId: artifact.subscriptionId,
      resourceGroup: artifact.resourceGroup,
      deploymentName: artifact.deploymentName,
      mode: artifact.mode,
      templateDigest: artifact.templateDigest,
      // Secure values masked by type, then any credential or secure value echoed elsewhere in the record.
      deployment: redactor.redactValue(scrubRecord(observed.record, secureParams, templateOutputTypes(artifact.template))),
      resources: stackResources({ record: observed.record, operations: observed.operations, tracked: tracker.resources, prior, mode: artifact.mode }),
    };
    return snapshotOf(raw, outputsOf(observed.record, templateOutputTypes(artifact.template), (v) => ctx.secret(v)));
  };
  const aborted = (): ApplyResult['outcome'] => (ctx.signal.reason instanceof TimeoutError ? 'timed_out' : 'cancelled');
  const message = (e: unknown) => redactor.redact(e instanceof Error ? e.message : String(e));

  try {
    const params = buildParameters(artifact.template, ctx.variables);
    for (const s of params.secrets) {
      ctx.secret(s);
      redactor.add(s);
    }
    verifyDeployArtifact(artifact, ctx, params.digest);
    await writePrivate(files.templateFile, JSON.stringify(artifact.template));
    await writePrivate(files.parametersFile, JSON.stringify(params.document));
    session = await openSession(ctx, opts, redactor, ctx.signal);
    const az = session.az;
    await ensureResourceGroup(az, ctx, artifact, ctx.signal);
    if (ctx.signal.aborted) return { outcome: aborted(), state: null, error: 'Stopped before the deployment was submitted' };
    ctx.emit({ type: 'log', level: 'info', message: `Starting deployment ${artifact.deploymentName} in resource group ${artifact.resourceGroup}`, resource: null });
    submitted = true;
    // No signal here: once submitted, the deployment is ARM's and is stopped with `cancel`, not a kill.
    await az.ok('az deployment group create', buildCreateArgs({ ...target, templateFile: files.templateFile, parametersFile: files.parametersFile, mode: artifact.mode }));
    await rm(files.parametersFile, { force: true });

    const state = await follow(az, ctx, opts, target, tracker, observed);
    const snap = snapshot();
    if (state === 'Succeeded') {
      ctx.emit({ type: 'log', level: 'info', message: `Deployment ${artifact.deploymentName} succeeded`, resource: null });
      return { outcome: 'succeeded', state: snap };
    }
    if (state === 'Failed') {
      const error = redactor.redact(`Bicep deployment failed: ${describeArmError(observed.record?.properties?.error)}`);
      ctx.emit({ type: 'log', level: 'error', message: error, resource: null });
      return { outcome: 'failed', state: snap, error };
    }
    if (ctx.signal.aborted) {
      const still = state === 'Canceled' ? '' : ` (ARM still reports ${state}; it may finish on its own)`;
      return { outcome: aborted(), state: snap, error: `Deployment ${state === 'Canceled' ? 'canceled' : 'cancel requested'}${still}` };
    }
    return { outcome: 'failed', state: snap, error: `Deployment ended ${state} (canceled outside the orchestrator)` };
  } catch (e) {
    if (isOrchestratorError(e) && (e.code === 'CANCELLED' || e.code === 'TIMEOUT') && !submitted) {
      return { outcome: aborted(), state: null, error: message(e) };
    }
    const error = message(e);
    ctx.emit({ type: 'log', level: 'error', message: error, resource: null });
    // After submission, read what ARM has so nothing created is forgotten.
    if (submitted && session) await readOnce(session.az, target, tracker, observed).catch(() => undefined);
    return { outcome: ctx.signal.aborted ? aborted() : 'failed', state: submitted ? snapshot() : null, error };
  } finally {
    await rm(files.parametersFile, { force: true });
    await session?.close();
  }
}

async function readOnce(az: CliRunner, target: { resourceGroup: string; deploymentName: string }, tracker: OperationTracker, observed: Observed): Promise<string> {
  observed.record = await az.json<DeploymentRecord>('az deployment group show', buildShowArgs(target));
  observed.operations = (await az.json<DeploymentOperation[]>('az deployment operation group list', buildOperationListArgs(target))) ?? [];
  tracker.update(observed.operations);
  return observed.record?.properties?.provisioningState ?? 'Unknown';
}

/** Polls until ARM settles the deployment; on abort, cancels it once and waits at most the grace. */
async function follow(
  az: CliRunner,
  ctx: ExecutorContext,
  opts: ResolvedOptions,
  target: { resourceGroup: string; deploymentName: string },
  tracker: OperationTracker,
  observed: Observed,
): Promise<string> {
  let cancelDeadline: number | null = null;
  let lastState = '';
  let readFailures = 0;
  for (;;) {
    if (ctx.signal.aborted && cancelDeadline === null) {
      cancelDeadline = Date.now() + opts.cancelGraceMs;
      ctx.emit({ type: 'log', level: 'warn', message: `Cancelling deployment ${target.deploymentName}`, resource: null });
      try {
        await az.ok('az deployment group cancel', buildCancelArgs(target));
      } catch (e) {
        // e.g. DeploymentCannotBeCancelled: it already finished; the next read says how.
        ctx.emit({ type: 'log', level: 'warn', message: e instanceof Error ? e.message : String(e), resource: null });
      }
    }
    let state: string;
    try {
      state = await readOnce(az, target, tracker, observed);
      readFailures = 0;
    } catch (e) {
      // A passing network or throttling error must not abandon a deployment ARM is still running.
      if (++readFailures > MAX_READ_FAILURES) throw e;
      ctx.emit({ type: 'log', level: 'warn', message: `Reading the deployment failed (${readFailures}/${MAX_READ_FAILURES}), retrying: ${e instanceof Error ? e.message : String(e)}`, resource: null });
      await sleep(opts.pollIntervalMs);
      continue;
    }
    if (state !== lastState) {
      ctx.emit({ type: 'log', level: 'info', message: `Deployment ${target.deploymentName}: ${state}`, resource: null });
      lastState = state;
    }
    if (TERMINAL_STATES.includes(state)) return state;
    if (cancelDeadline !== null && Date.now() >= cancelDeadline) return state;
    // While cancelling the signal has already fired: wait plainly, not in a tight loop.
    if (cancelDeadline !== null) await sleep(opts.pollIntervalMs);
    else await pause(opts.pollIntervalMs, ctx.signal);
  }
}
