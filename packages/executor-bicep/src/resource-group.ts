import { ExecutorError, ValidationError, type ExecutorContext } from '@iac-orchestrator/core';
import { buildGroupCreateArgs } from './commands/group-create.js';
import { buildGroupExistsArgs } from './commands/group-exists.js';
import type { CliRunner } from './runner.js';

/** Makes sure the target resource group exists: creates it when allowed, else fails clearly. */
export async function ensureResourceGroup(
  az: CliRunner,
  ctx: ExecutorContext,
  target: { resourceGroup: string; location: string | null | undefined; createResourceGroup: boolean },
  signal?: AbortSignal,
): Promise<'existed' | 'created'> {
  const exists = await az.json<boolean>('az group exists', buildGroupExistsArgs({ resourceGroup: target.resourceGroup }), { signal });
  if (exists === true) return 'existed';
  if (!target.createResourceGroup) {
    throw new ExecutorError(
      `Resource group "${target.resourceGroup}" does not exist; create it, or set createResourceGroup (and a location) in the executor options`,
      { toolCode: 'ResourceGroupNotFound' },
    );
  }
  if (!target.location) {
    throw new ValidationError(`A location is needed to create resource group "${target.resourceGroup}"`, 'options.executor.location');
  }
  await az.json('az group create', buildGroupCreateArgs({ resourceGroup: target.resourceGroup, location: target.location, tags: { 'managed-by': 'iac-orchestrator' } }), { signal });
  ctx.emit({ type: 'log', level: 'info', message: `Created resource group ${target.resourceGroup} in ${target.location}`, resource: null });
  return 'created';
}
