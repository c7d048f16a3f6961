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
 * The state-version write. KEYS: lock, fence, current, versions, rawRefs, floor.
 * ARGV: lockId, token, expectedVersion, retention, version metadata JSON, raw state's record key ('' if
 * none), the Redis key prefix of records (to delete trimmed raw state, which is stored through keyv).
 *
 * Checks, in this order (a fenced-out writer must stop whatever the version): the lock is live and
 * held under lockId with this token, and the token is the stack's current fence; the stack is at
 * expectedVersion. Then writes version expectedVersion + 1 and trims raw state of the versions that
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
  for v = oldFloor + 1, floor do
    local ref = redis.call('HGET', KEYS[5], v)
    if ref then
      redis.call('DEL', ARGV[7] .. ref)
      redis.call('HDEL', KEYS[5], v)
    end
  end
end
return {'OK', version}
`;

/**
 * Compare-and-set of a deployment record together with its index entries.
 * KEYS: the record's Redis key, then `ARGV[4]` index keys to add the record's member to, then index
 * keys to remove it from (the statuses it no longer has).
 * ARGV: SHA-1 (hex) of the stored value the caller read and checked the revision of, the new stored
 * value (keyv's serialized form), the index member, the number of index keys to add to.
 *
 * The record is sealed when a key is set, so the script cannot read its revision; the caller decodes
 * it and the script checks that the stored value is still, byte for byte, the one decoded. There is no
 * separate revision key to drift from the record: whatever wrote the record last (this script,
 * `putDeployment`, an older version of the store), the next compare-and-set reads that record.
 * → 1 when written, 0 when the record is gone or changed since it was read.
 */
export const REPLACE_DEPLOYMENT = `
local stored = redis.call('GET', KEYS[1])
if not stored or redis.sha1hex(stored) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
local adds = tonumber(ARGV[4])
for i = 2, #KEYS do
  if i <= adds + 1 then redis.call('ZADD', KEYS[i], 0, ARGV[3])
  else redis.call('ZREM', KEYS[i], ARGV[3]) end
end
return 1
`;
