/**
 * Opening the database: the file, its pragmas and its schema.
 *
 * One file (`orchestrator.sqlite`) in the data directory, in WAL mode so that readers never wait for a
 * writer and a `kill -9` mid-write leaves the last committed transaction (SQLite's journal replays or drops
 * the torn one on the next open). `synchronous=FULL` fsyncs the WAL at every commit: a committed state
 * version survives a power loss too, as the file store's fsync'd renames did. Processes on one machine
 * share the file; SQLite's own file locks serialise writers, and `busy_timeout` makes a writer wait for
 * another's transaction instead of failing (no hand-made mutex).
 * @module
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DATABASE_FILE } from './options.js';

export type Db = Database.Database;

/** Bumped when the tables change; an older program refuses a newer file instead of misreading it. */
export const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS deployments (
  id TEXT PRIMARY KEY,
  stack_key TEXT NOT NULL,
  blueprint_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revision INTEGER NOT NULL,
  body TEXT NOT NULL
);
-- One index per list filter, each ending in the listing order, so a page is an index range read.
CREATE INDEX IF NOT EXISTS deployments_by_created ON deployments (created_at, id);
CREATE INDEX IF NOT EXISTS deployments_by_blueprint ON deployments (blueprint_id, created_at, id);
CREATE INDEX IF NOT EXISTS deployments_by_blueprint_environment ON deployments (blueprint_id, environment, created_at, id);
CREATE INDEX IF NOT EXISTS deployments_by_environment ON deployments (environment, created_at, id);
CREATE INDEX IF NOT EXISTS deployments_by_status ON deployments (status, created_at, id);
CREATE INDEX IF NOT EXISTS deployments_by_stack ON deployments (stack_key, created_at, id);

CREATE TABLE IF NOT EXISTS logs (
  deployment_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (deployment_id, seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS bundles (digest TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS plans (deployment_id TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;

-- The lease and the fencing counter of a stack, in one row changed in one transaction.
CREATE TABLE IF NOT EXISTS stacks (
  stack_key TEXT PRIMARY KEY,
  last_token INTEGER NOT NULL,
  lock TEXT
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS state_versions (
  stack_key TEXT NOT NULL,
  version INTEGER NOT NULL,
  retained INTEGER NOT NULL,
  body TEXT NOT NULL,
  raw TEXT,
  PRIMARY KEY (stack_key, version)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  stack_key TEXT,
  deployment_id TEXT,
  at TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_stack ON audit (stack_key, seq);
CREATE INDEX IF NOT EXISTS audit_by_deployment ON audit (deployment_id, seq);
`;

/** Opens (creating when missing) the store's database in `dataDir`, ready to use. */
export function openDatabase(dataDir: string, busyTimeoutMs: number): Db {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, DATABASE_FILE);
  // Created 0600 before SQLite opens it (its -wal and -shm files take the same mode): raw state carries
  // secrets even when not encrypted.
  closeSync(openSync(file, 'a', 0o600));
  const db = new Database(file, { timeout: busyTimeoutMs });
  try {
    // Two processes opening a new database at once both switch it to WAL; SQLite may answer SQLITE_BUSY
    // there without calling the busy handler, so the switch is retried within the same budget.
    whileBusy(() => db.pragma('journal_mode = WAL'), busyTimeoutMs);
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = OFF');
    migrate(db);
    // Cheap on open; keeps the planner's statistics fresh enough to pick the most selective index. It reads
    // then writes, so another process's write in between makes SQLite answer SQLITE_BUSY at once (no busy
    // handler for an upgrade): retried, and never a reason to refuse the store (the statistics wait).
    try {
      whileBusy(() => db.pragma('optimize = 0x10002'), Math.min(busyTimeoutMs, 1000));
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_BUSY') throw e;
    }
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

/** Runs `step`, again after a short pause while SQLite answers SQLITE_BUSY, for at most `budgetMs`. */
function whileBusy(step: () => unknown, budgetMs: number): void {
  const deadline = Date.now() + budgetMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      step();
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() + wait > deadline) throw e;
      Atomics.wait(pause, 0, 0, wait); // opening is synchronous: a short blocking pause, as the busy handler does
    }
  }
}

function migrate(db: Db): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`the database has schema version ${version}; this program knows up to ${SCHEMA_VERSION}: upgrade it`);
    }
    if (version === SCHEMA_VERSION) return;
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
