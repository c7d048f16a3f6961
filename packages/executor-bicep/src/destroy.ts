import { TimeoutError, type ApplyResult, type ExecutorContext, type PlanResult, type Redactor } from '@iac-orchestrator/core';
import type { DestroyArtifact } from './artifact.js';
import { AzureCliError } from './az-errors.js';
import { buildResourceDeleteArgs } from './commands/resource-delete.js';
import type { DeploymentSettings } from './naming.js';
import type { ResolvedOptions } from './options.js';
import { withSession } from './session.js';
import { isBicepRawState, snapshotOf, type BicepRawState, type StackResource } from './state.js';

/** Azure codes meaning "already gone": a delete that finds nothing has done its job. */
const GONE = ['ResourceNotFound', 'ResourceGroupNotFound', 'NotFound', 'ParentResourceNotFound'];

/**
 * Deletion order: every resource before the ones it depends on (reverse of the deployment's dependency
 * graph), and a child (`.../vnet/v1/subnets/s1`) before its parent.
 */
export function deletionOrder(resources: StackResource[]): StackResource[] {
  const byId = new Map(resources.map((r) => [r.id.toLowerCase(), r]));
  const dependents = new Map<string, StackResource[]>();
  for (const r of resources) {
    const deps = new Set(r.dependsOn.map((d) => d.toLowerCase()));
    for (const other of resources) if (other !== r && r.id.toLowerCase().startsWith(`${other.id.toLowerCase()}/`)) deps.add(other.id.toLowerCase());
    for (const d of deps) if (byId.has(d)) dependents.set(d, [...(dependents.get(d) ?? []), r]);
  }
  const out: StackResource[] = [];
  const seen = new Set<string>();
  const visit = (r: StackResource) => {
    const key = r.id.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    for (const d of dependents.get(key) ?? []) visit(d); // dependents first
    out.push(r);
  };
  [...resources].sort((a, b) => b.id.length - a.id.length || a.id.localeCompare(b.id)).forEach(visit);
  return out;
}

/** Plans a destroy: every resource of the prior state, in deletion order. No cloud call needed. */
export function planDestroy(ctx: ExecutorContext, settings: DeploymentSettings): PlanResult {
  const prior = isBicepRawState(ctx.priorState) ? ctx.priorState : null;
  const order = deletionOrder(prior?.resources ?? []);
  const artifact: DestroyArtifact = {
    kind: 'bicep-destroy',
    version: 1,
    resourceGroup: prior?.resourceGroup ?? settings.resourceGroup,
    deploymentName: prior?.deploymentName ?? settings.deploymentName,
    resources: order.map((r) => ({ id: r.id, type: r.type, name: r.name })),
  };
  ctx.emit({ type: 'log', level: 'info', message: `Destroy: ${order.length} resource(s) to delete`, resource: null });
  return {
    summary: {
      add: 0,
      change: 0,
      destroy: order.length,
      hasChanges: order.length > 0,
      resources: order.map((r) => ({ id: r.id, type: r.type, action: 'delete' as const, reason: 'Delete' })),
    },
    artifact,
  };
}

/**
 * Deletes the planned resources one at a time with `az resource delete --ids`, in order. A resource
 * already gone counts as deleted; a failure is reported and the rest is still attempted. On abort it
 * stops before the next resource. What is left stays in the returned state.
 */
export async function applyDestroy(ctx: ExecutorContext, opts: ResolvedOptions, artifact: DestroyArtifact, redactor: Redactor): Promise<ApplyResult> {
  const prior: BicepRawState | null = isBicepRawState(ctx.priorState) ? ctx.priorState : null;
  const remaining = new Map((prior?.resources ?? []).map((r) => [r.id.toLowerCase(), { ...r }]));
  const failures: string[] = [];
  const state = () =>
    snapshotOf(
      {
        kind: 'azure-bicep',
        version: 1,
        subscriptionId: prior?.subscriptionId ?? null,
        resourceGroup: artifact.resourceGroup,
        deploymentName: artifact.deploymentName,
        mode: prior?.mode ?? opts.mode,
        templateDigest: prior?.templateDigest ?? null,
        deployment: prior?.deployment ?? null,
        resources: [...remaining.values()],
      },
      {},
    );
  try {
    await withSession(ctx, opts, redactor, async ({ az }) => {
      for (const r of artifact.resources) {
        if (ctx.signal.aborted) break;
        ctx.emit({ type: 'resource', id: r.id, resourceType: r.type, name: r.name, status: 'deleting' });
        try {
          await az.ok('az resource delete', buildResourceDeleteArgs({ ids: [r.id] }));
          ctx.emit({ type: 'log', level: 'info', message: `Deleted ${r.type} ${r.name}`, resource: r.id });
        } catch (e) {
          if (!(e instanceof AzureCliError && e.azureCode && GONE.includes(e.azureCode))) {
            failures.push(e instanceof Error ? e.message : String(e));
            const left = remaining.get(r.id.toLowerCase());
            if (left) left.status = 'failed';
            ctx.emit({ type: 'resource', id: r.id, resourceType: r.type, name: r.name, status: 'failed' });
            ctx.emit({ type: 'log', level: 'error', message: failures[failures.length - 1], resource: r.id });
            continue;
          }
          ctx.emit({ type: 'log', level: 'info', message: `${r.type} ${r.name} was already gone`, resource: r.id });
        }
        remaining.delete(r.id.toLowerCase());
        ctx.emit({ type: 'resource', id: r.id, resourceType: r.type, name: r.name, status: 'deleted' });
      }
    }, ctx.signal);
  } catch (e) {
    failures.push(redactor.redact(e instanceof Error ? e.message : String(e)));
  }
  if (ctx.signal.aborted && remaining.size > 0) {
    return { outcome: ctx.signal.reason instanceof TimeoutError ? 'timed_out' : 'cancelled', state: state(), error: `Destroy stopped with ${remaining.size} resource(s) left` };
  }
  if (failures.length) return { outcome: 'failed', state: state(), error: redactor.redact(`Destroy failed for ${failures.length} resource(s): ${failures.join('; ')}`) };
  return { outcome: 'succeeded', state: state() };
}
