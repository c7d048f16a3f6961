/**
 * Deployments: records through keyv, plus sorted-set indexes per filter value so that a listing reads
 * one index range instead of every key.
 *
 * Index members are `createdAt \0 id` with every score 0, so Redis orders them by bytes: exactly the
 * listing's order (createdAt, then id). A page is a reverse lex range starting after the cursor's
 * member, which stays put when newer deployments arrive. The listing re-checks each record it loads,
 * so an index entry left behind (a status that changed, a write cut off between record and index)
 * is skipped rather than shown.
 *
 * `replaceDeployment` is a compare-and-set on the record's `revision`: the record is read and decoded
 * here (it may be sealed), and one Lua script writes the new record and its index entries only if the
 * stored value is still exactly the one read (see `REPLACE_DEPLOYMENT`).
 * @module
 */
import { createHash } from 'node:crypto';
import { DeploymentStatusSchema, type Deployment, type ListDeploymentsQuery, type Page } from '@iac-orchestrator/core';
import type { Handles } from './connection.js';
import { encodeCursor, matchesFilters, normaliseQuery, type SortKey } from './deployment-query.js';
import type { Keys } from './keys.js';
import type { Sealer } from './sealing.js';
import { assertTransition, checkDeployment, checkReplace } from './rules.js';
import { REPLACE_DEPLOYMENT } from './scripts.js';

const SEPARATOR = '\u0000';
const member = (k: SortKey) => `${k.createdAt}${SEPARATOR}${k.id}`;
const parseMember = (m: string): SortKey => {
  const at = m.indexOf(SEPARATOR);
  return { createdAt: m.slice(0, at), id: m.slice(at + 1) };
};

/** Index members read per round trip while filling a page. */
const BATCH = 100;

/** The indexes a deployment belongs in, and the status indexes it must not be in. */
function indexKeys(keys: Keys, d: Deployment): { add: string[]; remove: string[] } {
  const add = [keys.deploymentsAll(), keys.deploymentsByStack(d.stackKey)];
  if (d.blueprintId) add.push(keys.deploymentsByBlueprint(d.blueprintId));
  if (d.environment) add.push(keys.deploymentsByEnvironment(d.environment));
  const remove: string[] = [];
  for (const status of DeploymentStatusSchema.options) (status === d.status ? add : remove).push(keys.deploymentsByStatus(status));
  return { add, remove };
}

export async function putDeployment(h: Handles, keys: Keys, sealer: Sealer, deployment: Deployment): Promise<void> {
  checkDeployment(deployment);
  const m = member(deployment);
  // Record first: an index entry never points at a record that was not written.
  await h.records.set(keys.deployment(deployment.id), sealer.seal(deployment));
  const { add, remove } = indexKeys(keys, deployment);
  const tx = h.redis.multi();
  for (const key of add) tx.zAdd(key, { score: 0, value: m });
  for (const key of remove) tx.zRem(key, m);
  await tx.exec();
}

export async function replaceDeployment(h: Handles, keys: Keys, sealer: Sealer, deployment: Deployment, expectedRevision: number): Promise<boolean> {
  checkReplace(deployment, expectedRevision);
  const recordKey = keys.recordRedisKey(keys.deployment(deployment.id));
  // The stored value as keyv wrote it; its revision is checked here, its bytes again by the script.
  const raw = await h.redis.get(recordKey);
  if (raw === null) return false;
  const stored = (await h.records.deserializeData<unknown>(raw))?.value;
  if (stored === undefined) return false;
  const previous = sealer.open(stored) as Deployment;
  if ((previous.revision ?? 0) !== expectedRevision) return false;
  // Checked on the exact bytes the script compares again, so the rule holds for the write that lands.
  assertTransition(previous, deployment);
  const value = await h.records.serializeData({ value: sealer.seal(deployment), expires: undefined });
  if (typeof value !== 'string') throw new Error('keyv did not serialize the deployment record to a string');
  const { add, remove } = indexKeys(keys, deployment);
  const written = await h.redis.eval(REPLACE_DEPLOYMENT, {
    keys: [recordKey, ...add, ...remove],
    arguments: [createHash('sha1').update(raw, 'utf8').digest('hex'), value, member(deployment), String(add.length)],
  });
  return written === 1;
}

export async function getDeployment(h: Handles, keys: Keys, sealer: Sealer, id: string): Promise<Deployment | null> {
  const stored = await h.records.get(keys.deployment(id));
  return stored === undefined ? null : (sealer.open(stored) as Deployment);
}

export async function listDeployments(h: Handles, keys: Keys, sealer: Sealer, query: ListDeploymentsQuery): Promise<Page<Deployment>> {
  const q = normaliseQuery(query);
  const index = await narrowestIndex(h, keys, q);
  const found: Deployment[] = [];
  let from = q.after ? `(${member(q.after)}` : '+';
  while (found.length <= q.limit) {
    const members = await h.redis.zRange(index, from, '-', { BY: 'LEX', REV: true, LIMIT: { offset: 0, count: BATCH } });
    if (members.length === 0) break;
    const sortKeys = members.map(parseMember);
    const stored = await h.records.getMany(sortKeys.map((k) => keys.deployment(k.id)));
    const records = stored.map((x) => (x === undefined ? undefined : (sealer.open(x) as Deployment)));
    records.forEach((d, i) => {
      if (d && d.createdAt === sortKeys[i].createdAt && matchesFilters(d, q)) found.push(d);
    });
    from = `(${members[members.length - 1]}`;
  }
  const items = found.slice(0, q.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: found.length > q.limit && last ? encodeCursor(last) : null };
}

/** The smallest index that covers the query: every match is in it, the other filters are checked per record. */
async function narrowestIndex(h: Handles, keys: Keys, q: ReturnType<typeof normaliseQuery>): Promise<string> {
  const candidates: string[] = [];
  if (q.stackKey !== undefined) candidates.push(keys.deploymentsByStack(q.stackKey));
  if (q.blueprintId !== undefined) candidates.push(keys.deploymentsByBlueprint(q.blueprintId));
  if (q.environment !== undefined) candidates.push(keys.deploymentsByEnvironment(q.environment));
  if (q.statuses?.size === 1) candidates.push(keys.deploymentsByStatus([...q.statuses][0]));
  if (candidates.length === 0) return keys.deploymentsAll();
  if (candidates.length === 1) return candidates[0];
  const sizes = await Promise.all(candidates.map((k) => h.redis.zCard(k)));
  let best = 0;
  sizes.forEach((n, i) => {
    if (n < sizes[best]) best = i;
  });
  return candidates[best];
}
