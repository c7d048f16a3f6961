/**
 * Append-only NDJSON journals of the file store: one per deployment's logs, one for the audit trail.
 * Appends are serialised per file (in process and across processes) so that the torn-tail repair in
 * `appendLines` never cuts a live writer's line; reads need no lock, since a reader only takes
 * complete lines.
 * @module
 */
import { createHash } from 'node:crypto';
import type { AuditEntry, LogEntry } from '../types/domain.js';
import type { LogPage } from '../types/state-store.js';
import { appendLines, readJournal, readLines, type JournalMark } from './file-store-atomic.js';
import type { RecordCodec } from './file-store-codec.js';
import { KeyedQueue, withFileMutex } from './file-store-mutex.js';
import type { StorePaths } from './file-store-paths.js';
import { matchesAudit } from './record-checks.js';

/** Log files whose read position is remembered; a poller then reads only what was appended since. */
const MAX_MARKS = 1000;

export class Journals {
  private readonly queue = new KeyedQueue();
  /** Per log file: how many entries precede `mark`. Valid while the file keeps its inode and grows. */
  private readonly marks = new Map<string, { entries: number; mark: JournalMark }>();

  constructor(
    private readonly paths: StorePaths,
    private readonly codec: RecordCodec,
  ) {}

  private append(file: string, lines: string[]): Promise<void> {
    const name = createHash('sha256').update(file).digest('hex').slice(0, 32);
    return this.queue.run(name, () => withFileMutex(this.paths.mutex(`journal-${name}`), () => appendLines(file, lines)));
  }

  appendLogs(deploymentId: string, entries: LogEntry[]): Promise<void> {
    return this.append(
      this.paths.log(deploymentId),
      entries.map((e) => JSON.stringify(this.codec.encode(e))),
    );
  }

  /** Entries from index `cursor`; the cursor counts complete entries, so it is stable across appends. */
  async readLogs(deploymentId: string, cursor: number, limit: number): Promise<LogPage> {
    const file = this.paths.log(deploymentId);
    const known = this.marks.get(file);
    const from = known && known.entries <= cursor ? known : null;
    const { values, mark, restarted } = await readJournal(file, from?.mark ?? null);
    const base = restarted || !from ? 0 : from.entries;
    const total = base + values.length;
    this.marks.delete(file);
    if (this.marks.size >= MAX_MARKS) this.marks.delete(this.marks.keys().next().value!);
    this.marks.set(file, { entries: total, mark });
    const skip = Math.min(Math.max(cursor - base, 0), values.length);
    const entries = values.slice(skip, skip + limit).map((l) => this.codec.decode<LogEntry>(l));
    return { entries, nextCursor: Math.min(cursor, total) + entries.length };
  }

  appendAudit(entry: AuditEntry): Promise<void> {
    const header = { stackKey: entry.stackKey, deploymentId: entry.deploymentId };
    return this.append(this.paths.auditFile, [JSON.stringify(this.codec.encode(entry, header))]);
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
