/**
 * Deployments: records, a plain header per record and sorted-set indexes per filter value, all in the
 * `{deployments}` slot (see keys.ts), so that a record and its index entries change in one script.
 *
 * Index members are `createdAt \0 id` with every score 0, so Redis orders them by bytes: exactly the
 * listing's order (createdAt, then id). A page is a reverse lex range starting after the cursor's member,
 * which stays put when newer deployments arrive. The active set indexes every deployment not yet in a
 * terminal status: recovery reads it, and never the history.
 *
 * Retention (`retentionDays`): a terminal deployment is queued in the expiry set at the time it falls out
 * of retention; its log list and plans get the same TTL. `pruneExpired` removes due records with their
 * index entries (see `PRUNE_DEPLOYMENT`). Active deployments are never queued.
 * @module
 */
import { createHash } from 'node:crypto';
import { isTerminal, type Deployment, type DeploymentStatus } from '@iac-orchestrator/core';
import type { Handles } from './connection.js';
import type { Keys } from './keys.js';
import { assertTransition, checkDeployment, checkReplace } from './rules.js';
import { PRUNE_DEPLOYMENT, WRITE_DEPLOYMENT } from './scripts.js';
import type { Sealer } from './sealing.js';

const SEPARATOR = '\u0000';
export const member = (createdAt: string, id: string) => `${createdAt}${SEPARATOR}${id}`;

/** What the indexes need of a deployment, stored in plain beside the (possibly sealed) record. */
interface Header {
  m: string;
  stackKey: string;
  blueprintId?: string;
  environment?: string;
  status: DeploymentStatus;
}

const headerOf = (d: Deployment): Header => ({ m: member(d.createdAt, d.id), stackKey: d.stackKey, blueprintId: d.blueprintId, environment: d.environment, status: d.status });

/** Every index a deployment with this header is in. */
export function indexKeysOf(keys: Keys, h: Header): string[] {
  const out = [keys.deploymentsAll(), keys.deploymentsByStack(h.stackKey), keys.deploymentsByStatus(h.status)];
  if (h.blueprintId) out.push(keys.deploymentsByBlueprint(h.blueprintId));
  if (h.environment) out.push(keys.deploymentsByEnvironment(h.environment));
  if (h.blueprintId && h.environment) out.push(keys.deploymentsByBlueprintEnvironment(h.blueprintId, h.environment));
  if (!isTerminal(h.status)) out.push(keys.deploymentsActive());
  return out;
}

export interface DeploymentWriter {
  keys: Keys;
  sealer: Sealer;
  /** Retention of terminal deployments in ms, or null to keep them. */
  retentionMs: number | null;
}

/** Writes record, header and index entries in one script; retries when another writer moved the header. */
async function write(h: Handles, w: DeploymentWriter, d: Deployment, expected: { sha: string } | null): Promise<boolean> {
  const { keys } = w;
  const header = headerOf(d);
  const value = JSON.stringify(w.sealer.seal(d));
  const terminal = isTerminal(d.status);
  const expiry = w.retentionMs !== null && terminal ? String(Date.now() + w.retentionMs) : '';
  for (let attempt = 0; attempt < 10; attempt++) {
    const oldText = (await h.redis.hGet(keys.deploymentHeaders(), d.id)) ?? '';
    const old = oldText ? (JSON.parse(oldText) as Header) : null;
    const removeFrom = old ? indexKeysOf(keys, old) : [];
    const reply = await h.redis.eval(WRITE_DEPLOYMENT, {
      keys: [keys.deployment(d.id), keys.deploymentHeaders(), keys.deploymentsExpiry(), ...removeFrom, ...indexKeysOf(keys, header)],
      arguments: [expected ? 'replace' : 'put', expected?.sha ?? '', d.id, oldText, value, JSON.stringify(header), old?.m ?? '', String(removeFrom.length), header.m, expiry],
    });
    if (reply === -1) continue;
    if (reply === 1 && expiry) await expireSatellites(h, w, d.id);
    return reply === 1;
  }
  throw new Error(`deployment ${d.id} is being rewritten too often to update its index entries`);
}

/** The log list and plans of a terminal deployment expire with it. */
async function expireSatellites(h: Handles, w: DeploymentWriter, id: string): Promise<void> {
  const ms = w.retentionMs!;
  await Promise.all([
    h.redis.pExpire(w.keys.logs(id), ms),
    h.redis.pExpire(w.keys.recordRedisKey(w.keys.plan(id)), ms),
    // The plan slot also holds a deployment's sealed secret variables (ADR 2) under `<id>:variables`.
    h.redis.pExpire(w.keys.recordRedisKey(w.keys.plan(`${id}:variables`)), ms),
  ]);
}

export async function putDeployment(h: Handles, w: DeploymentWriter, deployment: Deployment): Promise<void> {
  checkDeployment(deployment);
  await write(h, w, deployment, null);
}

/** Compare-and-set on `revision`: the stored value is decoded here, and the script checks it is unchanged. */
export async function replaceDeployment(h: Handles, w: DeploymentWriter, deployment: Deployment, expectedRevision: number): Promise<boolean> {
  checkReplace(deployment, expectedRevision);
  const raw = await h.redis.get(w.keys.deployment(deployment.id));
  if (raw === null) return false;
  const previous = w.sealer.open(JSON.parse(raw)) as Deployment;
  if ((previous.revision ?? 0) !== expectedRevision) return false;
  // Invariant 8, checked on the exact bytes the script compares again, so it holds for the write that lands.
  assertTransition(previous, deployment);
  return write(h, w, deployment, { sha: createHash('sha1').update(raw, 'utf8').digest('hex') });
}

export async function getDeployment(h: Handles, w: DeploymentWriter, id: string): Promise<Deployment | null> {
  const raw = await h.redis.get(w.keys.deployment(id));
  return raw === null ? null : (w.sealer.open(JSON.parse(raw)) as Deployment);
}

/**
 * Removes up to `batch` terminal deployments whose retention ran out (records, headers, index entries).
 * Returns how many were removed.
 */
export async function pruneExpired(h: Handles, w: DeploymentWriter, batch: number, now = Date.now()): Promise<number> {
  const { keys } = w;
  const due = await h.redis.zRangeByScore(keys.deploymentsExpiry(), '-inf', now, { LIMIT: { offset: 0, count: batch } });
  if (due.length === 0) return 0;
  const headers = await h.redis.hmGet(keys.deploymentHeaders(), due);
  let removed = 0;
  for (let i = 0; i < due.length; i++) {
    const text = headers[i];
    const header = text ? (JSON.parse(text) as Header) : null;
    const reply = await h.redis.eval(PRUNE_DEPLOYMENT, {
      keys: [keys.deployment(due[i]), keys.deploymentHeaders(), keys.deploymentsExpiry(), ...(header ? indexKeysOf(keys, header) : [])],
      arguments: [due[i], text ?? '', header?.m ?? '', String(now)],
    });
    removed += reply === 1 ? 1 : 0;
  }
  return removed;
}
