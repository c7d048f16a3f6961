import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { detectSandbox, FileStateStore, Orchestrator } from '@iac-orchestrator/core';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { TerraformExecutor } from '../src/index.js';
import { FIXTURES, hasTerraform, testBed } from './helpers.js';

const found = await detectSandbox();
const ok = prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH') && prerequisite('bwrap', found.available, found.available ? '' : found.reason);
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

describe.skipIf(!ok)('a runner killed mid-apply (kill -9 of the node process running Terraform in bwrap)', () => {
  it('leaves no Terraform behind, and the store already holds what Terraform persisted before recovery runs', { timeout: 240_000 }, async () => {
    bed = await testBed();
    const dataDir = join(bed.root, 'data');
    const proc = execa('node', ['--import', 'tsx', child, dataDir, bed.workRoot, bed.cliConfigFile, join(FIXTURES, 'long-apply', 'main.tf'), 'terraform_data.step08'], {
      reject: false,
      cwd: process.cwd(),
    });
    let out = '';
    const id = await new Promise<string>((resolve, reject) => {
      proc.stdout?.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /READY (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      void proc.then((r) => reject(new Error(`child exited early: ${r.stderr}`)));
    });
    // The runner goes, with no chance to clean up: the sandbox (--die-with-parent) takes Terraform along.
    proc.kill('SIGKILL');
    await proc;
    const workDir = join(bed.workRoot, id);
    for (let i = 0; i < 100 && processesIn(workDir).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(processesIn(workDir)).toEqual([]);

    // Before any recovery: Terraform's intermediate snapshots are already state versions of the stack.
    const store = new FileStateStore({ dataDir });
    const [deployment] = (await store.listDeployments({ limit: 10 })).items;
    expect(deployment).toMatchObject({ id, status: 'applying' });
    const saved = await store.getStateVersion(deployment!.stackKey);
    expect(saved, `child output: ${out}`).toMatchObject({ deploymentId: id, reason: 'partial' });
    const ids = saved!.resources.map((r) => r.id).sort();
    // Resources created in order, up to Terraform's last persist: a prefix of step01..step07.
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.length).toBeLessThan(8);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => `terraform_data.step${String(i + 1).padStart(2, '0')}`));
    await store.close?.();

    const orch = new Orchestrator({ store: new FileStateStore({ dataDir }), executors: [new TerraformExecutor({ workRoot: bed.workRoot, cliConfigFile: bed.cliConfigFile })], lockTtlMs: 60_000 });
    try {
      expect((await orch.recover()).recovered).toEqual([id]);
      const after = await orch.get(id);
      expect(after.status).toBe('failed');
      const state = await orch.getState(id);
      expect(state.locked).toBe(false);
      expect(state.version).toBeGreaterThanOrEqual(saved!.version);
      // Recovery keeps everything already saved (the spooled last snapshot holds at least as much).
      for (const r of ids) expect(state.resources.map((x) => x.id)).toContain(r);
      expect(after.stateVersion).toBe(state.version);
    } finally {
      await orch.close(1000);
    }
  });
});
