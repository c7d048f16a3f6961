/**
 * Benchmarks (never timed assertions in tests): throughput and memory of the orchestration core on the
 * embedded file store and the in-memory store, state-version writes, log appends and redaction.
 * Run: `npm run bench` (prints one JSON line per measurement).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStateStore, MemoryStateStore, Orchestrator, Redactor, type StateStore } from '@iac-orchestrator/core';
import { ScriptedExecutor, scriptedFiles } from '@iac-orchestrator/core/testing';

const report = (name: string, fields: Record<string, number | string>) => console.log(JSON.stringify({ bench: name, ...fields }));

async function deployments(name: string, store: StateStore, workDir: string, count: number, stacks: number): Promise<void> {
  const orch = new Orchestrator({ store, executors: [new ScriptedExecutor()], workDir, concurrency: 8, cancelPollMs: 5000 });
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const d = await orch.deploy({
      blueprintId: `bench-${i % stacks}`, environment: 'dev', targetCloud: 'aws', format: 'terraform', options: { autoApprove: true },
      files: scriptedFiles({ resources: Array.from({ length: 20 }, (_, r) => ({ id: `r${r}`, value: `v${i}` })) }),
    });
    ids.push(d.id);
  }
  await Promise.all(ids.map(async (id) => {
    for (;;) {
      const d = await orch.get(id);
      if (d.status === 'completed' || d.status === 'failed') return;
      await new Promise((r) => setTimeout(r, 5));
    }
  }));
  const ms = performance.now() - t0;
  report(`deployments/${name}`, { deployments: count, stacks, resourcesEach: 20, totalMs: Math.round(ms), perSecond: +(count / (ms / 1000)).toFixed(1), heapDeltaMiB: +((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20).toFixed(1) });
  await orch.close(5000);
}

async function stateWrites(name: string, store: StateStore, count: number): Promise<void> {
  const lock = await store.acquireLock({ stackKey: 'bench/w', operation: 'apply', who: 'bench', ttlMs: 60_000 });
  const raw = { resources: Array.from({ length: 200 }, (_, i) => ({ address: `r.${i}`, attrs: { id: `id-${i}`, tags: { a: 'b' } } })) };
  const t0 = performance.now();
  for (let v = 0; v < count; v++) {
    await store.writeStateVersion({ stackKey: 'bench/w', expectedVersion: v, lockId: lock.lockId, token: lock.token, retention: 10, version: { stackKey: 'bench/w', stateId: 's', deploymentId: `d${v}`, bundleDigest: 'sha256:x', resources: [], outputs: {}, raw, reason: 'applied' } });
  }
  const ms = performance.now() - t0;
  report(`state-writes/${name}`, { writes: count, rawResources: 200, msPerWrite: +(ms / count).toFixed(2) });
}

async function logAppends(name: string, store: StateStore, count: number): Promise<void> {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await store.appendLogs('bench-logs', [{ timestamp: new Date().toISOString(), level: 'info', message: `line ${i} of terraform output`, resource: null }]);
  const appendMs = performance.now() - t0;
  const t1 = performance.now();
  let cursor = 0;
  for (;;) {
    const page = await store.readLogs('bench-logs', { cursor, limit: 1000 });
    if (page.entries.length === 0) break;
    cursor = page.nextCursor;
  }
  report(`logs/${name}`, { lines: count, msPerAppend: +(appendMs / count).toFixed(3), readAllMs: Math.round(performance.now() - t1) });
}

function redaction(): void {
  const r = new Redactor();
  for (let i = 0; i < 200; i++) r.add(`secret-value-number-${i}-${'x'.repeat(20)}`);
  const line = 'terraform_data.app: Creation complete after 0s [id=8a3c…] with a fairly ordinary log line of output';
  const n = 200_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) r.redact(line);
  report('redaction', { secrets: 200, lines: n, linesPerSecond: Math.round(n / ((performance.now() - t0) / 1000)) });
}

const dir = await mkdtemp(join(tmpdir(), 'orch-bench-'));
try {
  await deployments('memory', new MemoryStateStore(), join(dir, 'w1'), 200, 20);
  await deployments('file', new FileStateStore({ dataDir: join(dir, 'f1') }), join(dir, 'w2'), 100, 10);
  await stateWrites('memory', new MemoryStateStore(), 500);
  await stateWrites('file', new FileStateStore({ dataDir: join(dir, 'f2') }), 200);
  await stateWrites('file+encryption', new FileStateStore({ dataDir: join(dir, 'f3'), encryptionKey: 'bench passphrase' }), 200);
  await logAppends('memory', new MemoryStateStore(), 20_000);
  await logAppends('file', new FileStateStore({ dataDir: join(dir, 'f4') }), 5_000);
  redaction();
} finally {
  await rm(dir, { recursive: true, force: true });
}
await import('./sandbox.js'); // 4 parallel first terraform deployments: inside bwrap vs bare terraform
await import('./masking.js'); // masking throughput at 10k live secrets, and the service's memory under sensitive-variable load
await import('./start.js'); // npm start → /health on a built checkout, beside the bare server
await import('./queue.js'); // JobQueue engines: jobs/s and enqueue→start p50/p99 beside a bare BullMQ Queue + Worker
await import('./runs.js'); // runs as jobs: deploy() → applying p50/p99 on both engines; recover() with 100k stored deployments
await import('./stores.js'); // SQLite and Redis stores at 10k deployments (BENCH_STORES_N=100000 for 100k), beside bare SQLite / Redis
await import('./terraform.js'); // 20 S3 buckets on moto: the spec's CLI workflow vs the minimum vs the service
await import('./logs.js'); // file-store log pages at 1k vs 50k lines (offset index) beside the SQLite store; bytes read per page
