import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MASK, stackKeyOf, ValidationError, type ExecutorContext, type StackRef } from '@iac-orchestrator/core';
import { parseBicepDiagnostics } from '../src/compile.js';
import { deletionOrder } from '../src/destroy.js';
import { conventionalResourceGroup, deploymentNameFor, settingsOf } from '../src/naming.js';
import { resolveOptions } from '../src/options.js';
import { buildParameters } from '../src/parameters.js';
import { statusOf } from '../src/progress.js';
import { parseResourceId } from '../src/resource-id.js';
import { outputsOf, scrubRecord, type StackResource } from '../src/state.js';
import { parseWhatIf } from '../src/what-if.js';
import { AZ_OUTPUT, FIXTURES } from './helpers/standin.js';

const template = JSON.parse(readFileSync(join(FIXTURES, 'web-app', 'main.json'), 'utf8'));

describe('naming', () => {
  it('deployment names are traceable to the deployment id and fit ARM limits', () => {
    expect(deploymentNameFor('7d7c6a4e-5b1d-4c2e-9f3a-0123456789ab', 'iac')).toBe('iac-7d7c6a4e-5b1d-4c2e-9f3a-0123456789ab');
    const long = deploymentNameFor('x'.repeat(100), 'iac');
    expect(long.length).toBe(64);
    expect(long).not.toBe(deploymentNameFor(`${'x'.repeat(99)}y`, 'iac'));
    expect(deploymentNameFor('a:b@c', 'iac')).toBe('iac-a-b-c');
  });
  it('resource group convention by blueprint and environment', () => {
    expect(conventionalResourceGroup('web-app', 'prod', 'rg')).toBe('rg-web-app-prod');
    expect(conventionalResourceGroup('org:app@1', 'dev', 'rg')).toBe('rg-org-app-1-dev');
  });
  it('gives every group target its own resource group, never the plain deployment’s, within ARM’s rule', () => {
    const plain: StackRef = { blueprintId: 'shop', environment: 'production', targetCloud: 'azure', format: 'bicep' };
    const eu: StackRef = { ...plain, target: 'eu', region: 'westeurope' };
    const us: StackRef = { ...plain, target: 'us', region: 'eastus' };
    const eu2: StackRef = { ...eu, region: 'northeurope' }; // a target named alike in another group
    const names = [plain, eu, us, eu2].map((s) => (s.target ? conventionalResourceGroup('shop', 'production', 'rg', { target: s.target, stackKey: stackKeyOf(s) }) : conventionalResourceGroup('shop', 'production', 'rg')));
    expect(names[0]).toBe('rg-shop-production'); // unchanged: no migration of existing deployments
    expect(names[1]).toMatch(/^rg-shop-production-eu-[0-9a-f]{8}$/);
    expect(new Set(names).size).toBe(4);
    const long = conventionalResourceGroup('b'.repeat(120), 'dev', 'rg', { target: 't'.repeat(63), stackKey: 'k' });
    expect(long.length).toBeLessThanOrEqual(90);
    expect(long).toMatch(/^[-\w._()]+[^.]$/);
  });
  it('a group target deploys into its own resource group in its own region', () => {
    const stack = { blueprintId: 'shop', environment: 'production', targetCloud: 'azure', format: 'bicep', target: 'eu', region: 'westeurope' };
    const ctx = { deploymentId: 'd1', stack, stackKey: stackKeyOf(stack), options: {} } as unknown as ExecutorContext;
    const s = settingsOf(ctx, resolveOptions({ location: 'eastus' }));
    expect(s.resourceGroup).toBe(conventionalResourceGroup('shop', 'production', 'rg', { target: 'eu', stackKey: stackKeyOf(stack) }));
    expect(s.location).toBe('westeurope'); // the target's region goes over the executor's default location
    expect(settingsOf({ ...ctx, options: { location: 'northeurope' } }, resolveOptions({})).location).toBe('northeurope');
    // One named resource group would hold every target of the group: refused, for the request and the executor.
    expect(() => settingsOf({ ...ctx, options: { resourceGroup: 'shared' } }, resolveOptions({}))).toThrow(/each target of a deployment group needs its own/);
    expect(() => settingsOf(ctx, resolveOptions({ resourceGroup: 'shared' }))).toThrow(ValidationError);
  });
  it('per-deployment options are validated', () => {
    const ctx = { deploymentId: 'd1', stack: { blueprintId: 'b', environment: 'e' }, options: {} } as unknown as ExecutorContext;
    const opts = resolveOptions({ location: 'westeurope' });
    expect(settingsOf(ctx, opts)).toMatchObject({ resourceGroup: 'rg-b-e', location: 'westeurope', createResourceGroup: false, mode: 'Incremental', deploymentName: 'iac-d1' });
    expect(settingsOf({ ...ctx, options: { resourceGroup: 'mine', mode: 'Complete', createResourceGroup: true } }, opts)).toMatchObject({ resourceGroup: 'mine', mode: 'Complete', createResourceGroup: true });
    for (const bad of [{ resourceGroup: 'a/b' }, { mode: 'Whatever' }, { createResourceGroup: 'yes' }, { nope: 1 }, { location: 'west europe' }]) {
      expect(() => settingsOf({ ...ctx, options: bad }, opts)).toThrow(ValidationError);
    }
  });
});

