import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStateStore, Orchestrator, type Deployment } from '@iac-orchestrator/core';
import { ScriptedExecutor, scriptedFiles } from '@iac-orchestrator/core/testing';
import { PolicyGuardExecutor } from './policy-guard.js';

let orch: Orchestrator;
let dir: string;
afterEach(async () => {
  await orch?.close(1000);
  await rm(dir, { recursive: true, force: true });
});

async function run(input: Parameters<Orchestrator['deploy']>[0]): Promise<Deployment> {
  const d = await orch.deploy(input);
  for (;;) {
    const now = await orch.get(d.id);
    if (['completed', 'failed', 'cancelled'].includes(now.status)) return now;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('example: a custom executor plugin (policy guard)', () => {
  it('lets safe plans through and fails plans that remove too much, before any approval', async () => {
    dir = await mkdtemp(join(tmpdir(), 'example-guard-'));
    const inner = new ScriptedExecutor();
    orch = new Orchestrator({ store: new MemoryStateStore(), executors: [new PolicyGuardExecutor(inner, { maxDestroy: 1, protectedTypes: ['database'] })], workDir: dir });
    const base = { blueprintId: 'guarded', environment: 'dev', targetCloud: 'aws' as const, format: 'terraform' as const, options: { autoApprove: true } };
    const three = [{ id: 'a', value: '1' }, { id: 'b', value: '1' }, { id: 'db', value: '1', type: 'database' }];
    expect((await run({ ...base, files: scriptedFiles({ resources: three }) })).status).toBe('completed');
    const tooMuch = await run({ ...base, files: scriptedFiles({ resources: [three[2]] }) });
    expect(tooMuch).toMatchObject({ status: 'failed', error: 'Policy: this plan removes 2 resources, more than the 1 allowed' });
    const protectedHit = await run({ ...base, files: scriptedFiles({ resources: [three[0], three[1]] }) });
    expect(protectedHit.error).toBe('Policy: db is a protected database and may not be deleted');
    expect(inner.calls.filter((c) => c.startsWith('apply'))).toHaveLength(1);
    expect(inner.world.size).toBe(3);
  });
});
