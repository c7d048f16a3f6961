/**
 * Crash-safe file primitives: every whole-file write goes through a temp file in the same directory,
 * fsync, rename and an fsync of the directory, so a crash at any point leaves the old or the new file,
 * never a torn one. Appends are single `write` calls of complete lines followed by fdatasync.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Temp files carry the writer's pid so that a sweep can tell a dead writer's leftovers from live work. */
export const TEMP_SUFFIX = '.tmp';
const tempName = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
const TEMP_PID = /\.(\d+)\.[0-9a-f]{12}\.tmp$/;

export function isTempFile(name: string): boolean {
  return name.endsWith(TEMP_SUFFIX);
}

/** Makes a rename or a file creation in `dir` durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Replaces `path` with `data` atomically and durably. */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = tempName(path);
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data, 'utf8');
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dirname(path));
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value)}\n`);
}

/** The parsed JSON file, or null when it does not exist. */
export async function readJson<T>(path: string): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  return JSON.parse(text) as T;
}

export async function removeFile(path: string): Promise<boolean> {
  try {
    await unlink(path);
    await fsyncDir(dirname(path));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** File names in `dir` (no temp files), or none when it does not exist. */
export async function listFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !isTempFile(n));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/**
 * Appends complete NDJSON lines to `path` in one write. If the file ends in a torn line (a writer
 * crashed mid-append), it is cut off first so that the next entry starts on a line of its own. The
 * caller holds the file's mutex, so no live writer is mid-append.
 */
export async function appendLines(path: string, lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  const fh = await open(path, 'a+', 0o600);
  let created = false;
  try {
    const { size } = await fh.stat();
    created = size === 0;
    if (size > 0) {
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) await fh.truncate(await lastNewlineEnd(path));
    }
    await fh.write(lines.map((l) => `${l}\n`).join(''));
    await fh.datasync();
  } finally {
    await fh.close();
  }
  if (created) await fsyncDir(dirname(path));
}

/** Length of `path` up to and including its last newline (0 when there is none). */
async function lastNewlineEnd(path: string): Promise<number> {
  const buf = await readFile(path);
  return buf.lastIndexOf(0x0a) + 1;
}

/** Where a previous read of a journal stopped: the file's inode and the byte after its last complete line. */
export interface JournalMark {
  ino: number;
  bytes: number;
}

/**
 * The complete lines of an NDJSON file, parsed, read from `from` when it still applies to the file (same
 * inode, not past its end) and from the start otherwise (`restarted`). A final line without its newline
 * is a torn append (or one still being written) and is left out, as is any line that does not parse.
 * `mark` is where the next read can resume.
 */
export async function readJournal(path: string, from: JournalMark | null): Promise<{ values: unknown[]; mark: JournalMark; restarted: boolean }> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { values: [], mark: { ino: -1, bytes: 0 }, restarted: true };
    throw e;
  }
  try {
    const { size, ino } = await fh.stat();
    const resume = from !== null && from.ino === ino && from.bytes <= size;
    const offset = resume ? from.bytes : 0;
    const buf = Buffer.alloc(size - offset);
    let read = 0;
    while (read < buf.length) {
      const { bytesRead } = await fh.read(buf, read, buf.length - read, offset + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    const complete = buf.subarray(0, read).lastIndexOf(0x0a) + 1;
    const values: unknown[] = [];
    for (const line of buf.subarray(0, complete).toString('utf8').split('\n')) {
      if (!line) continue;
      try {
        values.push(JSON.parse(line));
      } catch {
        /* a torn line: skipped */
      }
    }
    return { values, mark: { ino, bytes: offset + complete }, restarted: !resume };
  } finally {
    await fh.close();
  }
}

/** All complete lines of an NDJSON file, parsed (see {@link readJournal}). */
export async function readLines(path: string): Promise<unknown[]> {
  return (await readJournal(path, null)).values;
}

/** Maps `items` through `fn` with at most `limit` running at once (keeps open file handles bounded). */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Removes temp files left in `dir` by writers that are no longer alive. */
export async function sweepDeadTempFiles(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP_PID.exec(name);
    if (!m || isProcessAlive(Number(m[1]))) continue;
    await unlink(join(dir, name)).catch(() => undefined);
  }
}

/** Whether a process with this pid runs on this machine (EPERM means it exists but is not ours). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function ageMs(path: string): Promise<number | null> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return null;
  }
}
