/**
 * Append-only NDJSON journals of the file store: one per deployment's logs (with a sidecar index of
 * line offsets, so a page read costs the same at any depth), one for the audit trail. Appends are
 * serialised per file (in process and across processes) so that the torn-tail repair never cuts a live
 * writer's line; reads need no lock, since a reader only takes complete (indexed) lines.
 * @module
 */
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import type { AuditEntry, LogEntry } from '../types/domain.js';
import type { LogPage } from '../types/state-store.js';
import { appendLines, fsyncDir, readLines } from './file-store-atomic.js';
import type { RecordCodec } from './file-store-codec.js';
import { appendIndexedLines, readIndexedPage, syncLogIndex, type ReadMeter } from './file-store-log-index.js';
import { KeyedQueue, withFileMutex } from './file-store-mutex.js';
import type { StorePaths } from './file-store-paths.js';
import { matchesAudit } from './record-checks.js';

export class Journals {
  private readonly queue = new KeyedQueue();

  /** `meter` is told the bytes each log read takes from disk (tests and the bench measure a page's cost). */
  constructor(
    private readonly paths: StorePaths,
    private readonly codec: RecordCodec,
    private readonly meter?: ReadMeter,
  ) {}

  /** Runs `fn` holding `file`'s lock, in process and across processes. */
  private locked<T>(file: string, fn: () => Promise<T>): Promise<T> {
    const name = createHash('sha256').update(file).digest('hex').slice(0, 32);
    return this.queue.run(name, () => withFileMutex(this.paths.mutex(`journal-${name}`), fn));
  }

  async appendLogs(deploymentId: string, entries: LogEntry[]): Promise<void> {
    const file = this.paths.log(deploymentId);
    const lines = entries.map((e) => JSON.stringify(this.codec.encode(e)));
    const created = await this.locked(file, () => appendIndexedLines(file, this.paths.logIndex(deploymentId), lines));
    if (created) await fsyncDir(dirname(file));
  }

  /**
   * Entries from index `cursor`; the cursor counts complete lines, so it is stable across appends. Reads
   * only the page's index entries and bytes; takes the log's lock only when lines past the index may
   * exist (a log from before the index, a crash's leftovers, or a writer between its two writes).
   */
  async readLogs(deploymentId: string, cursor: number, limit: number): Promise<LogPage> {
    const file = this.paths.log(deploymentId);
    const index = this.paths.logIndex(deploymentId);
    let page = await readIndexedPage(file, index, cursor, limit, this.meter);
    if (page.stale) {
      await this.locked(file, () => syncLogIndex(file, index));
      page = await readIndexedPage(file, index, cursor, limit, this.meter);
    }
    const entries: LogEntry[] = [];
    for (const line of page.lines) {
      let stored: unknown;
      try {
        stored = JSON.parse(line);
      } catch {
        continue; // not a complete record: skipped, as whole-file reads always did
      }
      entries.push(this.codec.decode<LogEntry>(stored));
    }
    return { entries, nextCursor: Math.min(cursor, page.total) + page.lines.length };
  }

  appendAudit(entry: AuditEntry): Promise<void> {
    const header = { stackKey: entry.stackKey, deploymentId: entry.deploymentId };
    return this.locked(this.paths.auditFile, () => appendLines(this.paths.auditFile, [JSON.stringify(this.codec.encode(entry, header))]));
  }

  /** Newest first; filters on the plain header, so only the returned entries are decrypted. */
  async listAudit(query: { stackKey?: string; deploymentId?: string; limit: number }): Promise<AuditEntry[]> {
    const lines = await readLines(this.paths.auditFile);
    const out: AuditEntry[] = [];
    for (let i = lines.length - 1; i >= 0 && out.length < query.limit; i--) {
      if (matchesAudit(this.codec.header<AuditEntry>(lines[i]), query)) out.push(this.codec.decode<AuditEntry>(lines[i]));
    }
    return out;
  }
}
