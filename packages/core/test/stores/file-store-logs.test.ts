import { appendFile, mkdir, mkdtemp, readFile, rm, stat, truncate, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Encryption } from '../../src/encryption.js';
import { RecordCodec } from '../../src/stores/file-store-codec.js';
import { INDEX_ENTRY_BYTES } from '../../src/stores/file-store-log-index.js';
import { Journals } from '../../src/stores/file-store-logs.js';
import { StorePaths } from '../../src/stores/file-store-paths.js';
import { logEntry } from '../../src/testing/store-conformance-fixtures.js';

const PAGE = 100;
// A terraform-like line, so that a 50k-line log weighs what the did (tens of MB).
const message = (i: number) => `line ${i}: aws_s3_bucket.logs[${i % 97}]: Still creating... [${i % 60}s elapsed] ${'x'.repeat(i % 7 === 0 ? 900 : 200)}`;

/** Journals over a real directory, counting every byte its log reads take from disk. */
function journals(root: string, codec = new RecordCodec(null)) {
  const meter = { bytes: 0 };
  const j = new Journals(new StorePaths(root), codec, (n) => (meter.bytes += n));
  return { j, meter, paths: new StorePaths(root) };
}

async function writeLog(j: Journals, id: string, lines: number): Promise<void> {
  for (let from = 0; from < lines; from += 1000) {
    await j.appendLogs(id, Array.from({ length: Math.min(1000, lines - from) }, (_, k) => logEntry(message(from + k))));
  }
}

describe('file store logs: a page costs the same at any depth', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'file-store-logs-'));
    await mkdir(join(root, 'logs'), { recursive: true });
    await mkdir(join(root, 'mutex'), { recursive: true });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reading page N of a 50k-line log reads about one page of bytes (the whole log used to be read per page)', { timeout: 120_000 }, async () => {
    const { j, meter, paths } = journals(root);
    await writeLog(j, 'big', 50_000);
    const logBytes = (await stat(paths.log('big'))).size;
    expect(logBytes).toBeGreaterThan(10 * 2 ** 20);
    const costs: number[] = [];
    for (const cursor of [0, 1_000, 25_000, 49_900]) {
      meter.bytes = 0;
      const page = await j.readLogs('big', cursor, PAGE);
      expect(page.entries.map((e) => e.message)).toEqual(Array.from({ length: PAGE }, (_, k) => message(cursor + k)));
      expect(page.nextCursor).toBe(cursor + PAGE);
      // The page's own lines, its index entries (plus the one before it) and the index's last entry.
      const pageBytes = page.entries.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)) + 1, 0);
      expect(meter.bytes).toBeLessThanOrEqual(pageBytes + (PAGE + 2) * INDEX_ENTRY_BYTES);
      costs.push(meter.bytes);
    }
    // The same at line 0 as at line 49,900 (pages differ only in their lines' lengths), and a sliver of the log.
    expect(Math.max(...costs)).toBeLessThan(1.2 * Math.min(...costs));
    expect(Math.max(...costs)).toBeLessThan(logBytes / 200);
    // Past the end: nothing read but the index's last entry.
    meter.bytes = 0;
    expect(await j.readLogs('big', 60_000, PAGE)).toEqual({ entries: [], nextCursor: 50_000 });
    expect(meter.bytes).toBe(INDEX_ENTRY_BYTES);
  });

  it('a log written before the index gets one on its first read, once; later pages read only their bytes', { timeout: 60_000 }, async () => {
    const { j, meter, paths } = journals(root);
    await writeLog(j, 'old', 3_000);
    const expected = await readFile(paths.logIndex('old'));
    await unlink(paths.logIndex('old'));
    const page = await j.readLogs('old', 2_000, PAGE);
    expect(page.entries.map((e) => e.message)).toEqual(Array.from({ length: PAGE }, (_, k) => message(2_000 + k)));
    expect(await readFile(paths.logIndex('old'))).toEqual(expected);
    meter.bytes = 0;
    await j.readLogs('old', 2_500, PAGE);
    expect(meter.bytes).toBeLessThan((await stat(paths.log('old'))).size / 10);
  });

  it('a crash mid-append (torn log line, torn or missing index entries) reads consistently and the next append repairs both', async () => {
    const { j, paths } = journals(root);
    await writeLog(j, 'torn', 50);
    // The writer died after writing 2 of 3 lines and part of the third, before any index entry.
    await appendFile(paths.log('torn'), `${JSON.stringify(logEntry('late 1'))}\n${JSON.stringify(logEntry('late 2'))}\n{"timestamp":"20`);
    // And an earlier index append was torn: the last 3 entries lost, half of one left.
    const indexSize = (await stat(paths.logIndex('torn'))).size;
    await truncate(paths.logIndex('torn'), indexSize - 3 * INDEX_ENTRY_BYTES + 3);

    const all = await j.readLogs('torn', 0, 1000);
    expect(all.entries.map((e) => e.message)).toEqual([...Array.from({ length: 50 }, (_, k) => message(k)), 'late 1', 'late 2']);
    expect(all.nextCursor).toBe(52);
    expect((await j.readLogs('torn', 48, 10)).entries.map((e) => e.message)).toEqual([message(48), message(49), 'late 1', 'late 2']);

    await j.appendLogs('torn', [logEntry('after the crash')]);
    const tail = await j.readLogs('torn', 50, 10);
    expect(tail.entries.map((e) => e.message)).toEqual(['late 1', 'late 2', 'after the crash']);
    expect(tail.nextCursor).toBe(53);
    expect((await stat(paths.logIndex('torn'))).size).toBe(53 * INDEX_ENTRY_BYTES);
    const text = await readFile(paths.log('torn'), 'utf8');
    expect(text).not.toContain('{"timestamp":"20{');
    expect(text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { message: string }).at(-1)?.message).toBe('after the crash');
  });

  it('an index that is not this log\'s (pointing past it) is rebuilt, not trusted', async () => {
    const { j, paths } = journals(root);
    await writeLog(j, 'a', 200);
    await writeLog(j, 'b', 20);
    await appendFile(paths.logIndex('b'), await readFile(paths.logIndex('a')));
    const page = await j.readLogs('b', 10, 50);
    expect(page.entries.map((e) => e.message)).toEqual(Array.from({ length: 10 }, (_, k) => message(10 + k)));
    expect(page.nextCursor).toBe(20);
    expect((await stat(paths.logIndex('b'))).size).toBe(20 * INDEX_ENTRY_BYTES);
  });

  it('sealed lines page the same way, and no message is on disk in plain text', async () => {
    const { j, meter, paths } = journals(root, new RecordCodec(Encryption.fromKey('a1'.repeat(32))));
    await writeLog(j, 'sealed', 5_000);
    meter.bytes = 0;
    const page = await j.readLogs('sealed', 4_000, PAGE);
    expect(page.entries.map((e) => e.message)).toEqual(Array.from({ length: PAGE }, (_, k) => message(4_000 + k)));
    expect(meter.bytes).toBeLessThan((await stat(paths.log('sealed'))).size / 20);
    expect(await readFile(paths.log('sealed'), 'utf8')).not.toContain('Still creating');
  });
});
