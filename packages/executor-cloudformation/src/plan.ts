import { ExecutorError, ValidationError, type PlanResult } from '@iac-orchestrator/core';
import type { CloudFormationArtifact } from './artifact.js';
import { abortReason, AwsCliError, runAws } from './cli.js';
import { buildCreateChangeSetArgs, type Capability, type ChangeSetType, type CreateChangeSetOutput } from './commands/create-change-set.js';
import { buildDescribeChangeSetArgs, type DescribeChangeSetOutput } from './commands/describe-change-set.js';
import { buildValidateTemplateArgs, type ValidateTemplateOutput } from './commands/validate-template.js';
import { buildGetTemplateSummaryArgs, type GetTemplateSummaryOutput } from './commands/get-template-summary.js';
import type { StackDescription } from './commands/describe-stacks.js';
import { TAG_PREFIX } from './defaults.js';
import { discardChangeSet, removeRolledBackStack, waitUntilStable } from './housekeeping.js';
import { lintTemplate } from './lint.js';
import { planParameters, storableParameters, writeParameterFile } from './parameters.js';
import { isNoChangeReason, summaryOfChangeSet } from './plan-summary.js';
import { addSecret, log, type Session } from './session.js';
import { describeStack, sleep } from './stack-api.js';
import { planStartFor } from './stack-status.js';
import { templateOf, writeTemplate } from './template.js';

/**
 * Plans a converge ('apply' / 'rollback'): validate-template → (cfn-lint) → create-change-set of type
 * CREATE or UPDATE → wait for it → describe-change-set as the summary. A change set without changes is
 * deleted and planned as a no-op. On failure or abort the change set is deleted and a typed error thrown.
 */
export async function planConverge(s: Session): Promise<PlanResult> {
  const { ctx } = s;
  const template = templateOf(ctx.bundle);
  const templatePath = writeTemplate(ctx.workDir, template);
  log(s, 'info', `Validating ${template.fileName} (validate-template)`);
  await validate(s, templatePath, template.fileName);
  if (s.options.cfnLint ?? s.config.cfnLint) await lintTemplate(s, templatePath, template.fileName);
  const declared = await runAws<GetTemplateSummaryOutput>(s.cli, buildGetTemplateSummaryArgs({ templatePath, global: s.global }), { signal: ctx.signal });

  const stack = await stackToPlanOn(s);
  const changeSetType: ChangeSetType = stack && planStartFor(stack.StackStatus).kind === 'update' ? 'UPDATE' : 'CREATE';
  const previousKeys = changeSetType === 'UPDATE' ? (stack?.Parameters ?? []).map((p) => p.ParameterKey) : [];
  const params = planParameters(declared.Parameters ?? [], ctx.variables, previousKeys);
  for (const v of params.secretValues) addSecret(s, v);
  const parametersPath = params.parameters.length > 0 ? writeParameterFile(ctx.workDir, params.parameters) : undefined;
  const stored = storableParameters(params.parameters, params.noEchoKeys);

  const capabilities = [...new Set([...s.config.capabilities, ...(s.options.capabilities ?? [])])];
  const needed = (declared.Capabilities ?? []).filter((c) => !capabilities.includes(c as Capability));
  if (needed.length > 0) {
    throw new ValidationError(
      `The template needs ${needed.join(', ')}${declared.CapabilitiesReason ? ` (${declared.CapabilitiesReason})` : ''}: grant it with options.executor.capabilities`,
      'options.executor.capabilities',
    );
  }

  log(s, 'info', `Creating change set ${s.changeSetName} (${changeSetType}) for stack ${s.stackName}`);
  const created = await createChangeSet(s, {
    changeSetType,
    templatePath,
    parametersPath,
    capabilities,
    tags: { ...s.config.tags, ...(s.options.tags ?? {}), [`${TAG_PREFIX}blueprint`]: ctx.stack.blueprintId, [`${TAG_PREFIX}environment`]: ctx.stack.environment },
  });
  const described = await waitForChangeSet(s, created.Id);
  const base = { formatVersion: 1 as const, stackName: s.stackName, stackId: created.StackId ?? stack?.StackId ?? null };

  if (described.Status === 'FAILED') {
    const noChanges = isNoChangeReason(described.StatusReason);
    await discardChangeSet(s, created.Id, changeSetType === 'CREATE' ? created.StackId : null, noChanges ? 'no changes' : 'it failed');
    if (noChanges) {
      log(s, 'info', `No changes: stack ${s.stackName} already matches the template and parameters`);
      const artifact: CloudFormationArtifact = { ...base, kind: 'no-changes', templateDigest: template.digest, templateFile: template.fileName, parameters: stored, noEchoKeys: params.noEchoKeys };
      return { summary: { add: 0, change: 0, destroy: 0, hasChanges: false, resources: [] }, artifact };
    }
    throw new ExecutorError(`Change set for stack ${s.stackName} failed: ${described.StatusReason ?? 'no reason given'}`);
  }
  const summary = summaryOfChangeSet(described.Changes ?? []);
  log(s, 'info', `Plan: ${summary.add} to add, ${summary.change} to change, ${summary.destroy} to destroy`);
  for (const r of summary.resources) log(s, 'info', `  ${r.action} ${r.id} (${r.type ?? 'unknown type'})${r.reason ? `: ${r.reason}` : ''}`, r.id);
  const artifact: CloudFormationArtifact = {
    ...base,
    kind: 'change-set',
    changeSetId: created.Id,
    changeSetName: s.changeSetName,
    changeSetType,
    templateDigest: template.digest,
    templateFile: template.fileName,
    parameters: stored,
    noEchoKeys: params.noEchoKeys,
  };
  return { summary, artifact };
}