describe('parameters', () => {
  it('builds a deploymentParameters document and collects secure values', () => {
    const p = buildParameters(template, { storageName: 'st1', adminPassword: 'pw-123456' });
    expect(p.document).toEqual({
      $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#',
      contentVersion: '1.0.0.0',
      parameters: { storageName: { value: 'st1' }, adminPassword: { value: 'pw-123456' } },
    });
    expect(p.secrets).toEqual(['pw-123456']);
    expect(p.digest).toBe(buildParameters(template, { adminPassword: 'pw-123456', storageName: 'st1' }).digest);
    expect(p.digest).not.toBe(buildParameters(template, { storageName: 'st2', adminPassword: 'pw-123456' }).digest);
  });
  it('rejects unknown variables and missing required parameters', () => {
    expect(() => buildParameters(template, { storageName: 'a', adminPassword: 'b', extra: 1 })).toThrow('Variable "extra" is not a parameter of the template (parameters: location, storageName, adminPassword)');
    expect(() => buildParameters(template, { storageName: 'a' })).toThrow('Template parameter "adminPassword" has no value and no default');
  });
});

describe('what-if parsing', () => {
  it('reads the recorded az output', () => {
    const plan = parseWhatIf(JSON.parse(readFileSync(join(AZ_OUTPUT, 'what-if-drift.json'), 'utf8')));
    expect(plan.changes[1]).toMatchObject({ changeType: 'Modify', type: 'Microsoft.Storage/storageAccounts', name: 'stweb001', delta: [{ path: 'sku.name', propertyChangeType: 'Modify' }] });
  });
  it('an error in the result is a typed error', () => {
    expect(() => parseWhatIf({ status: 'Failed', error: { code: 'InvalidTemplate', message: 'bad' } })).toThrow('what-if failed: InvalidTemplate: bad');
  });
  it('parses child resource ids', () => {
    expect(parseResourceId('/subscriptions/s/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v1/subnets/s1')).toEqual({
      type: 'Microsoft.Network/virtualNetworks/subnets', name: 'v1/s1', resourceGroup: 'rg1',
    });
  });
});

describe('statuses, outputs, destroy order', () => {
  it('maps operations to the spec statuses using the plan to tell create from update', () => {
    expect(statusOf('Create', 'Running', 'Create')).toBe('creating');
    expect(statusOf('Create', 'Succeeded', undefined)).toBe('created');
    expect(statusOf('Create', 'Running', 'Modify')).toBe('updating');
    expect(statusOf('Create', 'Succeeded', 'NoChange')).toBe('updated');
    expect(statusOf('Delete', 'Running', 'Delete')).toBe('deleting');
    expect(statusOf('Delete', 'Succeeded', 'Delete')).toBe('deleted');
    expect(statusOf('Create', 'Failed', 'Create')).toBe('failed');
    expect(statusOf('Create', 'Canceled', 'Modify')).toBe('failed');
  });
  it('masks secure outputs (by reported or declared type) and registers any value', () => {
    const secrets: string[] = [];
    const record = { properties: { outputs: { a: { type: 'String', value: 'x' }, b: { type: 'SecureString', value: 'top-secret' }, c: { type: 'Object', value: { k: 'v-secret' } } } } };
    expect(outputsOf(record, { c: 'secureObject' }, (v) => secrets.push(v))).toEqual({ a: 'x', b: MASK, c: MASK });
    expect(secrets).toEqual(['top-secret', 'v-secret']);
    const scrubbed = scrubRecord({ properties: { ...record.properties, parameters: { p: { type: 'SecureString', value: 'pw-leak' }, q: { type: 'String', value: 'ok' } } } }, [], { c: 'secureObject' });
    expect(JSON.stringify(scrubbed)).not.toContain('top-secret');
    expect(JSON.stringify(scrubbed)).not.toContain('pw-leak');
    expect(JSON.stringify(scrubbed)).toContain('"ok"');
  });
  it('deletes dependents before their dependencies and children before parents', () => {
    const r = (id: string, dependsOn: string[] = []): StackResource => ({ id, type: 't', name: id, status: 'created', dependsOn, source: 'deployment' });
    const order = deletionOrder([r('/p/vnet'), r('/p/identity'), r('/p/storage', ['/p/identity']), r('/p/vnet/subnets/a'), r('/p/app', ['/p/storage', '/p/vnet/subnets/a'])]);
    const pos = (id: string) => order.findIndex((x) => x.id === id);
    expect(order).toHaveLength(5);
    expect(pos('/p/app')).toBeLessThan(pos('/p/storage'));
    expect(pos('/p/storage')).toBeLessThan(pos('/p/identity'));
    expect(pos('/p/app')).toBeLessThan(pos('/p/vnet/subnets/a'));
    expect(pos('/p/vnet/subnets/a')).toBeLessThan(pos('/p/vnet'));
  });
});

describe('bicep diagnostics', () => {
  it('parses the compiler format, with az\'s ERROR: prefix too', () => {
    const out = 'ERROR: /w/bundle/main.bicep(4,23) : Error BCP079: This expression is referencing its own declaration.\n/w/bundle/mod/a.bicep(1,1) : Warning no-unused-vars: Variable "x" is declared but never used. [https://aka.ms/bicep/linter/no-unused-vars]\nunrelated';
    expect(parseBicepDiagnostics(out, '/w/bundle')).toEqual([
      { file: 'main.bicep', line: 4, column: 23, level: 'error', code: 'BCP079', message: 'This expression is referencing its own declaration.' },
      { file: 'mod/a.bicep', line: 1, column: 1, level: 'warning', code: 'no-unused-vars', message: 'Variable "x" is declared but never used. [https://aka.ms/bicep/linter/no-unused-vars]' },
    ]);
  });
});
