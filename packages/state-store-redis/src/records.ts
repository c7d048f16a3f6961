/**
 * Logs, bundles, plans and audit entries.
 * - Logs: one append-only Redis list per deployment; the cursor is the list index, so `RPUSH` never
 *   reorders what a reader already saw.
 * - Bundles and plans: keyv records.
 * - Audit: entries in one hash numbered by `INCR`, indexed by sorted sets (score = number) per stack and
 *   per deployment, so "newest first" is exact even when replicas append at once; all in the `{audit}`
 *   slot, appended (and, with retention, trimmed oldest first) by one script.
 * @module
 */
import type { AuditEntry, Bundle, LogEntry, LogPage, StoredPlan } from '@iac-orchestrator/core';
import type { Handles } from './connection.js';
import type { Keys } from './keys.js';
import { checkAudit, checkAuditQuery, checkBundle, checkLogEntries, checkPlan, logWindow, requireString } from './rules.js';
import { APPEND_AUDIT } from './scripts.js';
import type { Sealer } from './sealing.js';

export async function appendLogs(h: Handles, keys: Keys, sealer: Sealer, deploymentId: string, entries: LogEntry[]): Promise<void> {
  checkLogEntries(deploymentId, entries);
  if (entries.length === 0) return;
  await h.redis.rPush(
    keys.logs(deploymentId),
    entries.map((e) => JSON.stringify(sealer.seal(e))),
  );
}

export async function readLogs(h: Handles, keys: Keys, sealer: Sealer, deploymentId: string, options?: { cursor?: number; limit?: number }): Promise<LogPage> {
  requireString(deploymentId, 'deploymentId');
  const { cursor, limit } = logWindow(options);
  const [list, length] = (await h.redis
    .multi()
    .lRange(keys.logs(deploymentId), cursor, cursor + limit - 1)
    .lLen(keys.logs(deploymentId))
    .exec()) as unknown as [string[], number];
  const entries = list.map((json) => sealer.open(JSON.parse(json)) as LogEntry);
  return { entries, nextCursor: Math.min(cursor, length) + entries.length };
}

export async function putBundle(h: Handles, keys: Keys, sealer: Sealer, bundle: Bundle): Promise<void> {
  checkBundle(bundle);
  await h.records.set(keys.bundle(bundle.digest), sealer.seal(bundle));
}

export async function getBundle(h: Handles, keys: Keys, sealer: Sealer, digest: string): Promise<Bundle | null> {
  requireString(digest, 'digest');
  const stored = await h.records.get(keys.bundle(digest));
  return stored === undefined ? null : (sealer.open(stored) as Bundle);
}

export async function putPlan(h: Handles, keys: Keys, sealer: Sealer, plan: StoredPlan): Promise<void> {
  checkPlan(plan);
  await h.records.set(keys.plan(plan.deploymentId), sealer.seal(plan));
}

export async function getPlan(h: Handles, keys: Keys, sealer: Sealer, deploymentId: string): Promise<StoredPlan | null> {
  requireString(deploymentId, 'deploymentId');
  const stored = await h.records.get(keys.plan(deploymentId));
  return stored === undefined ? null : (sealer.open(stored) as StoredPlan);
}

export async function deletePlan(h: Handles, keys: Keys, deploymentId: string): Promise<void> {
  requireString(deploymentId, 'deploymentId');
  await h.records.delete(keys.plan(deploymentId));
}

export async function appendAudit(h: Handles, keys: Keys, sealer: Sealer, entry: AuditEntry, retentionMs: number | null, pruneBatch: number): Promise<void> {
  checkAudit(entry);
  const indexes: string[] = [];
  if (entry.stackKey != null) indexes.push(keys.auditByStack(entry.stackKey));
  if (entry.deploymentId != null) indexes.push(keys.auditByDeployment(entry.deploymentId));
  await h.redis.eval(APPEND_AUDIT, {
    keys: [keys.auditSeq(), keys.auditRecords(), keys.auditAll(), keys.auditTimes(), keys.auditFloor(), ...indexes],
    arguments: [JSON.stringify(sealer.seal(entry)), String(Date.now()), retentionMs === null ? '' : String(retentionMs), String(pruneBatch)],
  });
}

/** Index entries read per round trip while filling a page. */
const AUDIT_BATCH = 200;

export async function listAudit(h: Handles, keys: Keys, sealer: Sealer, query: { stackKey?: string; deploymentId?: string; limit: number }): Promise<AuditEntry[]> {
  checkAuditQuery(query);
  const index =
    query.deploymentId !== undefined
      ? keys.auditByDeployment(query.deploymentId)
      : query.stackKey !== undefined
        ? keys.auditByStack(query.stackKey)
        : keys.auditAll();
  const out: AuditEntry[] = [];
  let from = '+inf';
  while (out.length < query.limit) {
    const seqs = await h.redis.zRange(index, from, '-inf', { BY: 'SCORE', REV: true, LIMIT: { offset: 0, count: AUDIT_BATCH } });
    if (seqs.length === 0) break;
    const stored = await h.redis.hmGet(keys.auditRecords(), seqs);
    for (const json of stored) {
      // Missing: trimmed past retention since the index was read.
      if (json === null || out.length >= query.limit) continue;
      const e = sealer.open(JSON.parse(json)) as AuditEntry;
      if (query.stackKey !== undefined && e.stackKey !== query.stackKey) continue;
      if (query.deploymentId !== undefined && e.deploymentId !== query.deploymentId) continue;
      out.push(e);
    }
    from = `(${seqs[seqs.length - 1]}`;
  }
  return out;
}
