/**
 * Deployment records: one row each, the filter and sort fields as plain columns (indexed, see database.ts),
 * the record itself as `body` (sealed when a key is set).
 *
 * A listing page is read straight from the index of its most specific filter, in `(created_at, id)` order
 * from the cursor on, `limit + 1` rows: its cost does not grow with the number of stored deployments. A
 * query on several statuses reads one such range per status and merges them, so that every range stays an
 * index read instead of sorting every matching row.
 * @module
 */
import type { Deployment, ListDeploymentsQuery, Page, storeKit } from '@iac-orchestrator/core';
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
import { compareNewestFirst, encodeCursor, normaliseQuery } from './rules.js';
import type { Sealer } from './sealing.js';

type NormalisedQuery = storeKit.NormalisedQuery;

interface Row {
  id: string;
  created_at: string;
  body: string;
}

/**
 * Decides whether `next` may replace `stored` (besides the revision compare); throwing refuses the write.
 * The store passes core's terminal-transition rule here when core has one.
 */
export type TransitionCheck = (stored: Deployment, next: Deployment) => void;

export class DeploymentRows {
  private readonly upsert;
  private readonly selectOne;
  private readonly selectRevision;
  /** Prepared listing queries by SQL text: at most one per combination of filters. */
  private readonly statements = new Map<string, Statement<unknown[], Row>>();

  constructor(
    private readonly db: Db,
    private readonly sealer: Sealer,
  ) {
    this.upsert = db.prepare(
      `INSERT INTO deployments (id, stack_key, blueprint_id, environment, status, created_at, revision, body)
       VALUES (@id, @stackKey, @blueprintId, @environment, @status, @createdAt, @revision, @body)
       ON CONFLICT (id) DO UPDATE SET stack_key = excluded.stack_key, blueprint_id = excluded.blueprint_id,
         environment = excluded.environment, status = excluded.status, created_at = excluded.created_at,
         revision = excluded.revision, body = excluded.body`,
    );
    this.selectOne = db.prepare<[string], { body: string }>('SELECT body FROM deployments WHERE id = ?');
    this.selectRevision = db.prepare<[string], { revision: number; body: string }>('SELECT revision, body FROM deployments WHERE id = ?');
  }

  put(d: Deployment): void {
    this.upsert.run({
      id: d.id,
      stackKey: d.stackKey,
      blueprintId: d.blueprintId ?? '',
      environment: d.environment ?? '',
      status: d.status,
      createdAt: d.createdAt,
      revision: d.revision ?? 0,
      body: this.sealer.seal(d),
    });
  }

  get(id: string): Deployment | null {
    const row = this.selectOne.get(id);
    return row ? this.sealer.open<Deployment>(row.body) : null;
  }

  /** Compare-and-set on `revision`, read and written in one write transaction (atomic across processes). */
  replace(d: Deployment, expectedRevision: number, transition: TransitionCheck | null): boolean {
    return this.db
      .transaction(() => {
        const row = this.selectRevision.get(d.id);
        if (!row || row.revision !== expectedRevision) return false;
        if (transition) transition(this.sealer.open<Deployment>(row.body), d);
        this.put(d);
        return true;
      })
      .immediate();
  }

  list(query: ListDeploymentsQuery): Page<Deployment> {
    const q = normaliseQuery(query);
    const statuses = q.statuses ? [...q.statuses] : [undefined];
    // One index range per status, each at most limit + 1 rows; merged newest first.
    const rows = statuses.flatMap((status) => this.range(q, status));
    rows.sort((a, b) => compareNewestFirst({ createdAt: a.created_at, id: a.id }, { createdAt: b.created_at, id: b.id }));
    const page = rows.slice(0, q.limit);
    const items = page.map((r) => this.sealer.open<Deployment>(r.body));
    const last = page[page.length - 1];
    return { items, nextCursor: rows.length > q.limit && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null };
  }

  private range(q: NormalisedQuery, status: string | undefined): Row[] {
    const where: string[] = [];
    const params: unknown[] = [];
    const eq = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      where.push(`${column} = ?`);
      params.push(value);
    };
    eq('stack_key', q.stackKey);
    eq('blueprint_id', q.blueprintId);
    eq('environment', q.environment);
    eq('status', status);
    if (q.after) {
      // Row-value comparison: SQLite reads it as a range on the index's (created_at, id) tail.
      where.push('(created_at, id) < (?, ?)');
      params.push(q.after.createdAt, q.after.id);
    }
    const sql = `SELECT id, created_at, body FROM deployments ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, id DESC LIMIT ?`;
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.db.prepare<unknown[], Row>(sql)));
    return statement.all(...params, q.limit + 1);
  }
}
