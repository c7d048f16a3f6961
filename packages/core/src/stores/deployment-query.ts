/**
 * Filtering, ordering and cursor paging of `listDeployments`, shared by the stores that list in process.
 * @module
 */
import { ValidationError } from '../errors.js';
import { DeploymentStatusSchema, type Deployment, type DeploymentStatus } from '../types/domain.js';
import type { ListDeploymentsQuery, Page } from '../types/state-store.js';

/** Sort key of a deployment: newest first by `createdAt`, then by id (descending), so ties are stable. */
export interface SortKey {
  createdAt: string;
  id: string;
}

/** Negative when `a` comes before `b` in the listing (newer first). */
export function compareNewestFirst(a: SortKey, b: SortKey): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  if (a.id !== b.id) return a.id < b.id ? 1 : -1;
  return 0;
}

/**
 * The cursor names the last item's sort key rather than an offset, so a page boundary does not shift
 * when newer deployments are inserted between two reads.
 */
export function encodeCursor(key: SortKey): string {
  return Buffer.from(JSON.stringify([key.createdAt, key.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): SortKey {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      return { createdAt: parsed[0], id: parsed[1] };
    }
  } catch {
    /* reported below */
  }
  throw new ValidationError('Invalid cursor', 'cursor');
}

export interface NormalisedQuery {
  blueprintId?: string;
  environment?: string;
  statuses?: Set<DeploymentStatus>;
  stackKey?: string;
  limit: number;
  after: SortKey | null;
}

/** Validates a listing query; bad input is a `ValidationError` naming the field. */
export function normaliseQuery(query: ListDeploymentsQuery): NormalisedQuery {
  if (!query || typeof query !== 'object') throw new ValidationError('query must be an object', 'query');
  const { limit } = query;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new ValidationError('limit must be an integer between 1 and 100', 'limit');
  }
  let statuses: Set<DeploymentStatus> | undefined;
  if (query.status !== undefined) {
    const list = Array.isArray(query.status) ? query.status : [query.status];
    for (const s of list) {
      if (!DeploymentStatusSchema.safeParse(s).success) throw new ValidationError(`Invalid status "${String(s)}"`, 'status');
    }
    statuses = new Set(list);
  }
  return {
    blueprintId: query.blueprintId,
    environment: query.environment,
    stackKey: query.stackKey,
    statuses,
    limit,
    after: query.cursor ? decodeCursor(query.cursor) : null,
  };
}

export function matchesQuery(d: Deployment, q: NormalisedQuery): boolean {
  if (q.blueprintId !== undefined && d.blueprintId !== q.blueprintId) return false;
  if (q.environment !== undefined && d.environment !== q.environment) return false;
  if (q.stackKey !== undefined && d.stackKey !== q.stackKey) return false;
  if (q.statuses && !q.statuses.has(d.status)) return false;
  if (q.after && compareNewestFirst(d, q.after) <= 0) return false;
  return true;
}

/** One page of `deployments` (any order) under the query. */
export function pageOf(deployments: Iterable<Deployment>, query: ListDeploymentsQuery): Page<Deployment> {
  const q = normaliseQuery(query);
  const matching: Deployment[] = [];
  for (const d of deployments) if (matchesQuery(d, q)) matching.push(d);
  matching.sort(compareNewestFirst);
  const items = matching.slice(0, q.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: matching.length > q.limit && last ? encodeCursor(last) : null };
}
