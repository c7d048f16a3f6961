/**
 * Moving a file-store data directory (core's `FileStateStore`, format v1) into a SQLite store.
 *
 * Everything is copied as it is: deployments (with their revision), every log entry in order, bundles,
 * plans, every state version with its number, retention flag and raw state, each stack's lock and fencing
 * counter (so tokens keep growing after the move), and the audit trail in order. Sealed records are opened
 * with the file store's key and sealed again with the SQLite store's (the same key, unless told otherwise).
 *
 * The copy is one transaction: it lands whole or not at all, and the SQLite store must be empty (no
 * deployments, state versions, locks or audit entries), so an import never merges two histories. The file
 * store's records are left in place (its reader may sweep temp files of dead writers, as its `init` does);
 * stop the service using it first, since writes made during the import are not copied.
 * @module
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  Encryption,
  EncryptionError,
  FileStateStore,
  ValidationError,
  type AuditEntry,
  type Bundle,
  type Deployment,
  type Lock,
  type LogEntry,
  type StateVersion,
  type StoredPlan,
} from '@iac-orchestrator/core';
import type { SqliteStateStore } from './store.js';

export interface ImportFileStoreOptions {
  /** The file store's data directory (it holds `format.json`). */
  from: string;
  /** The key the file store was written with, if any. */
  encryptionKey?: string;
}

/** How many records of each kind were copied. */
export interface ImportReport {
  deployments: number;
  logEntries: number;
  bundles: number;
  plans: number;
  stacks: number;
  stateVersions: number;
  auditEntries: number;
  /** Log files with no deployment record (not copied: nothing could list or read them). */
  orphanLogs: number;
}

const FORMAT = { store: 'iac-orchestrator-file-store', v: 1 };

/** Whether `dir` holds a file store (its `format.json`), so a caller can offer the import. */
export async function isFileStoreDir(dir: string): Promise<boolean> {
  const format = await readJson<{ store?: unknown }>(join(dir, 'format.json'));
  return format?.store === FORMAT.store;
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

async function names(dir: string, suffix: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => n.endsWith(suffix)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** Reads the file store's stored forms: a plain record, or a readable header plus the sealed record. */
class FileRecords {
  private readonly encryption: Encryption | null;

  constructor(
    readonly dir: string,
    encryptionKey: string | undefined,
  ) {
    this.encryption = encryptionKey ? Encryption.fromKey(encryptionKey) : null;
  }

  decode<T>(stored: unknown): T {
    const sealed = (stored as { sealed?: unknown } | null)?.sealed;
    if (!Encryption.isSealed(sealed)) return stored as T;
    if (!this.encryption) throw new EncryptionError('The file store is encrypted: give the key it was written with (STATE_ENCRYPTION_KEY)');
    return this.encryption.open(sealed) as T;
  }

  async all<T>(sub: string): Promise<T[]> {
    const out: T[] = [];
    for (const n of await names(join(this.dir, sub), '.json')) {
      const stored = await readJson<unknown>(join(this.dir, sub, n));
      if (stored !== null) out.push(this.decode<T>(stored));
    }
    return out;
  }

  /** The complete lines of a journal, in order; a line torn by a crash (no newline yet) is not one. */
  async journal<T>(path: string): Promise<T[]> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    const out: T[] = [];
    for (const line of complete.split('\n')) {
      if (!line) continue;
      try {
        out.push(this.decode<T>(JSON.parse(line)));
      } catch (e) {
        if (e instanceof EncryptionError) throw e;
        // A line cut and then followed by the next append's repair: skipped, as the file store does.
      }
    }
    return out;
  }
}

/** Every log entry of a deployment, through the file store's own reader (cursor pages). */
async function allLogs(files: FileStateStore, deploymentId: string): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for (let cursor = 0; ; ) {
    const page = await files.readLogs(deploymentId, { cursor, limit: 10_000 });
    out.push(...page.entries);
    if (page.entries.length === 0 || page.nextCursor === cursor) return out;
    cursor = page.nextCursor;
  }
}

/**
 * Copies the file store at `options.from` into `target` (an empty SQLite store) in one transaction.
 * Throws `ValidationError` when `from` is not a file store or `target` is not empty.
 */
export async function importFileStore(target: SqliteStateStore, options: ImportFileStoreOptions): Promise<ImportReport> {
  if (!(await isFileStoreDir(options.from))) throw new ValidationError(`${options.from} is not a file-store data directory (no format.json of the file store)`, 'from');
  const records = new FileRecords(options.from, options.encryptionKey);
  const files = new FileStateStore({ dataDir: options.from, encryptionKey: options.encryptionKey });

  // Everything is read first; the write below is then one short synchronous transaction.
  const deployments = await records.all<Deployment>('deployments');
  const logs = new Map<string, LogEntry[]>();
  for (const d of deployments) logs.set(d.id, await allLogs(files, d.id));
  const bundles = await records.all<Bundle>('bundles');
  const plans = await records.all<StoredPlan>('plans');
  const stacks: { stackKey: string; lastToken: number; lock: Lock | null; versions: StateVersion[] }[] = [];
  for (const hash of await readdir(join(options.from, 'stacks')).catch(() => [] as string[])) {
    const lockFile = await readJson<{ stackKey: string; lastToken: number; lock: Lock | null }>(join(options.from, 'stacks', hash, 'lock.json'));
    const versions = await records.all<StateVersion>(join('stacks', hash, 'versions'));
    const stackKey = lockFile?.stackKey ?? versions[0]?.stackKey;
    if (stackKey) stacks.push({ stackKey, lastToken: lockFile?.lastToken ?? 0, lock: lockFile?.lock ?? null, versions });
  }
  const audit = await records.journal<AuditEntry>(join(options.from, 'audit.ndjson'));
  const orphanLogs = Math.max(0, (await names(join(options.from, 'logs'), '.ndjson')).length - [...logs.values()].filter((l) => l.length > 0).length);

  const { db, deployments: rows, records: recordRows, stacks: stackRows } = target.rows();
  db.transaction(() => {
    const used = db.prepare('SELECT (SELECT COUNT(*) FROM deployments) + (SELECT COUNT(*) FROM state_versions) + (SELECT COUNT(*) FROM stacks) + (SELECT COUNT(*) FROM audit) AS n').get() as { n: number };
    if (used.n > 0) throw new ValidationError('The SQLite store is not empty: an import never merges two histories', 'target');
    for (const d of deployments) rows.put(d);
    for (const [id, entries] of logs) recordRows.appendLogs(id, entries);
    for (const b of bundles) recordRows.putBundle(b);
    for (const p of plans) recordRows.putPlan(p);
    for (const s of stacks) {
      stackRows.importLock(s.stackKey, s.lastToken, s.lock);
      for (const v of s.versions) stackRows.importVersion(v);
    }
    for (const a of audit) recordRows.appendAudit(a);
  }).immediate();

  return {
    deployments: deployments.length,
    logEntries: [...logs.values()].reduce((n, l) => n + l.length, 0),
    bundles: bundles.length,
    plans: plans.length,
    stacks: stacks.length,
    stateVersions: stacks.reduce((n, s) => n + s.versions.length, 0),
    auditEntries: audit.length,
    orphanLogs,
  };
}
