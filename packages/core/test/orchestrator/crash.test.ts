import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { FileStateStore, Orchestrator } from '../../src/index.js';
import { ScriptedExecutor } from '../../src/testing/index.js';
import { waitFor } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/crashing-orchestrator.ts', import.meta.url));
let dir: string;
afterEach(async () => dir && rm(dir, { recursive: true, force: true }));

describe('a process killed mid-apply (kill -9)', () => {
  it('is recovered by the next process: failed (interrupted), partial state saved, lock freed', async () => {
    dir = await mkdtemp(join(tmpdir(), 'orch-crash-'));
    const dataDir = join(dir, 'data');
    const workDir = join(dir, 'work');
    const child = execa('node', ['--import', 'tsx', fixture, dataDir, workDir], { reject: false, cwd: process.cwd() });
    const id = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /READY (\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      void child.then((r) => reject(new Error(`child exited early: ${r.stderr}`)));
    });
    child.kill('SIGKILL');
    await child;

    const orch = new Orchestrator({ store: new FileStateStore({ dataDir }), executors: [new ScriptedExecutor()], workDir, lockTtlMs: 60_000 });
    try {
      const before = await orch.get(id);
      expect(before.status).toBe('applying');
      expect((await orch.getState(id)).locked).toBe(true);
      // The owner was on this host and its pid is gone: no need to wait out the 60 s lease.
      expect((await orch.recover()).recovered).toEqual([id]);
      const after = await orch.get(id);
      expect(after.status).toBe('failed');
      expect(after.error).toMatch(/^Deployment interrupted: the process running it \(.+\) stopped$/);
      const state = await orch.getState(id);
      expect(state).toMatchObject({ version: 1, locked: false });
      expect(state.resources.map((r) => r.id)).toEqual(['first']);
      // The stack works again.
      const next = await orch.deploy({ blueprintId: 'crash', environment: 'dev', targetCloud: 'aws', format: 'terraform', options: { autoApprove: true }, files: { 'main.json': JSON.stringify({ resources: [{ id: 'first', value: 'v1' }, { id: 'second', value: 'v1' }] }) } });
      const done = await waitFor(orch, next.id);
      expect(done).toMatchObject({ status: 'completed', stateVersion: 2 });
      expect(done.plan?.resources.map((r) => r.id)).toEqual(['second']);
    } finally {
      await orch.close(1000);
    }
  });
});
