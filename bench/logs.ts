/**
 * Log pages at depth (issue 12): a page of 100 lines read at random cursors of a 1k-line and a 50k-line
 * log, p50/p99, on the file store (sidecar offset index) beside the SQLite store (indexed rows, the
 * floor). For the file store also the bytes one page reads from disk (it was the whole log, ~56 MB at
 * 50k terraform lines) and the RSS growth of 20 concurrent pages at 50k lines (was 1.25 GB).
 * Goal: the file store's page cost does not grow with the log (50k p50 within ~2x of 1k). Before the index
 * (same machine, loaded): page p50 4.4 ms at 1k, 402 ms at 50k; 20 concurrent pages +1997 MiB RSS.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStateStore, type StateStore } from '@iac-orchestrator/core';
import { SqliteStateStore } from '@iac-orchestrator/state-store-sqlite';
import { RecordCodec } from '../packages/core/src/stores/file-store-codec.js';
import { Journals } from '../packages/core/src/stores/file-store-logs.js';
import { StorePaths } from '../packages/core/src/stores/file-store-paths.js';
import { makeDeployment } from '../packages/core/src/testing/store-conformance-fixtures.js';

const SIZES = [1_000, 50_000];
const PAGE = 100;
const SAMPLES = Number(process.env.BENCH_LOGS_SAMPLES ?? 300);
const report = (name: string, fields: Record<string, number | string | boolean>) => console.log(JSON.stringify({ bench: name, ...fields }));
const ms = (x: number) => +x.toFixed(3);
// About the size of a terraform progress line, so that 50k lines weigh tens of MB as in the issue.
const line = (i: number) => ({ timestamp: new Date().toISOString(), level: 'info' as const, message: `aws_s3_bucket.logs[${i % 97}]: Still creating... [${i % 60}s elapsed] ${'x'.repeat(i % 7 === 0 ? 2000 : 600)}`, resource: null });

async function fill(store: StateStore, id: string, lines: number): Promise<void> {
  await store.putDeployment(makeDeployment({ id }));
  for (let from = 0; from < lines; from += 1000) await store.appendLogs(id, Array.from({ length: Math.min(1000, lines - from) }, (_, k) => line(from + k)));
}

async function pageTimes(store: StateStore, id: string, lines: number): Promise<{ p50: number; p99: number }> {
  const t: number[] = [];
  for (let i = 0; i < SAMPLES + 10; i++) {
    const cursor = (i * 7919) % (lines - PAGE);
    const t0 = performance.now();
    const page = await store.readLogs(id, { cursor, limit: PAGE });
    if (i >= 10) t.push(performance.now() - t0);
    if (page.entries.length !== PAGE) throw new Error(`short page at ${cursor}: ${page.entries.length}`);
  }
  t.sort((a, b) => a - b);
  return { p50: ms(t[Math.floor(t.length * 0.5)]), p99: ms(t[Math.min(t.length - 1, Math.floor(t.length * 0.99))]) };
}

const dir = await mkdtemp(join(tmpdir(), 'orch-bench-logs-'));
try {
  const file = new FileStateStore({ dataDir: join(dir, 'file') });
  const sqlite = new SqliteStateStore({ dataDir: join(dir, 'sqlite') });
  await file.init();
  await sqlite.init();
  const meter = { bytes: 0 };
  const journals = new Journals(new StorePaths(join(dir, 'file')), new RecordCodec(null), (n) => (meter.bytes += n));
  for (const lines of SIZES) {
    const id = `logs-${lines}`;
    await fill(file, id, lines);
    await fill(sqlite, id, lines);
    const f = await pageTimes(file, id, lines);
    const s = await pageTimes(sqlite, id, lines);
    meter.bytes = 0;
    await journals.readLogs(id, lines - 2 * PAGE, PAGE);
    const logMiB = (await stat(new StorePaths(join(dir, 'file')).log(id))).size / 2 ** 20;
    report(`logs/page-of-${PAGE}@${lines}`, { fileP50: f.p50, fileP99: f.p99, sqliteP50Floor: s.p50, sqliteP99Floor: s.p99, fileBytesPerPage: meter.bytes, fileLogMiB: +logMiB.toFixed(1) });
  }
  const deepest = `logs-${SIZES[SIZES.length - 1]}`;
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  await Promise.all(Array.from({ length: 20 }, (_, i) => file.readLogs(deepest, { cursor: i * 2000, limit: 1000 })));
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  report('logs/20-concurrent-pages-of-1000@50000/file', { rssGrowthMiB: +((peak - rss0) / 2 ** 20).toFixed(1), beforeIndexMiB: 1997 });
  await sqlite.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
