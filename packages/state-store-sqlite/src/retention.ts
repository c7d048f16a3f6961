/**
 * Retention (`retentionDays`): terminal deployments created before the cutoff are removed with their
 * logs and plans, and audit entries written before it, oldest first, in bounded batches, so the database
 * follows the traffic of the retention window rather than the age of the installation. Active deployments,
 * state versions, locks and bundles are never removed.
 * @module
 */
import { TERMINAL_STATUSES } from '@iac-orchestrator/core';
import type { Db } from './database.js';

/** Rows removed per pass and table, so one pass holds the write lock only briefly. */
export const PRUNE_BATCH = 500;

export class Retention {
  private readonly dueDeployments;
  private readonly deleteDeployment;
  private readonly deleteLogs;
  private readonly deletePlans;
  private readonly oldestAudit;
  private readonly deleteAuditUpTo;

  constructor(private readonly db: Db) {
    const statuses = TERMINAL_STATUSES.map((s) => `'${s}'`).join(', ');
    // Read from the status index: one range per terminal status, stopping at the batch size.
    this.dueDeployments = db.prepare<[string, number], { id: string }>(
      `SELECT id FROM deployments WHERE status IN (${statuses}) AND created_at < ? LIMIT ?`,
    );
    this.deleteDeployment = db.prepare<[string]>('DELETE FROM deployments WHERE id = ?');
    this.deleteLogs = db.prepare<[string]>('DELETE FROM logs WHERE deployment_id = ?');
    // The plan slot also holds a deployment's sealed secret variables (ADR 2) under `<id>:variables`.
    this.deletePlans = db.prepare<[string, string]>('DELETE FROM plans WHERE deployment_id IN (?, ?)');
    this.oldestAudit = db.prepare<[number], { seq: number; at: string }>('SELECT seq, at FROM audit ORDER BY seq LIMIT ?');
    this.deleteAuditUpTo = db.prepare<[number]>('DELETE FROM audit WHERE seq <= ?');
  }

  /** One pass: removes what fell out of retention before `cutoff` (an ISO time); returns the counts. */
  prune(cutoff: string): { deployments: number; auditEntries: number } {
    return this.db
      .transaction(() => {
        const due = this.dueDeployments.all(cutoff, PRUNE_BATCH);
        for (const { id } of due) {
          this.deleteDeployment.run(id);
          this.deleteLogs.run(id);
          this.deletePlans.run(id, `${id}:variables`);
        }
        // Audit entries are appended in time order: drop the oldest run that is past the cutoff.
        let last = 0;
        let auditEntries = 0;
        for (const row of this.oldestAudit.all(PRUNE_BATCH)) {
          if (row.at >= cutoff) break;
          last = row.seq;
          auditEntries++;
        }
        if (last > 0) this.deleteAuditUpTo.run(last);
        return { deployments: due.length, auditEntries };
      })
      .immediate();
  }
}
