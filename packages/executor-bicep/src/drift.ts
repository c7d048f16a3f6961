import { rm } from 'node:fs/promises';
import type { DriftReport, ExecutorContext, Redactor } from '@iac-orchestrator/core';
import { buildGroupExistsArgs } from './commands/group-exists.js';
import { buildWhatIfArgs } from './commands/what-if.js';
import { compileBundle } from './compile.js';
import type { DeploymentSettings } from './naming.js';
import type { ResolvedOptions } from './options.js';
import { buildParameters, isSecureType } from './parameters.js';
import { withSession } from './session.js';
import { isBicepRawState } from './state.js';
import { parseWhatIf } from './what-if.js';
import { layout, writePrivate } from './workspace.js';

/** Change types that mean the real world differs from the template. */
const DRIFTED = ['Create', 'Modify', 'Delete', 'Deploy'];

/** The parameters a drift check runs with: the request's, else the last deployment's non-secure ones. */
function driftVariables(ctx: ExecutorContext): Record<string, unknown> {
  if (Object.keys(ctx.variables).length) return ctx.variables;
  const prior = isBicepRawState(ctx.priorState) ? ctx.priorState : null;
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(prior?.deployment?.properties?.parameters ?? {})) {
    if (p && !isSecureType(p.type) && 'value' in p) out[name] = p.value;
  }
  return out;
}

/**
 * Drift = what-if of the stack's current template against the resource group: anything it would
 * create (deleted by hand), modify (changed by hand) or delete is drift. Incremental what-if does
 * not see resources added by hand (they show as Ignore).
 */
export async function detectDrift(ctx: ExecutorContext, opts: ResolvedOptions, settings: DeploymentSettings, redactor: Redactor): Promise<DriftReport> {
  const checkedAt = new Date().toISOString();
  const prior = isBicepRawState(ctx.priorState) ? ctx.priorState : null;
  const resourceGroup = prior?.resourceGroup ?? settings.resourceGroup;
  const compiled = await compileBundle(ctx, opts, redactor, settings.templateFile);
  const params = buildParameters(compiled.template, driftVariables(ctx));
  for (const s of params.secrets) {
    ctx.secret(s);
    redactor.add(s);
  }
  const files = layout(ctx.workDir);
  await writePrivate(files.templateFile, JSON.stringify(compiled.template));
  await writePrivate(files.parametersFile, JSON.stringify(params.document));
  try {
    return await withSession(ctx, opts, redactor, async ({ az }) => {
      const exists = await az.json<boolean>('az group exists', buildGroupExistsArgs({ resourceGroup }), { signal: ctx.signal });
      if (!exists) {
        return {
          drifted: (prior?.resources.length ?? 0) > 0,
          checkedAt,
          resources: (prior?.resources ?? []).map((r) => ({ id: r.id, type: r.type, change: 'Delete', detail: `resource group ${resourceGroup} no longer exists` })),
        };
      }
      const whatIf = parseWhatIf(
        await az.json(
          'az deployment group what-if',
          buildWhatIfArgs({
            resourceGroup,
            deploymentName: settings.deploymentName,
            templateFile: files.templateFile,
            parametersFile: files.parametersFile,
            mode: prior?.mode ?? settings.mode,
          }),
          { signal: ctx.signal },
        ),
      );
      const drifted = whatIf.changes.filter((c) => DRIFTED.includes(c.changeType));
      for (const c of drifted) ctx.emit({ type: 'log', level: 'warn', message: `Drift: ${c.changeType} ${c.type} ${c.name}`, resource: c.resourceId });
      return {
        drifted: drifted.length > 0,
        checkedAt,
        resources: drifted.map((c) => ({
          id: c.resourceId,
          type: c.type,
          change: c.changeType,
          ...(c.delta.length ? { detail: c.delta.map((d) => `${d.path}: ${d.propertyChangeType}`).join(', ') } : {}),
        })),
      };
    }, ctx.signal);
  } finally {
    await rm(files.parametersFile, { force: true });
  }
}
