import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutorEvent } from '@iac-orchestrator/core';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { deployOnce, hasTerraform, loadFixture, testBed } from './helpers.js';

const ok = prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH');

/** Most resources in flight at once, from the order of creating / created events (no clocks involved). */
function maxInFlight(events: ExecutorEvent[]): number {
  let now = 0;
  let max = 0;
  for (const e of events) {
    if (e.type !== 'resource') continue;
    if (e.status === 'creating') max = Math.max(max, ++now);
    if (e.status === 'created' || e.status === 'failed') now--;
  }
  return max;
}

describe.skipIf(!ok)('parallelism (real terraform)', () => {
  let bed: Awaited<ReturnType<typeof testBed>>;
  beforeAll(async () => {
    bed = await testBed();
  });
  afterAll(() => bed?.dispose());

  it('-parallelism=1 works on one resource at a time; a higher value lets them overlap', async () => {
    const bundle = await loadFixture('parallel');
    const serial = await deployOnce(bed, { bundle, parallelism: 1 });
    expect(serial.result.outcome).toBe('succeeded');
    expect(serial.result.state!.resources).toHaveLength(3);
    expect(maxInFlight(serial.ctx.events)).toBe(1);

    const wide = await deployOnce(bed, { bundle, parallelism: 3 });
    expect(wide.result.outcome).toBe('succeeded');
    // each worker sleeps a second in its provisioner, so with room for three they overlap (all three,
    // unless the machine is so busy that one finishes before the last one starts)
    expect(maxInFlight(wide.ctx.events)).toBeGreaterThan(1);
  });
});
