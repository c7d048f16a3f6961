import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStateStore, Orchestrator, type Deployment, type DeploymentStatus } from '@iac-orchestrator/core';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { FIXTURES, hasTerraform, testBed } from './helpers.js';

const ok = prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH');
const TERMINAL: DeploymentStatus[] = ['completed', 'failed', 'cancelled'];

async function waitFor(orch: Orchestrator, id: string, timeoutMs = 120_000): Promise<Deployment> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await orch.get(id);
    if (TERMINAL.includes(d.status)) return d;
    if (Date.now() > deadline) throw new Error(`deployment ${id} stuck in ${d.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let dispose: (() => Promise<void>) | undefined;
afterEach(async () => {
  await dispose?.();
  dispose = undefined;
});

/** A real Orchestrator (in-memory store) driving real terraform, and a canary group of `targets`. */
async function canaryGroup(targets: Array<{ name: string; region: string; variables?: Record<string, unknown> }>) {
  const bed = await testBed();
  const store = new MemoryStateStore();
  const orch = new Orchestrator({ store, executors: [bed.executor], workDir: bed.workRoot, lockTtlMs: 5000, credentials: { AWS_REGION: 'us-west-2' } });
  dispose = async () => {
    await orch.close(5000);
    await bed.dispose();
  };
  const files = { 'main.tf': await readFile(join(FIXTURES, 'group-canary', 'main.tf'), 'utf8') };
  const group = await orch.deployGroup({ blueprintId: 'site', environment: 'dev', targetCloud: 'aws', format: 'terraform', files, options: { autoApprove: true }, order: 'canary', targets });
  const members = [];
  for (const t of group.targets) members.push(await waitFor(orch, t.deploymentId));
  return { orch, store, group, members };
}

const logText = async (orch: Orchestrator, id: string) => (await orch.logs(id, { limit: 5000 })).entries.map((e) => e.message).join('\n');

describe.skipIf(!ok)('deployment groups with real terraform', () => {
  it('a 3-target canary whose first target fails (local-exec exits 1) stops there: the other two never run', async () => {
    const { orch, store, group, members } = await canaryGroup([
      { name: 'eu', region: 'eu-west-1', variables: { fail: true } },
      { name: 'us', region: 'us-east-1' },
      { name: 'ap', region: 'ap-south-1' },
    ]);
    const [first, ...rest] = members;
    expect(first!.status).toBe('failed');
    expect(first!.error).toMatch(/local-exec|exit status 1|provisioner/i);
    // What terraform created before the provisioner failed is kept (invariant 1), on the canary's stack only.
    expect((await store.listStateVersions(first!.stackKey, { limit: 10 })).length).toBeGreaterThan(0);
    for (const d of rest) {
      expect(d.status).toBe('cancelled');
      expect(d.error).toMatch(/^Not deployed: the canary target "eu" of deployment group .* ended failed/);
      expect(d.startedAt).toBeNull();
      expect(d.plan).toBeNull();
      expect(await store.listStateVersions(d.stackKey, { limit: 10 })).toEqual([]);
      expect(await store.getLock(d.stackKey)).toBeNull();
      // Its log holds the reason only: no tool line, no plan.
      expect((await orch.logs(d.id)).entries.map((e) => e.message)).toEqual([d.error]);
    }
    const view = await orch.getGroup(group.id);
    expect(view.status).toBe('failed');
    expect(view.targets.map((t) => t.status)).toEqual(['failed', 'cancelled', 'cancelled']);
  });

  it('a canary that completes lets the rest run, each in its own region and stack', async () => {
    const { orch, store, members } = await canaryGroup([
      { name: 'eu', region: 'eu-west-1' },
      { name: 'us', region: 'us-east-1' },
    ]);
    const [first, second] = members;
    expect(members.map((d) => d.status)).toEqual(['completed', 'completed']);
    expect(second!.startedAt! >= first!.completedAt!).toBe(true);
    expect(await logText(orch, first!.id)).toMatch(/AWS_REGION=eu-west-1/);
    expect(await logText(orch, second!.id)).toMatch(/AWS_REGION=us-east-1/);
    expect(await logText(orch, second!.id)).not.toMatch(/AWS_REGION=us-west-2/);
    for (const d of members) {
      const versions = await store.listStateVersions(d.stackKey, { limit: 10 });
      expect(versions.map((v) => v.deploymentId)).toEqual([d.id]);
    }
  });
});
