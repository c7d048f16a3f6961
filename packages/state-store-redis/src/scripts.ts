/**
 * Lua scripts for what must be atomic across replicas. Redis runs a script without interleaving any
 * other command, so each check-then-write below is one indivisible step.
 *
 * The lock record is stored as JSON under the lock key, with its lease as the key's TTL (`PX`): an
 * expired lease is simply gone. The stack's fencing counter lives in its own key and is `INCR`ed only
 * by a successful acquire, so a refused acquire never invalidates the holder's token.
 * @module
 */

/**
 * KEYS: lock, fence. ARGV: lock JSON (token to be filled in), ttlMs.
 * → `{1, lockJson}` when acquired, `{0, holderJson}` when a live lock is in the way.
 */
export const ACQUIRE_LOCK = `
local held = redis.call('GET', KEYS[1])
if held then return {0, held} end
local lock = cjson.decode(ARGV[1])
lock.token = redis.call('INCR', KEYS[2])
local value = cjson.encode(lock)
redis.call('SET', KEYS[1], value, 'NX', 'PX', ARGV[2])
return {1, value}
`;

/**
 * Compare-and-set of the lease. KEYS: lock. ARGV: lockId, ttlMs, new expiresAt.
 * → the renewed lock JSON, or nil when the lock is no longer held under lockId.
 */
export const RENEW_LOCK = `
local held = redis.call('GET', KEYS[1])
if not held then return false end
local lock = cjson.decode(held)
if lock.lockId ~= ARGV[1] then return false end
lock.expiresAt = ARGV[3]
local value = cjson.encode(lock)
redis.call('SET', KEYS[1], value, 'XX', 'PX', ARGV[2])
return value
`;

/** Compare-and-delete. KEYS: lock. ARGV: lockId. → 1 when released, 0 when it was not ours (or gone). */
export const RELEASE_LOCK = `
local held = redis.call('GET', KEYS[1])
if not held then return 0 end
if cjson.decode(held).lockId ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

/**
 * The state-version write. KEYS: lock, fence, current, versions, raw, floor (one stack, one slot).
 * ARGV: lockId, token, expectedVersion, retention, version metadata JSON, raw state JSON ('' if none).
 *
 * Checks, in this order (a fenced-out writer must stop whatever the version): the lock is live and
 * held under lockId with this token, and the token is the stack's current fence; the stack is at
 * expectedVersion. Then writes version expectedVersion + 1 and drops the raw state of the versions that
 * fell out of retention (their metadata stays as audit trail).
 * → `{'OK', version}`, `{'LOCK_LOST'}` or `{'CONFLICT', currentVersion}`.
 */
export const WRITE_STATE_VERSION = `
local held = redis.call('GET', KEYS[1])
if not held then return {'LOCK_LOST'} end
local lock = cjson.decode(held)
local token = tonumber(ARGV[2])
local fence = tonumber(redis.call('GET', KEYS[2]) or '-1')
if lock.lockId ~= ARGV[1] or lock.token ~= token or fence ~= token then return {'LOCK_LOST'} end
local current = tonumber(redis.call('GET', KEYS[3]) or '0')
if current ~= tonumber(ARGV[3]) then return {'CONFLICT', current} end
local version = current + 1
redis.call('HSET', KEYS[4], version, ARGV[5])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[5], version, ARGV[6]) end
redis.call('SET', KEYS[3], version)
local floor = version - tonumber(ARGV[4])
local oldFloor = tonumber(redis.call('GET', KEYS[6]) or '0')
if floor > oldFloor then
  redis.call('SET', KEYS[6], floor)
  for v = oldFloor + 1, floor do redis.call('HDEL', KEYS[5], v) end
end
return {'OK', version}
`;

/**
 * Writes a deployment record with its header and index entries, as one step.
 * KEYS: record, headers, expiry, then ARGV[8] index keys holding the old member (to remove it from),
 * then the index keys the new member goes in.
 * ARGV: mode ('put' | 'replace'), SHA-1 of the stored value a replace read ('' for put), id, the header
 * the caller read ('' when none), new stored value, new header, old member ('' when none), how many
 * index keys to remove from, new member, expiry time in ms ('' when the deployment is not up for
 * retention).
 *
 * A replace writes only if the stored value is still byte for byte the one whose revision the caller
 * checked (the record may be sealed, so the script cannot read the revision itself). Both modes write only
 * if the header is still the one read, since the caller derived the index keys to clean from it.
 * → 1 written, 0 the record is gone or moved (replace), -1 the header moved (read again and retry).
 */
export const WRITE_DEPLOYMENT = `
if ARGV[1] == 'replace' then
  local stored = redis.call('GET', KEYS[1])
  if not stored or redis.sha1hex(stored) ~= ARGV[2] then return 0 end
end
local header = redis.call('HGET', KEYS[2], ARGV[3]) or ''
if header ~= ARGV[4] then return -1 end
local removes = tonumber(ARGV[8])
for i = 4, 3 + removes do redis.call('ZREM', KEYS[i], ARGV[7]) end
for i = 4 + removes, #KEYS do redis.call('ZADD', KEYS[i], 0, ARGV[9]) end
redis.call('SET', KEYS[1], ARGV[5])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[6])
if ARGV[10] ~= '' then redis.call('ZADD', KEYS[3], ARGV[10], ARGV[3]) else redis.call('ZREM', KEYS[3], ARGV[3]) end
return 1
`;

/**
 * Removes a deployment past retention: record, header, retention entry and index entries.
 * KEYS: record, headers, expiry, then the index keys holding its member. ARGV: id, the header read,
 * member, now (ms). Only if the header is unchanged and the deployment is still due (not written since).
 * → 1 removed, 0 left alone.
 */
export const PRUNE_DEPLOYMENT = `
if (redis.call('HGET', KEYS[2], ARGV[1]) or '') ~= ARGV[2] then return 0 end
local due = redis.call('ZSCORE', KEYS[3], ARGV[1])
if not due or tonumber(due) > tonumber(ARGV[4]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
for i = 4, #KEYS do redis.call('ZREM', KEYS[i], ARGV[3]) end
return 1
`;

/**
 * Appends an audit entry, and with retention drops the oldest entries past it.
 * KEYS: seq, records, all, times, floor, then the per-stack and per-deployment index keys of the entry.
 * ARGV: stored value, now (ms), retention in ms ('' for none), most entries to drop in one call.
 * Per-stack and per-deployment indexes lose entries at or below the floor when appended to, and expire
 * when idle for the retention period, so none of them grows or lingers without bound.
 * → the entry's sequence number.
 */
export const APPEND_AUDIT = `
local seq = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], seq, ARGV[1])
redis.call('ZADD', KEYS[3], seq, seq)
redis.call('ZADD', KEYS[4], ARGV[2], seq)
local floor = tonumber(redis.call('GET', KEYS[5]) or '0')
if ARGV[3] ~= '' then
  local cutoff = tonumber(ARGV[2]) - tonumber(ARGV[3])
  local old = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', cutoff, 'LIMIT', 0, tonumber(ARGV[4]))
  for _, s in ipairs(old) do
    redis.call('HDEL', KEYS[2], s)
    redis.call('ZREM', KEYS[4], s)
    redis.call('ZREM', KEYS[3], s)
    if tonumber(s) > floor then floor = tonumber(s) end
  end
  redis.call('SET', KEYS[5], floor)
end
for i = 6, #KEYS do
  redis.call('ZADD', KEYS[i], seq, seq)
  if ARGV[3] ~= '' then
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', floor)
    redis.call('PEXPIRE', KEYS[i], ARGV[3])
  end
end
return seq
`;
