/**
 * State versions. Metadata lives in a per-stack hash written by one Lua script (fence + compare-and-set
 * + retention trim); raw state is a keyv record the script links to the version (and deletes once the
 * version falls out of retention). Both are sealed when an encryption key is set: the script never
 * reads them, only the lock record and the version counters.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, LockLostError, type StateVersion, type WriteStateVersionRequest } from '@iac-orchestrator/core';
import type { Handles } from './connection.js';
import type { Keys } from './keys.js';
import { MAX_LIST, requireInt, requireString, validateWrite } from './rules.js';
import { WRITE_STATE_VERSION } from './scripts.js';
import type { Sealer } from './sealing.js';

type Metadata = Omit<StateVersion, 'raw' | 'retained'>;

const readMetadata = (sealer: Sealer, json: string): Metadata => sealer.open(JSON.parse(json)) as Metadata;

export async function writeStateVersion(h: Handles, keys: Keys, sealer: Sealer, request: WriteStateVersionRequest): Promise<StateVersion> {
  validateWrite(request);
  const { stackKey } = request;
  const { raw: givenRaw, ...rest } = request.version;
  const raw = givenRaw ?? null;
  const metadata: Metadata = { ...structuredClone(rest), stackKey, version: request.expectedVersion + 1, createdAt: new Date().toISOString() };
  // The raw body goes in first under a key unique to this attempt; the script links it only if the write wins.
  const rawKey = raw === null ? '' : keys.stateRaw(stackKey, metadata.version, randomUUID());
  if (rawKey) await h.records.set(rawKey, sealer.seal(raw));
  const reply = (await h.redis.eval(WRITE_STATE_VERSION, {
    keys: [keys.lock(stackKey), keys.fence(stackKey), keys.stateCurrent(stackKey), keys.stateVersions(stackKey), keys.stateRawRefs(stackKey), keys.stateFloor(stackKey)],
    arguments: [
      request.lockId,
      String(request.token),
      String(request.expectedVersion),
      String(request.retention),
      JSON.stringify(sealer.seal(metadata)),
      rawKey,
      keys.recordRedisKey(''),
    ],
  })) as [string, number?];
  if (reply[0] !== 'OK') {
    // Refused for sure, so the body is an orphan. (On a lost reply the outcome is unknown: keep it.)
    if (rawKey) await h.records.delete(rawKey);
    if (reply[0] === 'CONFLICT') {
      const currentVersion = Number(reply[1]);
      throw new ConflictError(`State of stack ${stackKey} moved: expected version ${request.expectedVersion}, current is ${currentVersion}`, {
        stackKey,
        expectedVersion: request.expectedVersion,
        currentVersion,
      });
    }
    throw new LockLostError(`Lock ${request.lockId} on stack ${stackKey} is no longer held (lease expired, released or taken over)`, {
      stackKey,
      lockId: request.lockId,
    });
  }
  return { ...metadata, raw: structuredClone(raw), retained: true } as StateVersion;
}

export async function getStateVersion(h: Handles, keys: Keys, sealer: Sealer, stackKey: string, version?: number): Promise<StateVersion | null> {
  requireString(stackKey, 'stackKey');
  let wanted = version;
  if (wanted === undefined) {
    wanted = Number((await h.redis.get(keys.stateCurrent(stackKey))) ?? 0);
    if (wanted === 0) return null;
  } else {
    requireInt(wanted, 'version', 1);
  }
  const field = String(wanted);
  const [json, rawKey, floor] = (await h.redis
    .multi()
    .hGet(keys.stateVersions(stackKey), field)
    .hGet(keys.stateRawRefs(stackKey), field)
    .get(keys.stateFloor(stackKey))
    .exec()) as unknown as [string | null, string | null, string | null];
  if (json === null) return null;
  const retained = wanted > Number(floor ?? 0);
  let raw: unknown = null;
  if (retained && rawKey) {
    const stored = await h.records.get(rawKey);
    // Gone only if a newer write trimmed it between the two reads: report it as trimmed.
    if (stored === undefined) return { ...readMetadata(sealer, json), raw: null, retained: false };
    raw = sealer.open(stored);
  }
  return { ...readMetadata(sealer, json), raw, retained };
}

export async function listStateVersions(h: Handles, keys: Keys, sealer: Sealer, stackKey: string, options: { limit: number }): Promise<StateVersion[]> {
  requireString(stackKey, 'stackKey');
  const limit = requireInt(options?.limit, 'limit', 1, MAX_LIST);
  const [current, floor] = (await h.redis.multi().get(keys.stateCurrent(stackKey)).get(keys.stateFloor(stackKey)).exec()) as unknown as [
    string | null,
    string | null,
  ];
  const newest = Number(current ?? 0);
  if (newest === 0) return [];
  const fields: string[] = [];
  for (let v = newest; v >= 1 && fields.length < limit; v--) fields.push(String(v));
  const found = await h.redis.hmGet(keys.stateVersions(stackKey), fields);
  const versions: StateVersion[] = [];
  for (const json of found) {
    if (json === null) continue;
    const meta = readMetadata(sealer, json);
    versions.push({ ...meta, raw: null, retained: meta.version > Number(floor ?? 0) });
  }
  return versions;
}
