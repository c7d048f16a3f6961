/**
 * Listing deployments from the indexes, with core's store kit for order, filters and cursors, so listings
 * page exactly like the other stores' (the cursor names the last item's `createdAt` and id).
 *
 * - Statuses alone (one or several, recovery's query): one index range per status, `limit + 1` members
 *   each, merged; every member is a match, so a page costs the same at any history size. The exact set
 *   of active statuses is one range of the active index.
 * - Other filters: the smallest index covering the query, read in batches from the cursor, each record
 *   checked against the remaining filters.
 * @module
 */
import { isTerminal, storeKit, DeploymentStatusSchema, type Deployment, type DeploymentStatus, type ListDeploymentsQuery, type Page } from '@iac-orchestrator/core';
import type { Handles } from './connection.js';
import { member, type DeploymentWriter } from './deployments.js';
import type { Keys } from './keys.js';

export type NormalisedQuery = storeKit.NormalisedQuery;
export type SortKey = storeKit.SortKey;
export const { encodeCursor, decodeCursor, normaliseQuery, matchesQuery: matchesFilters, compareNewestFirst } = storeKit;

const ACTIVE: DeploymentStatus[] = DeploymentStatusSchema.options.filter((s) => !isTerminal(s));

/** Index members read per round trip while filling a page through a covering index. */
const BATCH = 100;

const parseMember = (m: string): SortKey => {
  const at = m.indexOf('\u0000');
  return { createdAt: m.slice(0, at), id: m.slice(at + 1) };
};

const rangeFrom = (q: NormalisedQuery) => (q.after ? `(${member(q.after.createdAt, q.after.id)}` : '+');

async function records(h: Handles, w: DeploymentWriter, ids: string[]): Promise<(Deployment | undefined)[]> {
  if (ids.length === 0) return [];
  const raw = await h.redis.mGet(ids.map((id) => w.keys.deployment(id)));
  return raw.map((r) => (r === null ? undefined : (w.sealer.open(JSON.parse(r)) as Deployment)));
}

export async function listDeployments(h: Handles, w: DeploymentWriter, query: ListDeploymentsQuery): Promise<Page<Deployment>> {
  const q = normaliseQuery(query);
  if (q.statuses && q.blueprintId === undefined && q.environment === undefined && q.stackKey === undefined) return byStatuses(h, w, q);
  const index = await narrowestIndex(h, w.keys, q);
  const found: Deployment[] = [];
  let from = rangeFrom(q);
  // The first read asks for one page (plus one, to know whether there is more): enough whenever the index
  // is exact for the query; later reads, needed only when filters drop records, take larger batches.
  let count = q.limit + 1;
  while (found.length <= q.limit) {
    const members = await h.redis.zRange(index, from, '-', { BY: 'LEX', REV: true, LIMIT: { offset: 0, count } });
    count = BATCH;
    if (members.length === 0) break;
    const sortKeys = members.map(parseMember);
    (await records(h, w, sortKeys.map((k) => k.id))).forEach((d, i) => {
      if (d && d.createdAt === sortKeys[i].createdAt && matchesFilters(d, q)) found.push(d);
    });
    from = `(${members[members.length - 1]}`;
  }
  const items = found.slice(0, q.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: found.length > q.limit && last ? encodeCursor(last) : null };
}

async function byStatuses(h: Handles, w: DeploymentWriter, q: NormalisedQuery): Promise<Page<Deployment>> {
  const statuses = [...q.statuses!];
  const exactlyActive = statuses.length === ACTIVE.length && ACTIVE.every((s) => q.statuses!.has(s));
  const indexes = exactlyActive ? [w.keys.deploymentsActive()] : statuses.map((s) => w.keys.deploymentsByStatus(s));
  const from = rangeFrom(q);
  const ranges = await Promise.all(indexes.map((k) => h.redis.zRange(k, from, '-', { BY: 'LEX', REV: true, LIMIT: { offset: 0, count: q.limit + 1 } })));
  const merged = ranges.flat().map(parseMember).sort(compareNewestFirst);
  const page = merged.slice(0, q.limit);
  // An index entry whose record a concurrent prune just removed is left out of the page.
  const items = (await records(h, w, page.map((k) => k.id))).filter((d): d is Deployment => d !== undefined);
  const last = page[page.length - 1];
  return { items, nextCursor: merged.length > q.limit && last ? encodeCursor(last) : null };
}

/** The smallest index that covers the query: every match is in it, the other filters are checked per record. */
async function narrowestIndex(h: Handles, keys: Keys, q: NormalisedQuery): Promise<string> {
  const candidates: string[] = [];
  if (q.stackKey !== undefined) candidates.push(keys.deploymentsByStack(q.stackKey));
  if (q.blueprintId !== undefined && q.environment !== undefined) candidates.push(keys.deploymentsByBlueprintEnvironment(q.blueprintId, q.environment));
  else if (q.blueprintId !== undefined) candidates.push(keys.deploymentsByBlueprint(q.blueprintId));
  if (q.environment !== undefined && q.blueprintId === undefined) candidates.push(keys.deploymentsByEnvironment(q.environment));
  if (q.statuses?.size === 1) candidates.push(keys.deploymentsByStatus([...q.statuses][0]));
  else if (q.statuses && [...q.statuses].every((s) => !isTerminal(s))) candidates.push(keys.deploymentsActive());
  if (candidates.length === 0) return keys.deploymentsAll();
  if (candidates.length === 1) return candidates[0];
  const sizes = await Promise.all(candidates.map((k) => h.redis.zCard(k)));
  let best = 0;
  sizes.forEach((n, i) => {
    if (n < sizes[best]) best = i;
  });
  return candidates[best];
}
