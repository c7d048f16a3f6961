import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { FileStateStore, Orchestrator } from '@iac-orchestrator/core';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { TerraformExecutor } from '../src/index.js';
import { FIXTURES, hasTerraform, testBed } from './helpers.js';

const ok = prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH');
const child = fileURLToPath(new URL('./fixtures/crash/orchestrator-child.ts', import.meta.url));

/** PIDs whose working directory is inside `dir` (Terraform and what it started), read from /proc. */
function processesIn(dir: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readlinkSync(`/proc/${p}/cwd`).startsWith(dir)) out.push(Number(p));
    } catch {
      /* gone or not ours to read */
    }
  }
  return out;
}

let bed: Awaited<ReturnType<typeof testBed>> | undefined;
afterEach(async () => {
  await bed?.dispose();
  bed = undefined;
});

describe.skipIf(!ok)('a service killed mid-apply (kill -9 of node and of Terraform)', () => {
  it('is recovered by the next process from what Terraform left in the work dir', { timeout: 120_000 }, async () => {
    bed = await testBed();
    const dataDir = join(bed.root, 'data');
    const proc = execa('node', ['--import', 'tsx', child, dataDir, bed.workRoot, bed.cliConfigFile, join(FIXTURES, 'slow', 'main.tf')], {
      reject: false,
      cwd: process.cwd(),
    });
    const id = await new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout?.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /READY (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      void proc.then((r) => reject(new Error(`child exited early: ${r.stderr}`)));
    });
    // The whole machine goes: the service and the Terraform it started, with no chance to clean up.
    proc.kill('SIGKILL');
    await proc;
    const orphans = processesIn(join(bed.workRoot, id));
    expect(orphans.length).toBeGreaterThan(0);
    for (const pid of orphans) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }

    const orch = new Orchestrator({ store: new FileStateStore({ dataDir }), executors: [new TerraformExecutor({ workRoot: bed.workRoot, cliConfigFile: bed.cliConfigFile })], lockTtlMs: 60_000 });
    try {
      expect((await orch.get(id)).status).toBe('applying');
      expect((await orch.recover()).recovered).toEqual([id]);
      const after = await orch.get(id);
      expect(after.status).toBe('failed');
      const state = await orch.getState(id);
      expect(state).toMatchObject({ version: 1, locked: false });
      // `fast` was created before the crash and Terraform had persisted it: it is not forgotten.
      expect(state.resources.map((r) => r.id)).toContain('terraform_data.fast');
      expect(state.resources.map((r) => r.id)).not.toContain('terraform_data.after');
    } finally {
      await orch.close(1000);
    }
  });
});
