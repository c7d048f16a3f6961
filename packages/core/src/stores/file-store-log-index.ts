/**
 * The sidecar index of a log journal, so that a page costs the same at line 50,000 as at line 0.
 *
 * Entry n of `<log>.idx` is 8 bytes (little-endian) holding the byte offset just past line n's newline;
 * entry n sits at byte n * 8, so a page is one positioned read of the index and one of the log, whatever
 * the log's size. The writer (holding the log's mutex) appends the lines to the log, syncs it, then
 * appends their offsets: a crash leaves the index behind the log (or with a torn last entry), never
 * ahead, and {@link syncLogIndex} catches it up from the last indexed line, which is also how a log
 * written before the index existed gets one (a single streamed pass, once).
 * @module
 */
import { open, type FileHandle } from 'node:fs/promises';

/** Bytes per index entry. */
export const INDEX_ENTRY_BYTES = 8;
/** How much of the log one catch-up step reads: keeps indexing a large old log in bounded memory. */
const SCAN_CHUNK = 1 << 20;
const NEWLINE = 0x0a;

/** Told how many bytes each read of a log or its index returned (tests and the bench prove a page's cost with it). */
export type ReadMeter = (bytes: number) => void;

async function openIfExists(path: string, flags: string): Promise<FileHandle | null> {
  try {
    return await open(path, flags);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** `length` bytes at `position` (fewer at the end of the file). */
async function readAt(fh: FileHandle, length: number, position: number, meter?: ReadMeter): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const { bytesRead } = await fh.read(buf, read, length - read, position + read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  meter?.(read);
  return buf.subarray(0, read);
}

function encodeOffsets(offsets: number[]): Buffer {
  const buf = Buffer.alloc(offsets.length * INDEX_ENTRY_BYTES);
  offsets.forEach((o, i) => buf.writeBigUInt64LE(BigInt(o), i * INDEX_ENTRY_BYTES));
  return buf;
}

const offsetAt = (buf: Buffer, entry: number) => Number(buf.readBigUInt64LE(entry * INDEX_ENTRY_BYTES));

/**
 * Brings the index up to the log's last complete line and returns that line's end. Drops a torn index
 * entry; rebuilds from scratch an index that points past the log or off a line boundary (not this
 * log's). The caller holds the log's mutex.
 */
async function catchUp(log: FileHandle, logSize: number, index: FileHandle): Promise<number> {
  const indexSize = (await index.stat()).size;
  let count = Math.floor(indexSize / INDEX_ENTRY_BYTES);
  if (count * INDEX_ENTRY_BYTES !== indexSize) await index.truncate(count * INDEX_ENTRY_BYTES);
  let end = count > 0 ? offsetAt(await readAt(index, INDEX_ENTRY_BYTES, (count - 1) * INDEX_ENTRY_BYTES), 0) : 0;
  if (end > logSize || (end > 0 && (await readAt(log, 1, end - 1))[0] !== NEWLINE)) {
    await index.truncate(0);
    count = 0;
    end = 0;
  }
  for (let pos = end; pos < logSize; ) {
    const chunk = await readAt(log, Math.min(SCAN_CHUNK, logSize - pos), pos);
    if (chunk.length === 0) break;
    const offsets: number[] = [];
    for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, i + 1)) offsets.push(pos + i + 1);
    if (offsets.length > 0) {
      await index.write(encodeOffsets(offsets));
      end = offsets[offsets.length - 1];
    }
    pos += chunk.length;
  }
  return end;
}

/** Indexes any complete line of the log not indexed yet (a crash's leftovers, or a log from before the index). Caller holds the mutex. */
export async function syncLogIndex(path: string, indexPath: string): Promise<void> {
  const log = await openIfExists(path, 'r');
  if (!log) return;
  try {
    const index = await open(indexPath, 'a+', 0o600);
    try {
      await catchUp(log, (await log.stat()).size, index);
    } finally {
      await index.close();
    }
  } finally {
    await log.close();
  }
}

/**
 * Appends complete lines to the log in one write and their offsets to the index. A torn log tail (a
 * writer killed mid-append) is cut at the last indexed line first, so the next entry starts on a line of
 * its own. The caller holds the log's mutex. Returns whether the log was created (its directory then
 * needs an fsync).
 */
export async function appendIndexedLines(path: string, indexPath: string, lines: string[]): Promise<boolean> {
  if (lines.length === 0) return false;
  const log = await open(path, 'a+', 0o600);
  try {
    const index = await open(indexPath, 'a+', 0o600);
    try {
      const { size } = await log.stat();
      const end = await catchUp(log, size, index);
      if (end < size) await log.truncate(end);
      const data = lines.map((l) => `${l}\n`);
      await log.write(data.join(''));
      await log.datasync();
      let at = end;
      await index.write(encodeOffsets(data.map((l) => (at += Buffer.byteLength(l)))));
      return size === 0;
    } finally {
      await index.close();
    }
  } finally {
    await log.close();
  }
}

/** A page of raw log lines; `stale` when lines past the index may exist and the caller should sync it and read again. */
export interface IndexedPage {
  lines: string[];
  /** Indexed lines in the log. */
  total: number;
  stale: boolean;
}

/**
 * Lines `cursor` .. `cursor + limit - 1` of the log, reading only their index entries and their bytes.
 * Needs no lock: the writer appends the log before the index, so every indexed line is complete.
 */
export async function readIndexedPage(path: string, indexPath: string, cursor: number, limit: number, meter?: ReadMeter): Promise<IndexedPage> {
  const log = await openIfExists(path, 'r');
  if (!log) return { lines: [], total: 0, stale: false };
  try {
    const index = await openIfExists(indexPath, 'r');
    const logSize = (await log.stat()).size;
    if (!index) return { lines: [], total: 0, stale: logSize > 0 };
    try {
      const count = Math.floor((await index.stat()).size / INDEX_ENTRY_BYTES);
      const lastEnd = count > 0 ? offsetAt(await readAt(index, INDEX_ENTRY_BYTES, (count - 1) * INDEX_ENTRY_BYTES, meter), 0) : 0;
      if (lastEnd > logSize) return { lines: [], total: count, stale: true };
      // Lines past the index matter only when the page reaches them.
      const lagging = logSize > lastEnd && cursor + limit > count;
      const n = Math.max(0, Math.min(limit, count - cursor));
      if (n === 0) return { lines: [], total: count, stale: lagging };
      const first = cursor === 0 ? 0 : cursor - 1;
      const entries = await readAt(index, (cursor + n - first) * INDEX_ENTRY_BYTES, first * INDEX_ENTRY_BYTES, meter);
      const start = cursor === 0 ? 0 : offsetAt(entries, 0);
      const ends = Array.from({ length: n }, (_, i) => offsetAt(entries, cursor === 0 ? i : i + 1));
      const bytes = await readAt(log, ends[n - 1] - start, start, meter);
      if (bytes.length !== ends[n - 1] - start || bytes[bytes.length - 1] !== NEWLINE) return { lines: [], total: count, stale: true };
      let from = 0;
      const lines = ends.map((e) => {
        const line = bytes.subarray(from, e - start - 1).toString('utf8');
        from = e - start;
        return line;
      });
      return { lines, total: count, stale: lagging };
    } finally {
      await index.close();
    }
  } finally {
    await log.close();
  }
}
