/**
 * Tasks (the `io.modelcontextprotocol/tasks` extension) in Redis: `tasks/get` answers from any
 * process, and a task outlives a restart of the process that created it.
 *
 * A task left working by a process that died never stays working: the record names its runner,
 * and a read that finds the runner's lease lapsed marks it failed (once, atomically: the write
 * happens only if nobody changed the record meanwhile). A terminal status is final: a write
 * never replaces one (a task cancelled through one process stays cancelled when its work,
 * elsewhere, finishes).
 *
 * Bounded like the in-memory store, over every process sharing the Redis: `<p>:tasks` and
 * `<p>:taskowner:<owner>` index the records (in all, and of one owner) by the time they expire,
 * so `room` drops the expired entries and counts the rest in one script. The count is exact
 * for the tasks of one process (it passes those it admitted and has not stored yet); processes
 * admitting tasks at the same moment may each take the last place. The bytes of results kept
 * are counted beside them, in `<p>:taskbytes` and `<p>:taskownerbytes:<owner>` (a hash of each
 * task's bytes, and their sum under `*`), and checked in the script that writes the result, so
 * they are exact over every process.
 *
 * Redis unreachable (`policy`): `closed` rejects with StoreUnavailableError (the request gets a
 * JSON-RPC error saying so); `open` goes on: tasks are answered by the process running them,
 * and a write that fails is reported, not thrown (`room` then answers that there is room).
 */
import { isMintedId, isObject } from '../../protocol/guards.ts';
import { ErrorCode } from '../../protocol/wire-errors.ts';
import { isTerminal, type NoTaskRoom, type TaskBytesQuery, type TaskRecord, type TaskRoomQuery, type TaskStore } from '../task-store.ts';
import type { RedisConnection, ScriptCall } from './connection.ts';
import { DECODED } from './lua-decode.ts';
import type { UnavailablePolicy } from './session-store.ts';

/** The status message and error of a task whose process died. */
export const RUNNER_LOST = 'The server process running this task stopped before it finished';

const TERMINAL = `local terminal = { completed = true, failed = true, cancelled = true }`;

/**
 * Drops the entries of an index (a sorted set of task ids by expiry) that expired before now,
 * and their bytes from its hash (each task's bytes, their sum under '*').
 */
const SWEEP = `
local function sweep(index, sizes, now)
  local expired = redis.call('ZRANGEBYSCORE', index, '-inf', '(' .. now)
  if #expired == 0 then return end
  for _, id in ipairs(expired) do
    local bytes = redis.call('HGET', sizes, id)
    if bytes then
      redis.call('HINCRBY', sizes, '*', -tonumber(bytes))
      redis.call('HDEL', sizes, id)
    end
  end
  redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. now)
end
local function held(sizes)
  return tonumber(redis.call('HGET', sizes, '*') or '0')
end
`;

/**
 * Writes a record unless the stored one is terminal; a new one is indexed, in all and under its
 * owner (whose index lives as long as its last record). A final record whose outcome takes
 * bytes is written only if they fit the bounds, expired entries dropped first; else the bound
 * is answered. KEYS: task, all, the owner's, bytes in all, the owner's bytes. ARGV: JSON, ms to
 * live (0: no expiry), expiry time (its index score), task id, bytes of the outcome, max bytes,
 * max per owner, now.
 */
const PUT = `
${DECODED}
${TERMINAL}
${SWEEP}
local current = redis.call('GET', KEYS[1])
local stored = current and decoded(current)
if stored and terminal[stored.status] then return 0 end
local bytes = tonumber(ARGV[5])
if bytes > 0 then
  sweep(KEYS[3], KEYS[5], ARGV[8])
  if held(KEYS[5]) + bytes > tonumber(ARGV[7]) then return 'owner' end
  sweep(KEYS[2], KEYS[4], ARGV[8])
  if held(KEYS[4]) + bytes > tonumber(ARGV[6]) then return 'total' end
end
local ttl = tonumber(ARGV[2])
if ttl > 0 then redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl) else redis.call('SET', KEYS[1], ARGV[1]) end
if bytes > 0 then
  -- A final record is written once: its bytes are new.
  redis.call('HSET', KEYS[4], ARGV[4], bytes)
  redis.call('HINCRBY', KEYS[4], '*', bytes)
  redis.call('HSET', KEYS[5], ARGV[4], bytes)
  redis.call('HINCRBY', KEYS[5], '*', bytes)
end
if not stored then
  local fresh = redis.call('EXISTS', KEYS[3]) == 0
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
  if ttl == 0 then
    redis.call('PERSIST', KEYS[3])
  elseif fresh then
    redis.call('PEXPIRE', KEYS[3], ttl)
  else
    local left = redis.call('PTTL', KEYS[3])
    if left >= 0 and left < ttl then redis.call('PEXPIRE', KEYS[3], ttl) end
  end
end
-- The owner's bytes live as long as the owner's index.
if bytes > 0 then
  local left = redis.call('PTTL', KEYS[3])
  if left > 0 then redis.call('PEXPIRE', KEYS[5], left) elseif left == -1 then redis.call('PERSIST', KEYS[5]) end
end
return 1
`;

/**
 * Drops expired entries from the indexes (and their bytes), then says which bound one more task
 * would pass. KEYS: all, the owner's, bytes in all, the owner's bytes. ARGV: now, max records,
 * max per owner, pending in all, pending of the owner.
 */
const ROOM = `
${SWEEP}
sweep(KEYS[2], KEYS[4], ARGV[1])
if redis.call('ZCARD', KEYS[2]) + tonumber(ARGV[5]) > tonumber(ARGV[3]) then return 'owner' end
sweep(KEYS[1], KEYS[3], ARGV[1])
if redis.call('ZCARD', KEYS[1]) + tonumber(ARGV[4]) > tonumber(ARGV[2]) then return 'total' end
return false
`;