async function validate(s: Session, templatePath: string, fileName: string): Promise<ValidateTemplateOutput> {
  try {
    return await runAws<ValidateTemplateOutput>(s.cli, buildValidateTemplateArgs({ templatePath, global: s.global }), { signal: s.ctx.signal });
  } catch (e) {
    if (e instanceof AwsCliError && e.awsCode === 'ValidationError') {
      throw new ValidationError(`Template ${fileName} is not valid: ${e.message}`, `files.${fileName}`);
    }
    throw e;
  }
}

/** The stack as planning finds it, after waiting out a running operation and removing a rolled-back first create. */
async function stackToPlanOn(s: Session): Promise<StackDescription | null> {
  let stack = await describeStack(s, s.stackName, s.ctx.signal);
  const start = planStartFor(stack?.StackStatus ?? null);
  if (start.kind === 'wait' && stack) {
    log(s, 'warn', `Stack ${s.stackName} is ${stack.StackStatus}; waiting for it to settle before planning`);
    stack = await waitUntilStable(s, stack.StackId);
    return stackToPlanOn(s);
  }
  if (start.kind === 'stuck') {
    throw new ExecutorError(
      `Stack ${s.stackName} is ${start.status}, which needs a manual fix (continue-update-rollback, or a delete) before it can be deployed`,
    );
  }
  if (start.kind === 'recreate' && stack) {
    await removeRolledBackStack(s, stack);
    return null;
  }
  return stack;
}

async function createChangeSet(
  s: Session,
  o: Pick<Parameters<typeof buildCreateChangeSetArgs>[0], 'changeSetType' | 'templatePath' | 'parametersPath' | 'capabilities' | 'tags'>,
): Promise<CreateChangeSetOutput> {
  const args = buildCreateChangeSetArgs({
    ...o,
    stackName: s.stackName,
    changeSetName: s.changeSetName,
    roleArn: s.options.roleArn,
    description: `iac-orchestrator deployment ${s.ctx.deploymentId}`,
    global: s.global,
  });
  try {
    return await runAws<CreateChangeSetOutput>(s.cli, args, { signal: s.ctx.signal });
  } catch (e) {
    // A plan retried for the same deployment finds its own earlier change set: replace it.
    if (e instanceof AwsCliError && e.awsCode === 'AlreadyExistsException') {
      await discardChangeSet(s, s.changeSetName, null, 'replaced by a new plan', s.stackName);
      return runAws<CreateChangeSetOutput>(s.cli, args, { signal: s.ctx.signal });
    }
    if (e instanceof AwsCliError && (e.awsCode === 'InsufficientCapabilitiesException' || e.awsCode === 'ValidationError')) {
      throw new ValidationError(`CloudFormation refused the change set: ${e.message}`, e.awsCode === 'InsufficientCapabilitiesException' ? 'options.executor.capabilities' : undefined);
    }
    throw e;
  }
}

/** Polls describe-change-set until it is created or failed; an abort deletes it. Returns every page of changes. */
async function waitForChangeSet(s: Session, changeSetId: string): Promise<DescribeChangeSetOutput> {
  for (;;) {
    if (s.ctx.signal.aborted) {
      await discardChangeSet(s, changeSetId, null, 'plan cancelled');
      throw abortReason(s.ctx.signal);
    }
    const first = await runAws<DescribeChangeSetOutput>(s.cli, buildDescribeChangeSetArgs({ changeSetName: changeSetId, global: s.global }));
    if (first.Status !== 'CREATE_PENDING' && first.Status !== 'CREATE_IN_PROGRESS') {
      const changes = [...(first.Changes ?? [])];
      for (let token = first.NextToken; token; ) {
        const next = await runAws<DescribeChangeSetOutput>(s.cli, buildDescribeChangeSetArgs({ changeSetName: changeSetId, nextToken: token, global: s.global }));
        changes.push(...(next.Changes ?? []));
        token = next.NextToken;
      }
      return { ...first, Changes: changes };
    }
    await sleep(s.config.pollIntervalMs, s.ctx.signal);
  }
}
