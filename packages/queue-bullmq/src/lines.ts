/**
 * The groups' lines, kept beside BullMQ in Redis: open-source BullMQ has no per-group concurrency, so
 * only the head of each group's line is ever handed to BullMQ, and the next one is promoted when the head
 * ends. Every step is one Lua script, so two processes can never both promote, start or release a job.
 *
 * Keys (under `<prefix>:<queue>:iac:`): `job:<id>` a hash per queued job (`job` JSON, `state`
 * queued|ready|delayed|active|stalled, `bull` the BullMQ id of its current delivery, `attempt`, `group`,
 * `cancel`), `line:<group>` the group's ids in arrival order (first = running or next), `groups` the
 * groups with a line, `seq` the delivery counter. A BullMQ job whose `bull` no longer matches the hash is
 * a stale delivery and does nothing, which makes every re-add idempotent.
 */
import type { Redis } from 'ioredis';

const HELPERS = `
local function promote(prefix, id)
  local key = prefix .. 'job:' .. id
  if redis.call('EXISTS', key) == 0 then return false end
  local bull = redis.call('HGET', key, 'enc') .. '.' .. redis.call('INCR', prefix .. 'seq')
  redis.call('HSET', key, 'state', 'ready', 'bull', bull, 'kind', 'run')
  return bull
end
local function leave_line(prefix, id, group)
  local line = prefix .. 'line:' .. group
  local was_head = redis.call('LINDEX', line, 0) == id
  redis.call('LREM', line, 1, id)
  if redis.call('LLEN', line) == 0 then
    redis.call('SREM', prefix .. 'groups', group)
    return {}
  end
  if not was_head then return {} end
  local next_id = redis.call('LINDEX', line, 0)
  if redis.call('HGET', prefix .. 'job:' .. next_id, 'state') ~= 'queued' then return {} end
  return {next_id, promote(prefix, next_id)}
end
local function join_line(prefix, id, group)
  local line = prefix .. 'line:' .. group
  redis.call('RPUSH', line, id)
  redis.call('SADD', prefix .. 'groups', group)
  if redis.call('LLEN', line) == 1 then return promote(prefix, id) end
  redis.call('HSET', prefix .. 'job:' .. id, 'state', 'queued')
  return false
end
local function current(prefix, id, bull)
  local key = prefix .. 'job:' .. id
  return redis.call('HGET', key, 'bull') == bull
end
`;

/** ARGV: prefix, id, job JSON, group ('' = none), grouped 0|1, delayMs, enc, BullMQ job key prefix, now,
 * rerun-if-active 0|1. */
const ENQUEUE = `
local prefix, id, json, group, grouped, delay, enc, bull_keys, now, rerun = unpack(ARGV)
local key = prefix .. 'job:' .. id
if redis.call('EXISTS', key) == 1 then
  local state = redis.call('HGET', key, 'state')
  if state == 'active' and rerun == '1' and redis.call('HGET', key, 'cancel') ~= '1' then
    redis.call('HSET', key, 'rerun', '1')
  end
  local bull = redis.call('HGET', key, 'bull')
  -- A caller that died between this script and its BullMQ add left a job nobody will run: add it again.
  if (state == 'ready' or state == 'delayed') and redis.call('EXISTS', bull_keys .. bull) == 0 then
    local due = tonumber(redis.call('HGET', key, 'due') or now)
    return {'add', bull, redis.call('HGET', key, 'kind'), math.max(0, due - tonumber(now))}
  end
  return {'exists'}
end
local bull = enc .. '.' .. redis.call('INCR', prefix .. 'seq')
redis.call('HSET', key, 'job', json, 'enc', enc, 'attempt', 1, 'bull', bull, 'due', tonumber(now) + tonumber(delay))
if grouped == '1' then redis.call('HSET', key, 'group', group) end
if tonumber(delay) > 0 then
  local kind = 'run'
  if grouped == '1' then kind = 'join' end
  redis.call('HSET', key, 'state', 'delayed', 'kind', kind)
  return {'add', bull, kind, tonumber(delay)}
end
if grouped == '0' then
  redis.call('HSET', key, 'state', 'ready', 'kind', 'run')
  return {'add', bull, 'run', 0}
end
local head = join_line(prefix, id, group)
if head then return {'add', head, 'run', 0} end
return {'queued'}
`;

/** A delayed job of a group is due: it joins the end of its line. ARGV: prefix, id, bull. */
const JOIN = `
local prefix, id, bull = unpack(ARGV)
local key = prefix .. 'job:' .. id
if not current(prefix, id, bull) or redis.call('HGET', key, 'state') ~= 'delayed' then return {'gone'} end
if redis.call('HGET', key, 'cancel') == '1' then
  redis.call('DEL', key)
  return {'gone'}
end
local head = join_line(prefix, id, redis.call('HGET', key, 'group'))
if head then return {'add', head} end
return {'queued'}
`;

/** A delivery reaches a runner. ARGV: prefix, id, bull, now. */
const START = `
local prefix, id, bull, now = unpack(ARGV)
local key = prefix .. 'job:' .. id
if not current(prefix, id, bull) then return {'gone'} end
if redis.call('HGET', key, 'cancel') == '1' then return {'cancelled'} end
local state = redis.call('HGET', key, 'state')
if state == 'stalled' then return {'gone'} end
local job, attempt = redis.call('HGET', key, 'job'), redis.call('HGET', key, 'attempt')
-- Delivered again while marked running: its runner is gone (BullMQ's lock lapsed). Never run it twice.
if state == 'active' then
  redis.call('HSET', key, 'state', 'stalled', 'stalled_at', now)
  return {'stalled', job, attempt}
end
redis.call('HSET', key, 'state', 'active')
return {'run', job, attempt}
`;

