/**
 * Logs, audit entries, bundles and plans.
 *
 * Logs are rows keyed by (deployment, sequence number from 0): the cursor of `readLogs` is the sequence
 * number of the next entry to read, so a page is one primary-key range, whatever the log's length. An
 * append numbers its entries inside one write transaction, so concurrent appenders never share a number.
 * @module
 */
import type { AuditEntry, Bundle, LogEntry, LogPage, StoredPlan } from '@iac-orchestrator/core';
import type { Db } from './database.js';
import type { Sealer } from './sealing.js';

export class RecordRows {
  private readonly nextSeq;
  private readonly insertLog;
  private readonly selectLogs;
  private readonly insertBundle;
  private readonly selectBundle;
  private readonly upsertPlan;
  private readonly selectPlan;
  private readonly removePlan;
  private readonly insertAudit;

  constructor(
    private readonly db: Db,
    private readonly sealer: Sealer,
  ) {
    this.nextSeq = db.prepare<[string], { next: number }>('SELECT COALESCE(MAX(seq) + 1, 0) AS next FROM logs WHERE deployment_id = ?');
    this.insertLog = db.prepare<[string, number, string]>('INSERT INTO logs (deployment_id, seq, body) VALUES (?, ?, ?)');
    this.selectLogs = db.prepare<[string, number, number], { body: string }>(
      'SELECT body FROM logs WHERE deployment_id = ? AND seq >= ? ORDER BY seq LIMIT ?',
    );
    // Content-addressed: a bundle already stored under its digest is the same bundle.
    this.insertBundle = db.prepare<[string, string]>('INSERT INTO bundles (digest, body) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING');
    this.selectBundle = db.prepare<[string], { body: string }>('SELECT body FROM bundles WHERE digest = ?');
    this.upsertPlan = db.prepare<[string, string]>(
      'INSERT INTO plans (deployment_id, body) VALUES (?, ?) ON CONFLICT (deployment_id) DO UPDATE SET body = excluded.body',
    );
    this.selectPlan = db.prepare<[string], { body: string }>('SELECT body FROM plans WHERE deployment_id = ?');
    this.removePlan = db.prepare<[string]>('DELETE FROM plans WHERE deployment_id = ?');
    this.insertAudit = db.prepare<[string | null, string | null, string, string]>(
      'INSERT INTO audit (stack_key, deployment_id, at, body) VALUES (?, ?, ?, ?)',
    );
  }

  appendLogs(deploymentId: string, entries: LogEntry[]): void {
    if (entries.length === 0) return;
    this.db
      .transaction(() => {
        let seq = this.nextSeq.get(deploymentId)!.next;
        for (const e of entries) this.insertLog.run(deploymentId, seq++, this.sealer.seal(e));
      })
      .immediate();
  }

  readLogs(deploymentId: string, cursor: number, limit: number): LogPage {
    const entries = this.selectLogs.all(deploymentId, cursor, limit).map((r) => this.sealer.open<LogEntry>(r.body));
    if (entries.length > 0) return { entries, nextCursor: cursor + entries.length };
    // Nothing at or after the cursor: a cursor past the end comes back as the end, as in the other stores.
    return { entries, nextCursor: Math.min(cursor, this.nextSeq.get(deploymentId)!.next) };
  }

  putBundle(bundle: Bundle): void {
    this.insertBundle.run(bundle.digest, this.sealer.seal(bundle));
  }

  getBundle(digest: string): Bundle | null {
    const row = this.selectBundle.get(digest);
    return row ? this.sealer.open<Bundle>(row.body) : null;
  }

  putPlan(plan: StoredPlan): void {
    this.upsertPlan.run(plan.deploymentId, this.sealer.seal(plan));
  }

  getPlan(deploymentId: string): StoredPlan | null {
    const row = this.selectPlan.get(deploymentId);
    return row ? this.sealer.open<StoredPlan>(row.body) : null;
  }

  deletePlan(deploymentId: string): void {
    this.removePlan.run(deploymentId);
  }

  appendAudit(entry: AuditEntry): void {
    this.insertAudit.run(entry.stackKey ?? null, entry.deploymentId ?? null, entry.at, this.sealer.seal(entry));
  }

  /** Newest first, from the index of the filter given (both filters: the stack's index, then the deployment). */
  listAudit(query: { stackKey?: string; deploymentId?: string; limit: number }): AuditEntry[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.stackKey !== undefined) {
      where.push('stack_key = ?');
      params.push(query.stackKey);
    }
    if (query.deploymentId !== undefined) {
      where.push('deployment_id = ?');
      params.push(query.deploymentId);
    }
    const sql = `SELECT body FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return this.db
      .prepare<unknown[], { body: string }>(sql)
      .all(...params, query.limit)
      .map((r) => this.sealer.open<AuditEntry>(r.body));
  }
}
