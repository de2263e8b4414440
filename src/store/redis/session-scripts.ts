/**
 * The Lua scripts of the Redis session store: each step that reads and writes several keys
 * runs as one script, so that processes serving sessions at once never see half a change.
 *
 * Keys: `<p>:session:<id>` (the record, as JSON, expiring after the idle timeout),
 * `<p>:sessions` (every session id, scored by last use) and `<p>:client:<client>` (the ids of
 * one client's sessions, scored the same way, expiring with its last session). A score older
 * than the idle timeout means the record has expired: every step that refreshes a record's
 * expiry also refreshes its scores. A record that cannot be read (not JSON, no client) is
 * taken as gone: no script fails on it.
 */
import { DECODED } from './lua-decode.ts';

/** The client a record counts against, or nil. */
const CLIENT_OF = `
${DECODED}
local function clientOf(v)
  local record = decoded(v)
  if record and type(record.client) == 'string' then return record.client end
  return nil
end
`;

/**
 * Reads a record and marks it used. KEYS: record, all. ARGV: idle ms, now, client key prefix,
 * id. Returns the record's JSON, or false when it is gone.
 */
export const TOUCH = `
${CLIENT_OF}
local v = redis.call('GET', KEYS[1])
if not v then return false end
local client = clientOf(v)
if not client then return false end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[4])
local own = ARGV[3] .. client
redis.call('ZADD', own, ARGV[2], ARGV[4])
redis.call('PEXPIRE', own, ARGV[1])
return v
`;

/**
 * Stores a new record, first making room: past the client's quota its least recently used
 * session goes, and past the total the least recently used of anyone. KEYS: record, all, the
 * client's. ARGV: JSON, idle ms, now, max sessions, max per client, record key prefix, client
 * key prefix, id. Returns the ids of the sessions evicted.
 */
export const CREATE = `
${CLIENT_OF}
local idle = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local cutoff = now - idle
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', cutoff)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', cutoff)
local evicted = {}
local function evict(victim)
  local v = redis.call('GET', ARGV[6] .. victim)
  redis.call('ZREM', KEYS[2], victim)
  redis.call('ZREM', KEYS[3], victim)
  if v then
    local client = clientOf(v)
    if client then redis.call('ZREM', ARGV[7] .. client, victim) end
    redis.call('DEL', ARGV[6] .. victim)
    table.insert(evicted, victim)
  end
end
while redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[5]) do evict(redis.call('ZRANGE', KEYS[3], 0, 0)[1]) end
while redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) do evict(redis.call('ZRANGE', KEYS[2], 0, 0)[1]) end
redis.call('SET', KEYS[1], ARGV[1], 'PX', idle)
redis.call('ZADD', KEYS[2], now, ARGV[8])
redis.call('ZADD', KEYS[3], now, ARGV[8])
redis.call('PEXPIRE', KEYS[3], idle)
return evicted
`;

/**
 * Writes a changed record, only if it still exists (a session deleted meanwhile stays
 * deleted). KEYS: record, all, the client's. ARGV: JSON, idle ms, now, id. Returns 1 when
 * written.
 */
export const SAVE = `
if not redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'XX') then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[3], ARGV[2])
return 1
`;

/** Deletes a record. KEYS: record, all. ARGV: client key prefix, id. Returns 1 when it existed. */
export const DELETE = `
${CLIENT_OF}
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
local client = clientOf(v)
if client then redis.call('ZREM', ARGV[1] .. client, ARGV[2]) end
return 1
`;
