/**
 * State versions. Metadata and raw state live in two per-stack hashes (version → JSON), in the stack's
 * slot, written by one Lua script (fence + compare-and-set + retention trim, which drops the raw state of
 * versions that fell out of retention). Both are sealed when an encryption key is set: the script never
 * reads them, only the lock record and the version counters.
 * @module
 */
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
  const reply = (await h.redis.eval(WRITE_STATE_VERSION, {
    keys: [keys.lock(stackKey), keys.fence(stackKey), keys.stateCurrent(stackKey), keys.stateVersions(stackKey), keys.stateRaw(stackKey), keys.stateFloor(stackKey)],
    arguments: [
      request.lockId,
      String(request.token),
      String(request.expectedVersion),
      String(request.retention),
      JSON.stringify(sealer.seal(metadata)),
      raw === null ? '' : JSON.stringify(sealer.seal(raw)),
    ],
  })) as [string, number?];
  if (reply[0] !== 'OK') {
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
  // One MULTI on one slot: metadata, raw state and floor are read as of the same instant.
  const [json, rawJson, floor] = (await h.redis
    .multi()
    .hGet(keys.stateVersions(stackKey), field)
    .hGet(keys.stateRaw(stackKey), field)
    .get(keys.stateFloor(stackKey))
    .exec()) as unknown as [string | null, string | null, string | null];
  if (json === null) return null;
  const retained = wanted > Number(floor ?? 0);
  const raw = retained && rawJson !== null ? sealer.open(JSON.parse(rawJson)) : null;
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
