import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { deployOnce, hasTerraform, loadFixture, testBed } from './helpers.js';

const ok = prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH');

describe.skipIf(!ok)('an apply that fails part-way (real terraform)', () => {
  let bed: Awaited<ReturnType<typeof testBed>>;
  beforeAll(async () => {
    bed = await testBed();
  });
  afterAll(() => bed?.dispose());

  it('returns exactly what was created, and the next deployment does not recreate it', async () => {
    const bundle = await loadFixture('partial-failure');
    const failing = await deployOnce(bed, { bundle, variables: { fail: true } });
    expect(failing.plan.summary.add).toBe(4);
    expect(failing.result.outcome).toBe('failed');
    expect(failing.result.error).toMatch(/^Terraform apply failed: local-exec provisioner error/);

    const state = failing.result.state!;
    const byId = Object.fromEntries(state.resources.map((r) => [r.id, r]));
    // created before the failure, and the one whose provisioner failed (tainted → failed); never the one after
    expect(Object.keys(byId).sort()).toEqual(['terraform_data.breaks', 'terraform_data.first', 'terraform_data.second']);
    expect(byId['terraform_data.first']!.status).toBe('created');
    expect(byId['terraform_data.second']!.status).toBe('created');
    expect(byId['terraform_data.breaks']!.status).toBe('failed');
    expect(failing.ctx.events).toContainEqual(expect.objectContaining({ type: 'resource', id: 'terraform_data.breaks', status: 'failed' }));
    expect(failing.ctx.events).not.toContainEqual(expect.objectContaining({ type: 'resource', id: 'terraform_data.never' }));

    // The fixed deployment starts from that partial state: first/second stay, only breaks is replaced.
    const fixed = await deployOnce(bed, { bundle, variables: { fail: false }, priorState: state.raw });
    const actions = Object.fromEntries(fixed.plan.summary.resources.map((r) => [r.id, r.action]));
    expect(actions).toEqual({ 'terraform_data.breaks': 'replace', 'terraform_data.never': 'create' });
    expect(fixed.result.outcome).toBe('succeeded');
    const after = Object.fromEntries(fixed.result.state!.resources.map((r) => [r.id, r.physicalId]));
    expect(after['terraform_data.first']).toBe(byId['terraform_data.first']!.physicalId);
    expect(after['terraform_data.second']).toBe(byId['terraform_data.second']!.physicalId);
    expect(Object.keys(after)).toHaveLength(4);
  });
});