/** Reads a record and whether its runner is alive. KEYS: task. ARGV: lease key prefix. */
const GET = `
${DECODED}
local v = redis.call('GET', KEYS[1])
if not v then return false end
local record = decoded(v)
if not record then return false end
local runner = record.runner
local alive = 1
if type(runner) == 'string' then alive = redis.call('EXISTS', ARGV[1] .. runner) end
return {v, alive}
`;

/** Replaces a record only if it is still `ARGV[1]`. KEYS: task. ARGV: expected JSON, new JSON. */
const REPLACE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
`;

/** A write whose outcome takes no bytes: never refused. */
const NO_BYTES: TaskBytesQuery = { bytes: 0, maxBytes: 0, maxBytesPerOwner: 0 };

export class RedisTaskStore implements TaskStore {
  readonly #redis: RedisConnection;
  readonly #policy: UnavailablePolicy;
  readonly #all: string;
  readonly #allBytes: string;
  readonly #put: ScriptCall;
  readonly #get: ScriptCall;
  readonly #replace: ScriptCall;
  readonly #room: ScriptCall;

  constructor(redis: RedisConnection, policy: UnavailablePolicy = 'closed') {
    this.#redis = redis;
    this.#policy = policy;
    this.#all = redis.key('tasks');
    this.#allBytes = redis.key('taskbytes');
    this.#put = redis.script(PUT);
    this.#get = redis.script(GET);
    this.#replace = redis.script(REPLACE);
    this.#room = redis.script(ROOM);
  }

  async room(query: TaskRoomQuery): Promise<NoTaskRoom | undefined> {
    let full: unknown;
    try {
      full = await this.#room(
        [this.#all, this.#ownerKey(query.owner), this.#allBytes, this.#ownerBytesKey(query.owner)],
        [Date.now(), query.maxRecords, query.maxRecordsPerOwner, query.pendingTotal, query.pendingOwner],
      );
    } catch (error) {
      if (this.#policy === 'open') {
        this.#redis.report(error, 'Redis task store (tasks not counted while it is unreachable)');
        return undefined;
      }
      throw this.#redis.unavailable('task', error);
    }
    return full === 'owner' || full === 'total' ? full : undefined;
  }

  async put(record: TaskRecord): Promise<void> {
    await this.#write(record, NO_BYTES);
  }

  putOutcome(record: TaskRecord, query: TaskBytesQuery): Promise<NoTaskRoom | undefined> {
    return this.#write(record, query);
  }

  async #write(record: TaskRecord, bytes: TaskBytesQuery): Promise<NoTaskRoom | undefined> {
    const stored: TaskRecord = { ...record };
    if (isTerminal(record.status)) delete stored.runner;
    else stored.runner = this.#redis.instanceId;
    const expiresAt = record.ttlMs === null ? Infinity : Date.parse(record.createdAt) + record.ttlMs;
    const now = Date.now();
    const ttl = record.ttlMs === null ? 0 : Math.max(1, expiresAt - now);
    let written: unknown;
    try {
      written = await this.#put(
        [this.#key(record.taskId), this.#all, this.#ownerKey(record.owner), this.#allBytes, this.#ownerBytesKey(record.owner)],
        [JSON.stringify(stored), ttl, expiresAt === Infinity ? '+inf' : expiresAt, record.taskId, bytes.bytes, bytes.maxBytes, bytes.maxBytesPerOwner, now],
      );
    } catch (error) {
      if (this.#policy === 'open') {
        this.#redis.report(error, 'Redis task store (task kept in this process only)');
        return undefined;
      }
      throw this.#redis.unavailable('task', error);
    }
    return written === 'owner' || written === 'total' ? written : undefined;
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    // The client's taskId: one the server never made is unknown, and never becomes part of a key.
    if (!isMintedId(taskId)) return undefined;
    let found: unknown;
    try {
      found = await this.#get([this.#key(taskId)], [this.#redis.key('lease', '')]);
    } catch (error) {
      if (this.#policy === 'open') {
        this.#redis.report(error, 'Redis task store (answering for this process\'s tasks only)');
        return undefined;
      }
      throw this.#redis.unavailable('task', error);
    }
    if (!Array.isArray(found)) return undefined;
    const [text, alive] = found as [string, number];
    const record = parseTask(text);
    if (record === undefined || record.taskId !== taskId) return undefined;
    if (isTerminal(record.status) || alive === 1) return record;
    return this.#failRunnerLost(record, text);
  }

  /** The runner died: the task fails, unless the record changed meanwhile (then that is read). */
  async #failRunnerLost(record: TaskRecord, text: string): Promise<TaskRecord | undefined> {
    const failed: TaskRecord = { ...record, status: 'failed', statusMessage: RUNNER_LOST, error: { code: ErrorCode.InternalError, message: RUNNER_LOST }, lastUpdatedAt: new Date().toISOString() };
    delete failed.runner;
    delete failed.inputRequests;
    if ((await this.#replace([this.#key(record.taskId)], [text, JSON.stringify(failed)])) === 1) return failed;
    return this.get(record.taskId);
  }

  #key(taskId: string): string {
    return this.#redis.key('task', taskId);
  }

  #ownerKey(owner: string): string {
    return this.#redis.key('taskowner', owner);
  }

  #ownerBytesKey(owner: string): string {
    return this.#redis.key('taskownerbytes', owner);
  }
}

function parseTask(text: string): TaskRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value) || typeof value.taskId !== 'string' || typeof value.status !== 'string' || typeof value.owner !== 'string') return undefined;
  return value as unknown as TaskRecord;
}
