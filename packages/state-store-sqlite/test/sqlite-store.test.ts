import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryStateStore, type Deployment, type DeploymentStatus, type ListDeploymentsQuery, type StateStore } from '@iac-orchestrator/core';
import { at, makeDeployment } from '../../core/src/testing/store-conformance-fixtures.js';
import { DATABASE_FILE, SqliteStateStore } from '../src/index.js';

const STATUSES: DeploymentStatus[] = ['pending', 'applying', 'completed', 'failed', 'awaiting_approval'];

/** Every page of a listing, following cursors. */
async function allPages(store: StateStore, query: Omit<ListDeploymentsQuery, 'cursor'>): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listDeployments({ ...query, cursor });
    pages.push(page.items.map((d) => d.id));
    cursor = page.nextCursor;
  } while (cursor && pages.length < 1000);
  return pages;
}

describe('SqliteStateStore', () => {
  let dataDir: string;
  let store: SqliteStateStore;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sqlite-store-unit-'));
    store = new SqliteStateStore({ dataDir });
    await store.init();
  });
  afterEach(async () => {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps one database file, readable by its owner only', async () => {
    const mode = (await stat(join(dataDir, DATABASE_FILE))).mode & 0o777;
    expect(mode).toBe(0o600);
  });

  it('pages exactly as the memory store does, for every filter and several statuses (same cursor semantics)', async () => {
    const memory = new MemoryStateStore();
    const made: Deployment[] = [];
    for (let i = 0; i < 120; i++) {
      // Timestamps repeat (i / 3) so that ties are broken by id, and ids are not in time order.
      const id = `d-${String((i * 37) % 120).padStart(3, '0')}`;
      made.push(makeDeployment({ id, blueprintId: `bp-${i % 3}`, environment: i % 2 ? 'prod' : 'dev', status: STATUSES[i % 5], createdAt: at(Math.floor(i / 3)) }));
    }
    for (const d of made) {
      await store.putDeployment(d);
      await memory.putDeployment(d);
    }
    const queries: Omit<ListDeploymentsQuery, 'cursor'>[] = [
      { limit: 7 },
      { limit: 100 },
      { blueprintId: 'bp-1', limit: 6 },
      { environment: 'prod', limit: 9 },
      { status: 'completed', limit: 4 },
      { status: ['pending', 'applying', 'awaiting_approval'], limit: 5 },
      { stackKey: made[4].stackKey, limit: 3 },
      { blueprintId: 'bp-2', environment: 'dev', status: ['failed', 'pending'], limit: 2 },
    ];
    for (const q of queries) expect(await allPages(store, q), JSON.stringify(q)).toEqual(await allPages(memory, q));
    // A cursor from one store reads the same next page in the other.
    const first = await memory.listDeployments({ limit: 10 });
    expect((await store.listDeployments({ limit: 10, cursor: first.nextCursor })).items.map((d) => d.id)).toEqual(
      (await memory.listDeployments({ limit: 10, cursor: first.nextCursor })).items.map((d) => d.id),
    );
  });

  it('reads each list filter from an index in listing order: no table scan, no sort of the matching rows', async () => {
    await store.close();
    const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
    try {
      const plan = (where: string) =>
        db
          .prepare(`EXPLAIN QUERY PLAN SELECT id, created_at, body FROM deployments ${where} ORDER BY created_at DESC, id DESC LIMIT 21`)
          .all()
          .map((r) => (r as { detail: string }).detail)
          .join(' | ');
      for (const where of [
        '',
        "WHERE blueprint_id = 'b'",
        "WHERE environment = 'e'",
        "WHERE status = 's'",
        "WHERE stack_key = 'k'",
        "WHERE blueprint_id = 'b' AND environment = 'e'",
        "WHERE status = 's' AND (created_at, id) < ('t', 'i')",
      ]) {
        const detail = plan(where);
        expect(detail, where).toMatch(/USING (COVERING )?INDEX/);
        expect(detail, where).not.toMatch(/TEMP B-TREE/);
      }
    } finally {
      db.close();
    }
  });

  it('reads a log page from its cursor, and a cursor past the end comes back as the end', async () => {
    const entries = Array.from({ length: 25 }, (_, i) => ({ timestamp: at(i), level: 'info' as const, message: `line ${i}`, resource: null }));
    await store.appendLogs('dep-1', entries.slice(0, 10));
    await store.appendLogs('dep-1', entries.slice(10));
    const page = await store.readLogs('dep-1', { cursor: 8, limit: 5 });
    expect(page.entries.map((e) => e.message)).toEqual(['line 8', 'line 9', 'line 10', 'line 11', 'line 12']);
    expect(page.nextCursor).toBe(13);
    expect(await store.readLogs('dep-1', { cursor: 99 })).toEqual({ entries: [], nextCursor: 25 });
    expect(await store.readLogs('dep-none')).toEqual({ entries: [], nextCursor: 0 });
  });

  it('a failing retention pass does not fail the write that triggered it', async () => {
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    await store.appendAudit({ at: old, who: 'a', action: 'old', stackKey: null, deploymentId: null, detail: {} });
    // A real SQLite failure of the pruning DELETE only (as SQLITE_BUSY would be), from another connection.
    const other = new Database(join(dataDir, DATABASE_FILE));
    other.exec("CREATE TRIGGER refuse_prune BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'prune refused'); END");
    other.close();
    const errors: Error[] = [];
    const pruning = new SqliteStateStore({ dataDir, retentionDays: 30, onPruneError: (e) => errors.push(e) });
    await pruning.appendAudit({ at: new Date().toISOString(), who: 'a', action: 'new', stackKey: null, deploymentId: null, detail: {} });
    await pruning.putDeployment(makeDeployment({ id: 'written', status: 'completed' }));
    await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 10_000 });
    expect(errors[0]!.message).toMatch(/failed/);
    expect((await pruning.listAudit({ limit: 10 })).map((e) => e.action).sort()).toEqual(['new', 'old']);
    expect(await pruning.getDeployment('written')).not.toBeNull();
    await pruning.close();
  });

  it('with retentionDays, removes terminal deployments (logs, plans) and audit entries past it; keeps active ones', async () => {
    // Written without retention (as by an installation that turns it on later), then pruned by one with it.
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const recent = new Date().toISOString();
    const gone = makeDeployment({ id: 'old-done', status: 'completed', createdAt: old });
    const stuck = makeDeployment({ id: 'old-awaiting', status: 'awaiting_approval', createdAt: old });
    const fresh = makeDeployment({ id: 'new-done', status: 'failed', createdAt: recent });
    for (const d of [gone, stuck, fresh]) {
      await store.putDeployment(d);
      await store.appendLogs(d.id, [{ timestamp: d.createdAt, level: 'info', message: d.id, resource: null }]);
      await store.putPlan({ deploymentId: d.id, baseVersion: 0, summary: { add: 0, change: 0, destroy: 0, hasChanges: false, resources: [] }, artifact: {}, createdAt: d.createdAt });
    }
    await store.appendAudit({ at: old, who: 'a', action: 'old', stackKey: null, deploymentId: gone.id, detail: {} });
    await store.appendAudit({ at: recent, who: 'a', action: 'new', stackKey: null, deploymentId: fresh.id, detail: {} });
    expect(await new SqliteStateStore({ dataDir }).pruneExpired()).toEqual({ deployments: 0, auditEntries: 0 });
    const kept = new SqliteStateStore({ dataDir, retentionDays: 30 });
    expect(await kept.pruneExpired()).toEqual({ deployments: 1, auditEntries: 1 });
    expect(await kept.pruneExpired()).toEqual({ deployments: 0, auditEntries: 0 });
    expect(await kept.getDeployment(gone.id)).toBeNull();
    expect((await kept.readLogs(gone.id)).entries).toEqual([]);
    expect(await kept.getPlan(gone.id)).toBeNull();
    expect((await kept.listDeployments({ limit: 10 })).items.map((d) => d.id)).toEqual([fresh.id, stuck.id]);
    expect((await kept.readLogs(stuck.id)).entries).toHaveLength(1);
    expect((await kept.listAudit({ limit: 10 })).map((e) => e.action)).toEqual(['new']);
    // Later, everything terminal is past retention: the active one still stays.
    expect(await kept.pruneExpired(Date.now() + 31 * 86_400_000)).toEqual({ deployments: 1, auditEntries: 1 });
    expect((await kept.listDeployments({ limit: 10 })).items.map((d) => d.id)).toEqual([stuck.id]);
    await kept.close();
  });

  it('refuses a database written by a newer schema instead of misreading it', async () => {
    await store.close();
    const db = new Database(join(dataDir, DATABASE_FILE));
    db.pragma('user_version = 99');
    db.close();
    await expect(new SqliteStateStore({ dataDir }).init()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});
