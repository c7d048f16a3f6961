/**
 * Through a real Orchestrator and real terraform: the request's `options.parallelism` is what Terraform
 * works with (`-parallelism`), and each line of Terraform's output is stored once (a resource event
 * carries its line as its message, which the orchestrator logs; the executor must not log it again).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStateStore, Orchestrator, type Deployment, type LogEntry } from '@iac-orchestrator/core';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { FIXTURES, hasTerraform, testBed } from './helpers.js';

const ok = prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH');

describe.skipIf(!ok)('a run through the Orchestrator (real terraform)', () => {
  let bed: Awaited<ReturnType<typeof testBed>>;
  let store: MemoryStateStore;
  let orch: Orchestrator;
  const resourceEvents: Array<{ deploymentId: string; status: string }> = [];
  beforeAll(async () => {
    bed = await testBed();
    store = new MemoryStateStore();
    orch = new Orchestrator({ store, executors: [bed.executor], workDir: bed.workRoot, lockWaitMs: 20_000 });
    orch.on('resource', (e) => resourceEvents.push(e));
  });
  afterAll(async () => {
    await orch?.close(5000);
    await bed?.dispose();
  });

  async function deployParallel(parallelism: number): Promise<{ d: Deployment; logs: LogEntry[] }> {
    const files = { 'main.tf': await readFile(join(FIXTURES, 'parallel', 'main.tf'), 'utf8') };
    const { id } = await orch.deploy({ blueprintId: `workers-${parallelism}`, environment: 'dev', targetCloud: 'aws', format: 'terraform', files, options: { autoApprove: true, parallelism } });
    let d = await orch.get(id);
    while (!['completed', 'failed'].includes(d.status)) {
      await new Promise((r) => setTimeout(r, 50));
      d = await orch.get(id);
    }
    return { d, logs: (await store.readLogs(id, { cursor: 0, limit: 10_000 })).entries };
  }

  /** Most resources in flight at once, from the order of creating / created events. */
  const maxInFlight = (id: string) => {
    let now = 0;
    let max = 0;
    for (const e of resourceEvents.filter((x) => x.deploymentId === id)) {
      if (e.status === 'creating') max = Math.max(max, ++now);
      if (e.status === 'created' || e.status === 'failed') now--;
    }
    return max;
  };

  it('options.parallelism = 1 makes terraform create one resource at a time', { timeout: 120_000 }, async () => {
    const { d } = await deployParallel(1);
    expect(d.status).toBe('completed');
    expect(maxInFlight(d.id)).toBe(1);
  });

  it('stores each line of terraform output once', { timeout: 120_000 }, async () => {
    const { d, logs } = await deployParallel(3);
    expect(d.status).toBe('completed');
    const complete = logs.filter((l) => /Creation complete/.test(l.message));
    expect(complete.map((l) => l.resource).sort()).toEqual(['terraform_data.worker[0]', 'terraform_data.worker[1]', 'terraform_data.worker[2]']);
    const creating = logs.filter((l) => /: Creating\.\.\.$/.test(l.message));
    expect(creating).toHaveLength(3);
    // Every line once, except what each terraform process announces itself (its version, the planned
    // changes that both plan and apply print).
    const seen = new Map<string, number>();
    for (const l of logs.filter((x) => !/^Terraform v?\d|: Plan to /.test(x.message))) seen.set(`${l.resource} ${l.message}`, (seen.get(`${l.resource} ${l.message}`) ?? 0) + 1);
    expect([...seen].filter(([, n]) => n > 1)).toEqual([]);
  });
});
