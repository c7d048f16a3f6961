/**
 * The per-stack rows: the lock with its fencing counter (`stacks`), and the state versions
 * (`state_versions`). Every change is one write transaction (`BEGIN IMMEDIATE`), which is what makes lock
 * exclusivity, strictly increasing tokens and the compare-and-set of versions hold across processes:
 * SQLite lets one writer at a time in, and the others wait (busy_timeout) and then see its result.
 * @module
 */
import type { AcquireLockRequest, Lock, StateVersion, WriteStateVersionRequest } from '@iac-orchestrator/core';
import type { Db } from './database.js';
import { checkWrite, grantLock, isLive, newStateVersion, renewedLock, retentionFloor } from './rules.js';
import type { Sealer } from './sealing.js';

interface StackRow {
  last_token: number;
  lock: string | null;
}

interface VersionRow {
  version: number;
  retained: number;
  body: string;
  raw: string | null;
}

export class StackRows {
  private readonly selectStack;
  private readonly upsertStack;
  private readonly selectVersion;
  private readonly selectCurrent;
  private readonly selectCurrentNumber;
  private readonly selectHistory;
  private readonly insertVersion;
  private readonly trim;

  constructor(
    private readonly db: Db,
    private readonly sealer: Sealer,
  ) {
    this.selectStack = db.prepare<[string], StackRow>('SELECT last_token, lock FROM stacks WHERE stack_key = ?');
    this.upsertStack = db.prepare<[string, number, string | null]>(
      `INSERT INTO stacks (stack_key, last_token, lock) VALUES (?, ?, ?)
       ON CONFLICT (stack_key) DO UPDATE SET last_token = excluded.last_token, lock = excluded.lock`,
    );
    this.selectVersion = db.prepare<[string, number], VersionRow>('SELECT version, retained, body, raw FROM state_versions WHERE stack_key = ? AND version = ?');
    this.selectCurrent = db.prepare<[string], VersionRow>(
      'SELECT version, retained, body, raw FROM state_versions WHERE stack_key = ? ORDER BY version DESC LIMIT 1',
    );
    this.selectCurrentNumber = db.prepare<[string], { version: number }>('SELECT MAX(version) AS version FROM state_versions WHERE stack_key = ?');
    this.selectHistory = db.prepare<[string, number], Omit<VersionRow, 'raw'>>(
      'SELECT version, retained, body FROM state_versions WHERE stack_key = ? ORDER BY version DESC LIMIT ?',
    );
    this.insertVersion = db.prepare<[string, number, number, string, string | null]>(
      'INSERT INTO state_versions (stack_key, version, retained, body, raw) VALUES (?, ?, ?, ?, ?)',
    );
    // Past retention a version keeps its metadata and loses its raw state, in the same transaction as the
    // write that pushed it out: no crash can leave the two half done.
    this.trim = db.prepare<[string, number]>('UPDATE state_versions SET retained = 0, raw = NULL WHERE stack_key = ? AND version <= ? AND retained = 1');
  }

  private stack(stackKey: string): { lastToken: number; lock: Lock | null } {
    const row = this.selectStack.get(stackKey);
    return { lastToken: row?.last_token ?? 0, lock: row?.lock ? (JSON.parse(row.lock) as Lock) : null };
  }

  private setLock(stackKey: string, lastToken: number, lock: Lock | null): void {
    this.upsertStack.run(stackKey, lastToken, lock ? JSON.stringify(lock) : null);
  }

  getLock(stackKey: string): Lock | null {
    const { lock } = this.stack(stackKey);
    return isLive(lock) ? lock : null;
  }

  acquire(request: AcquireLockRequest): Lock {
    return this.db
      .transaction(() => {
        const { lock: current, lastToken } = this.stack(request.stackKey);
        const lock = grantLock(request, current, lastToken);
        this.setLock(request.stackKey, lock.token, lock);
        return lock;
      })
      .immediate();
  }

  renew(stackKey: string, lockId: string, ttlMs: number): Lock {
    return this.db
      .transaction(() => {
        const { lock: current, lastToken } = this.stack(stackKey);
        const lock = renewedLock(current, stackKey, lockId, ttlMs);
        this.setLock(stackKey, lastToken, lock);
        return lock;
      })
      .immediate();
  }

  release(stackKey: string, lockId: string): boolean {
    return this.db
      .transaction(() => {
        const { lock, lastToken } = this.stack(stackKey);
        if (!lock || lock.lockId !== lockId) return false;
        this.setLock(stackKey, lastToken, null);
        return isLive(lock);
      })
      .immediate();
  }

  forceRelease(stackKey: string): Lock | null {
    return this.db
      .transaction(() => {
        const { lock, lastToken } = this.stack(stackKey);
        if (!lock) return null;
        this.setLock(stackKey, lastToken, null);
        return isLive(lock) ? lock : null;
      })
      .immediate();
  }

  private version(stackKey: string, row: VersionRow | Omit<VersionRow, 'raw'> | undefined, withRaw: boolean): StateVersion | null {
    if (!row) return null;
    const meta = this.sealer.open<Omit<StateVersion, 'raw' | 'retained'>>(row.body);
    const raw = withRaw && 'raw' in row && row.raw !== null ? this.sealer.open<unknown>(row.raw) : null;
    return { ...meta, stackKey, version: row.version, retained: row.retained === 1, raw };
  }

  getVersion(stackKey: string, version?: number): StateVersion | null {
    const row = version === undefined ? this.selectCurrent.get(stackKey) : this.selectVersion.get(stackKey, version);
    return this.version(stackKey, row, true);
  }

  listVersions(stackKey: string, limit: number): StateVersion[] {
    return this.selectHistory.all(stackKey, limit).map((row) => this.version(stackKey, row, false)!);
  }

  /** Fencing and compare-and-set checks, the new version and the retention trim, in one transaction. */
  write(request: WriteStateVersionRequest): StateVersion {
    return this.db
      .transaction(() => {
        const { lock } = this.stack(request.stackKey);
        const current = this.selectCurrentNumber.get(request.stackKey)?.version ?? 0;
        checkWrite(request, lock, current);
        const written = newStateVersion(request);
        const { raw, retained: _, ...meta } = written;
        this.insertVersion.run(request.stackKey, written.version, 1, this.sealer.seal(meta), raw === null || raw === undefined ? null : this.sealer.seal(raw));
        this.trim.run(request.stackKey, retentionFloor(written.version, request.retention));
        return written;
      })
      .immediate();
  }

  /** Stores a version as it is (the file-store import): number, retention flag and raw state kept. */
  importVersion(v: StateVersion): void {
    const { raw, retained, ...meta } = v;
    this.insertVersion.run(v.stackKey, v.version, retained ? 1 : 0, this.sealer.seal(meta), retained && raw !== null && raw !== undefined ? this.sealer.seal(raw) : null);
  }

  /** Sets a stack's lock row as it is (the file-store import). */
  importLock(stackKey: string, lastToken: number, lock: Lock | null): void {
    this.setLock(stackKey, lastToken, lock);
  }
}
