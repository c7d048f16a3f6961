import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, TimeoutError } from '@iac-orchestrator/core';
import { findCommand, prerequisite } from '../../../test-support/prerequisites.js';
import { hasTerraform, loadFixture, makeContext, testBed } from './helpers.js';

const ok = prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH') && prerequisite('sleep', findCommand('sleep') !== null, 'no sleep binary');

/** Whether a process still exists (signal 0 probes without touching it). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(!ok)('cancelling a slow apply (real terraform)', () => {
  let bed: Awaited<ReturnType<typeof testBed>>;
  beforeAll(async () => {
    bed = await testBed({ cancelGraceMs: 15_000 });
  });
  afterAll(() => bed?.dispose());

  for (const [label, reason, outcome] of [
    ['cancel', new CancelledError(), 'cancelled'],
    ['timeout', new TimeoutError('Deployment timed out'), 'timed_out'],
  ] as const) {
    it(`stops Terraform on ${label} (SIGINT), returns the state it left, and nothing keeps running`, async () => {
      const bundle = await loadFixture('slow');
      const ctx = makeContext({
        bundle,
        workDir: await bed.workDir(),
        onEvent: (e) => {
          // Abort once the slow provisioner is running: `fast` is already created by then.
          if (e.type === 'log' && e.resource === 'terraform_data.slow' && e.message.includes('Executing')) ctx.abort(reason);
        },
      });
      const plan = await bed.executor.plan(ctx);
      const result = await bed.executor.apply(ctx, plan);
      expect(result.outcome).toBe(outcome);
      const ids = result.state!.resources.map((r) => r.id).sort();
      expect(ids).toContain('terraform_data.fast');
      expect(ids).not.toContain('terraform_data.after');
      expect(result.state!.resources.find((r) => r.id === 'terraform_data.fast')?.status).toBe('created');
      // Terraform reported the interrupt and stopped gracefully (not killed: the grace period is long).
      expect(ctx.events.some((e) => e.type === 'log' && e.message.includes('Interrupt received'))).toBe(true);
      // No `sleep 120` left behind from the provisioner.
      const sleeping = findSleepers();
      expect(sleeping.filter(alive)).toEqual([]);
      await bed.executor.cleanup(ctx);
      expect(existsSync(ctx.workDir)).toBe(false);
    });
  }

  it('a plan aborted before it starts throws the abort reason', async () => {
    const bundle = await loadFixture('slow');
    const ctx = makeContext({ bundle, workDir: await bed.workDir() });
    ctx.abort(new CancelledError());
    await expect(bed.executor.plan(ctx)).rejects.toBeInstanceOf(CancelledError);
  });
});

/** PIDs of `sleep 120` processes (the slow fixture's provisioner), read from /proc without spawning. */
function findSleepers(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8') === 'sleep\u0000120\u0000') out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}
