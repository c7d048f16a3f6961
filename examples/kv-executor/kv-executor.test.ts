import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStateStore, Orchestrator } from '@iac-orchestrator/core';
import { executorConformance } from '@iac-orchestrator/core/testing';
import { TerraformExecutor } from '@iac-orchestrator/executor-terraform';
import { buildServer } from '@iac-orchestrator/http-adapter';
import { kvConformanceFactory, kvFiles } from './conformance-factory.js';
import { KvExecutor } from './kv-executor.js';



// A format core has never heard of passes the same suite as ours (the tool is a real process). The same
// factory runs against the packed packages with node:test in test/published/third-party-executor.test.ts.
describe('executorConformance: KvExecutor (format "kv", plugged in from outside core)', () => executorConformance(it, kvConformanceFactory));

describe('a "kv" deployment through the REST API', () => {
  let worldDir: string;
  let orchestrator: Orchestrator;
  let app: ReturnType<typeof buildServer>;
  let base: string;

  beforeAll(async () => {
    worldDir = await mkdtemp(join(tmpdir(), 'kv-world-'));
    orchestrator = new Orchestrator({ store: new MemoryStateStore(), executors: [new TerraformExecutor(), new KvExecutor({ worldDir })] });
    app = buildServer({ orchestrator });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app.close();
    await orchestrator.close(5000);
    await rm(worldDir, { recursive: true, force: true });
  });

  const post = async (body: unknown) => {
    const r = await fetch(`${base}/api/deployments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  it('deploys, reports its resources and state, and really creates them', async () => {
    const r = await post({ blueprintId: 'kv-app', environment: 'dev', targetCloud: 'local', format: 'kv', options: { autoApprove: true }, files: kvFiles({ entries: { greeting: { value: 'hello' } } }) });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const id = r.body.deploymentId as string;
    await orchestrator.waitFor(id, 'completed', { timeoutMs: 30_000 });
    const got = (await (await fetch(`${base}/api/deployments/${id}`)).json()) as { status: string; state: { version: number; resources: Array<{ id: string; status: string }> } };
    expect(got.status).toBe('completed');
    expect(got.state.version).toBe(1);
    expect(got.state.resources).toEqual([expect.objectContaining({ id: 'greeting', status: 'created' })]);
    expect(await readdir(worldDir)).toEqual(['greeting.json']);
  });

  it('a format no executor declares is a 400 naming the formats available, and nothing is stored', async () => {
    const r = await post({ blueprintId: 'helm-app', environment: 'dev', targetCloud: 'aws', format: 'helm', files: { 'Chart.yaml': 'name: x' } });
    expect(r).toEqual({ status: 400, body: expect.objectContaining({ error: 'No executor is registered for format "helm" (available: terraform, kv)', field: 'format' }) });
    const bad = await post({ blueprintId: 'x', environment: 'dev', targetCloud: 'aws', format: 'Helm Chart!', files: { a: 'b' } });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('format');
    const list = (await (await fetch(`${base}/api/deployments?blueprintId=helm-app`)).json()) as { deployments: unknown[] };
    expect(list.deployments).toEqual([]);
  });
});
