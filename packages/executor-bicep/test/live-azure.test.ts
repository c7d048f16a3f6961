/**
 * LIVE test against real Azure: plan (what-if), apply, drift, destroy of a user-assigned identity in a
 * throw-away resource group, then deletion of that group. Runs only when AZURE_CLIENT_ID,
 * AZURE_CLIENT_SECRET, AZURE_TENANT_ID and AZURE_SUBSCRIPTION_ID are set (AZURE_LOCATION optional,
 * default westeurope) and `az` is installed; skipped with that reason otherwise.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBundle } from '@iac-orchestrator/core';
import { findCommand } from '../../../test-support/prerequisites.js';
import { BicepExecutor } from '../src/index.js';
import { makeContext } from './helpers/standin.js';

const NAMES = ['AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_TENANT_ID', 'AZURE_SUBSCRIPTION_ID'] as const;
const missing = NAMES.filter((n) => !process.env[n]);
const az = findCommand('az');
const reason = missing.length ? `${missing.join(', ')} not set` : !az ? '`az` is not installed' : null;
if (reason) console.warn(`[skipped] live Azure test: ${reason}`);

const creds = Object.fromEntries(NAMES.map((n) => [n, process.env[n] ?? ''])) as Record<string, string>;
const location = process.env.AZURE_LOCATION ?? 'westeurope';
const resourceGroup = `rg-iac-bicep-live-${randomUUID().slice(0, 8)}`;
const template = {
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  parameters: { location: { type: 'string', defaultValue: '[resourceGroup().location]' } },
  resources: [{ type: 'Microsoft.ManagedIdentity/userAssignedIdentities', apiVersion: '2018-11-30', name: 'id-live', location: "[parameters('location')]" }],
  outputs: { principalId: { type: 'string', value: "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id-live')).principalId]" } },
};

describe.skipIf(reason !== null)('live Azure', () => {
  afterAll(async () => {
    // Destroy removes the resources; the group itself is removed here (the executor never deletes groups).
    const dir = await mkdtemp(join(tmpdir(), 'az-live-cleanup-'));
    const env = { PATH: process.env.PATH ?? '', HOME: dir, AZURE_CONFIG_DIR: dir };
    await execa(az!, ['login', '--service-principal', '--username', creds.AZURE_CLIENT_ID, '--password', '@-', '--tenant', creds.AZURE_TENANT_ID, '--output', 'none'], { env, extendEnv: false, input: creds.AZURE_CLIENT_SECRET, reject: false });
    await execa(az!, ['group', 'delete', '--name', resourceGroup, '--subscription', creds.AZURE_SUBSCRIPTION_ID, '--yes', '--no-wait'], { env, extendEnv: false, reject: false });
    await rm(dir, { recursive: true, force: true });
  });

  it('what-if, apply, drift and destroy in a new resource group', async () => {
    const executor = new BicepExecutor({ location, createResourceGroup: true, resourceGroup, pollIntervalMs: 3_000 });
    const bundle = makeBundle({ 'main.json': JSON.stringify(template) });
    const ctx = await makeContext({ bundle, env: creds, variables: {} });
    try {
      const plan = await executor.plan(ctx);
      expect(plan.summary.add).toBe(1);
      const applied = await executor.apply(ctx, plan);
      expect(applied.error).toBeUndefined();
      expect(applied.outcome).toBe('succeeded');
      expect(applied.state!.resources.map((r) => r.name)).toEqual(['id-live']);
      const drift = await executor.detectDrift({ ...ctx, operation: 'drift', priorState: applied.state!.raw });
      expect(drift.drifted).toBe(false);
      const dctx = await makeContext({ bundle, env: creds, variables: {}, operation: 'destroy', priorState: applied.state!.raw });
      const destroyed = await executor.apply(dctx, await executor.plan(dctx));
      expect(destroyed.outcome).toBe('succeeded');
      await dctx.dispose();
    } finally {
      await ctx.dispose();
    }
  }, 900_000);
});
