import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { ValidationError } from '@iac-orchestrator/core';
import { deployOnce, hasTerraform, loadFixture, makeContext, testBed } from './helpers.js';

const ok = prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH');

// Without a sandbox (the `none` level): inside bubblewrap a backend outside the run's dir cannot be
// written at all, which test/sandbox-isolation.test.ts proves.
describe.skipIf(!ok)('a bundle with its own backend (real terraform, local backend outside the work dir, no sandbox)', () => {
  let bed: Awaited<ReturnType<typeof testBed>>;
  beforeAll(async () => {
    bed = await testBed({ sandbox: 'none' });
  });
  afterAll(() => bed?.dispose());

  it('runs against that backend; state versions are snapshots from `state pull`', async () => {
    const statePath = join(bed.root, 'shared-backend.tfstate');
    const bundle = await loadFixture('backend', { __STATE_PATH__: statePath });

    const first = await deployOnce(bed, { bundle, variables: { label: 'v1' } });
    expect(first.result.outcome).toBe('succeeded');
    expect(first.result.state?.outputs.label).toBe('v1');
    // the state is in the backend, and the snapshot is what the backend holds
    const backendState = JSON.parse(await readFile(statePath, 'utf8'));
    expect((first.result.state!.raw as { lineage: string }).lineage).toBe(backendState.lineage);
    expect((first.result.state!.raw as { serial: number }).serial).toBe(backendState.serial);

    // Next deployment: no prior state handed in, the backend has it → nothing recreated.
    const second = await deployOnce(bed, { bundle, variables: { label: 'v2' }, priorState: first.result.state!.raw });
    expect(second.plan.summary).toMatchObject({ add: 0, change: 1, destroy: 0 });
    expect(second.result.state?.outputs.label).toBe('v2');
    const kept = (s: typeof second.result.state) => s!.resources.find((r) => r.id === 'terraform_data.kept')!.physicalId;
    expect(kept(second.result.state)).toBe(kept(first.result.state));
    expect(existsSync(second.ctx.workDir)).toBe(false);
  });

  it('is refused for a deployment group target before anything runs: one backend would hold every target\'s state', async () => {
    const statePath = join(bed.root, 'group-backend.tfstate');
    const bundle = await loadFixture('backend', { __STATE_PATH__: statePath });
    const ctx = makeContext({ bundle, workDir: await bed.workDir(), variables: { label: 'v1' }, stack: { target: 'eu', region: 'eu-west-1' } });
    const err = await bed.executor.plan(ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toMatch(/each target is its own stack: remove the backend block/);
    expect(existsSync(statePath)).toBe(false);
  });
});
