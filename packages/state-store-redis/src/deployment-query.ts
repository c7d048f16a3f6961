/**
 * Validation and cursors of `listDeployments`, the same as core's stores use (core keeps them internal),
 * so cursors and errors look alike whichever store answers.
 * @module
 */
import { DeploymentStatusSchema, ValidationError, type Deployment, type DeploymentStatus, type ListDeploymentsQuery } from '@iac-orchestrator/core';

/** Sort key of a deployment: newest first by `createdAt`, then by id (descending). */
export interface SortKey {
  createdAt: string;
  id: string;
}

/** Names the last item's sort key rather than an offset, so pages do not shift when deployments are added. */
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

/** Whether a stored deployment answers the query's filters (the cursor is applied by the index range). */
export function matchesFilters(d: Deployment, q: NormalisedQuery): boolean {
  if (q.blueprintId !== undefined && d.blueprintId !== q.blueprintId) return false;
  if (q.environment !== undefined && d.environment !== q.environment) return false;
  if (q.stackKey !== undefined && d.stackKey !== q.stackKey) return false;
  if (q.statuses && !q.statuses.has(d.status)) return false;
  return true;
}
