import { rm } from 'node:fs/promises';
import type { ExecutorContext, PlanResult, Redactor } from '@iac-orchestrator/core';
import type { DeployArtifact } from './artifact.js';
import { buildValidateArgs } from './commands/validate.js';
import { buildWhatIfArgs } from './commands/what-if.js';
import { compileBundle } from './compile.js';
import { digestOf } from './digest.js';
import type { DeploymentSettings } from './naming.js';
import type { ResolvedOptions } from './options.js';
import { buildParameters } from './parameters.js';
import { ensureResourceGroup } from './resource-group.js';
import { withSession } from './session.js';
import { describeCounts, parseWhatIf, planSummaryOf } from './what-if.js';
import { layout, writePrivate } from './workspace.js';

/**
 * Plans converging the stack to the bundle: compile, write the parameters file, sign in, make sure the
 * resource group exists, `validate`, then `what-if` (the plan shown for approval).
 */
export async function planDeploy(ctx: ExecutorContext, opts: ResolvedOptions, settings: DeploymentSettings, redactor: Redactor): Promise<PlanResult> {
  const compiled = await compileBundle(ctx, opts, redactor, settings.templateFile);
  ctx.emit({
    type: 'log',
    level: 'info',
    message: compiled.compiledWith === 'none' ? `Using ARM template ${compiled.entry}` : `Compiled ${compiled.entry} with ${compiled.compiledWith}`,
    resource: null,
  });
  const params = buildParameters(compiled.template, ctx.variables);
  for (const s of params.secrets) {
    ctx.secret(s);
    redactor.add(s);
  }
  const files = layout(ctx.workDir);
  await writePrivate(files.templateFile, JSON.stringify(compiled.template));
  await writePrivate(files.parametersFile, JSON.stringify(params.document));
  const inputs = {
    resourceGroup: settings.resourceGroup,
    deploymentName: settings.deploymentName,
    templateFile: files.templateFile,
    parametersFile: files.parametersFile,
    mode: settings.mode,
  };
  try {
    return await withSession(
      ctx,
      opts,
      redactor,
      async ({ az, subscriptionId }) => {
        await ensureResourceGroup(az, ctx, settings, ctx.signal);
        await az.json('az deployment group validate', buildValidateArgs(inputs), { signal: ctx.signal });
        ctx.emit({ type: 'log', level: 'info', message: `Template validated against resource group ${settings.resourceGroup}`, resource: null });
        const whatIf = parseWhatIf(await az.json('az deployment group what-if', buildWhatIfArgs(inputs), { signal: ctx.signal }));
        ctx.emit({ type: 'log', level: 'info', message: `What-if (${settings.mode}): ${describeCounts(whatIf.counts)}`, resource: null });
        for (const c of whatIf.changes) {
          const delta = c.delta.length ? `: ${c.delta.map((d) => `${d.path} ${d.propertyChangeType}`).join(', ')}` : '';
          ctx.emit({ type: 'log', level: 'info', message: `${c.changeType} ${c.type} ${c.name}${delta}`, resource: c.resourceId });
        }
        const artifact: DeployArtifact = {
          kind: 'bicep-deploy',
          version: 1,
          deploymentName: settings.deploymentName,
          resourceGroup: settings.resourceGroup,
          subscriptionId,
          location: settings.location ?? null,
          createResourceGroup: settings.createResourceGroup,
          mode: settings.mode,
          entry: compiled.entry,
          compiledWith: compiled.compiledWith,
          bundleDigest: ctx.bundle.digest,
          template: compiled.template,
          templateDigest: digestOf(compiled.template),
          parametersDigest: params.digest,
          changes: whatIf.changes.map((c) => ({ resourceId: c.resourceId, changeType: c.changeType })),
          counts: whatIf.counts,
        };
        return { summary: planSummaryOf(whatIf), artifact };
      },
      ctx.signal,
    );
  } finally {
    await rm(files.parametersFile, { force: true });
  }
}