/** A job ends (done, failed, cancelled, or dropped after a stall): its group moves on; a job asked for
 * again while it ran joins the end of its line. ARGV: prefix, id, bull. Returns id, bull pairs to add. */
const RELEASE = `
local prefix, id, bull = unpack(ARGV)
local key = prefix .. 'job:' .. id
if not current(prefix, id, bull) then return {} end
local group = redis.call('HGET', key, 'group')
local rerun = redis.call('HGET', key, 'rerun') == '1'
local adds = {}
if group then adds = leave_line(prefix, id, group) end
if not rerun then
  redis.call('DEL', key)
  return adds
end
redis.call('HDEL', key, 'rerun', 'cancel')
redis.call('HSET', key, 'attempt', 1)
local again = false
if group then again = join_line(prefix, id, group) else again = promote(prefix, id) end
if again then
  table.insert(adds, id)
  table.insert(adds, again)
end
return adds
`;

/** BullMQ failed a delivery whose runner disappeared. ARGV: prefix, id, bull, now. */
const STALL = `
local prefix, id, bull, now = unpack(ARGV)
local key = prefix .. 'job:' .. id
if not current(prefix, id, bull) then return {'gone'} end
local state = redis.call('HGET', key, 'state')
if state == 'delayed' and redis.call('HGET', key, 'kind') == 'join' then return {'join'} end
-- Taken but never started: nothing ran, so a fresh delivery is safe.
if state == 'ready' or state == 'delayed' then return {'add', promote(prefix, id)} end
if state ~= 'active' then return {'gone'} end
redis.call('HSET', key, 'state', 'stalled', 'stalled_at', now)
return {'stalled', redis.call('HGET', key, 'job'), redis.call('HGET', key, 'attempt')}
`;

/** onStalled answered 'retry': the same job again, still first in its line. ARGV: prefix, id. */
const RETRY = `
local prefix, id = unpack(ARGV)
local key = prefix .. 'job:' .. id
if redis.call('HGET', key, 'state') ~= 'stalled' then return {'gone'} end
redis.call('HINCRBY', key, 'attempt', 1)
return {'add', promote(prefix, id)}
`;

/** ARGV: prefix, id. */
const CANCEL = `
local prefix, id = unpack(ARGV)
local key = prefix .. 'job:' .. id
if redis.call('EXISTS', key) == 0 then return {'none'} end
local state = redis.call('HGET', key, 'state')
if state == 'queued' then
  local group = redis.call('HGET', key, 'group')
  redis.call('DEL', key)
  leave_line(prefix, id, group)
  return {'removed'}
end
redis.call('HSET', key, 'cancel', '1')
redis.call('HDEL', key, 'rerun')
return {state, redis.call('HGET', key, 'bull')}
`;

/** ARGV: prefix, id → state, group position (-1 = none). */
const POSITION = `
local prefix, id = unpack(ARGV)
local key = prefix .. 'job:' .. id
local state = redis.call('HGET', key, 'state')
if not state then return {'none'} end
local group = redis.call('HGET', key, 'group')
local position = -1
if group and state ~= 'delayed' then
  position = redis.call('LPOS', prefix .. 'line:' .. group, id) or -1
end
return {state, position}
`;

/** Line heads left behind by a dead process: ready but missing from BullMQ (it died between a promotion
 * and its add), or stalled and never decided on (it died inside onStalled; claimed again here so that one
 * live process reports it anew). ARGV: prefix, BullMQ job key prefix, now, stalled-undecided age.
 * Returns quads: id, bull, what ('add' | 'stalled'), job JSON, attempt. */
const ORPHANS = `
local prefix, bull_keys, now, stale_ms = unpack(ARGV)
local found = {}
for _, group in ipairs(redis.call('SMEMBERS', prefix .. 'groups')) do
  local head = redis.call('LINDEX', prefix .. 'line:' .. group, 0)
  if head then
    local key = prefix .. 'job:' .. head
    local state = redis.call('HGET', key, 'state')
    local bull = redis.call('HGET', key, 'bull')
    if state == 'ready' and bull and redis.call('EXISTS', bull_keys .. bull) == 0 then
      for _, v in ipairs({head, bull, 'add', '', 0}) do table.insert(found, v) end
    elseif state == 'stalled' and tonumber(redis.call('HGET', key, 'stalled_at') or 0) < tonumber(now) - tonumber(stale_ms) then
      redis.call('HSET', key, 'stalled_at', now)
      for _, v in ipairs({head, bull, 'stalled', redis.call('HGET', key, 'job'), redis.call('HGET', key, 'attempt')}) do table.insert(found, v) end
    end
  end
end
return found
`;

export const SCRIPTS = { ENQUEUE, JOIN, START, RELEASE, STALL, RETRY, CANCEL, POSITION, ORPHANS } as const;
export type ScriptName = keyof typeof SCRIPTS;

/** Registers the scripts on a client (ioredis then runs them by EVALSHA, loading them once). */
export function defineLineScripts(redis: Redis): void {
  for (const [name, body] of Object.entries(SCRIPTS)) {
    redis.defineCommand(`iacLines${name}`, { numberOfKeys: 0, lua: HELPERS + body });
  }
}

/** Runs one script; its reply is a flat array of strings (numbers come back as numbers). */
export async function runLineScript(redis: Redis, name: ScriptName, args: (string | number)[]): Promise<(string | number)[]> {
  const command = (redis as unknown as Record<string, (...a: (string | number)[]) => Promise<(string | number)[]>>)[`iacLines${name}`];
  if (!command) throw new Error(`line script ${name} is not defined on this client`);
  return command.apply(redis, args);
}
