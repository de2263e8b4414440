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
 * admitting tasks at the same moment may each take the last place.
 *
 * Redis unreachable (`policy`): `closed` rejects with StoreUnavailableError (the request gets a
 * JSON-RPC error saying so); `open` goes on: tasks are answered by the process running them,
 * and a write that fails is reported, not thrown (`room` then answers that there is room).
 */
import { isObject } from '../../protocol/guards.ts';
import { ErrorCode } from '../../protocol/wire-errors.ts';
import { isTerminal, type NoTaskRoom, type TaskRecord, type TaskRoomQuery, type TaskStore } from '../task-store.ts';
import { StoreUnavailableError } from '../unavailable.ts';
import type { RedisConnection, ScriptCall } from './connection.ts';
import type { UnavailablePolicy } from './session-store.ts';

/** The status message and error of a task whose process died. */
export const RUNNER_LOST = 'The server process running this task stopped before it finished';

const TERMINAL = `local terminal = { completed = true, failed = true, cancelled = true }`;

/**
 * Writes a record unless the stored one is terminal; a new one is indexed, in all and under its
 * owner (whose index lives as long as its last record). KEYS: task, all, the owner's. ARGV:
 * JSON, ms to live (0: no expiry), expiry time (its index score), task id.
 */
const PUT = `
${TERMINAL}
local current = redis.call('GET', KEYS[1])
if current and terminal[cjson.decode(current).status] then return 0 end
local ttl = tonumber(ARGV[2])
if ttl > 0 then redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl) else redis.call('SET', KEYS[1], ARGV[1]) end
if current then return 1 end
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
return 1
`;

/**
 * Drops expired entries from the indexes, then says which bound one more task would pass.
 * KEYS: all, the owner's. ARGV: now, max records, max per owner, pending in all, pending of
 * the owner.
 */
const ROOM = `
local expired = '(' .. ARGV[1]
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', expired)
if redis.call('ZCARD', KEYS[2]) + tonumber(ARGV[5]) > tonumber(ARGV[3]) then return 'owner' end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', expired)
if redis.call('ZCARD', KEYS[1]) + tonumber(ARGV[4]) > tonumber(ARGV[2]) then return 'total' end
return false
`;

/** Reads a record and whether its runner is alive. KEYS: task. ARGV: lease key prefix. */
const GET = `
local v = redis.call('GET', KEYS[1])
if not v then return false end
local runner = cjson.decode(v).runner
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

export class RedisTaskStore implements TaskStore {
  readonly #redis: RedisConnection;
  readonly #policy: UnavailablePolicy;
  readonly #all: string;
  readonly #put: ScriptCall;
  readonly #get: ScriptCall;
  readonly #replace: ScriptCall;
  readonly #room: ScriptCall;

  constructor(redis: RedisConnection, policy: UnavailablePolicy = 'closed') {
    this.#redis = redis;
    this.#policy = policy;
    this.#all = redis.key('tasks');
    this.#put = redis.script(PUT);
    this.#get = redis.script(GET);
    this.#replace = redis.script(REPLACE);
    this.#room = redis.script(ROOM);
  }

  async room(query: TaskRoomQuery): Promise<NoTaskRoom | undefined> {
    let full: unknown;
    try {
      full = await this.#room(
        [this.#all, this.#ownerKey(query.owner)],
        [Date.now(), query.maxRecords, query.maxRecordsPerOwner, query.pendingTotal, query.pendingOwner],
      );
    } catch (error) {
      if (this.#policy === 'open') {
        this.#redis.report(error, 'Redis task store (tasks not counted while it is unreachable)');
        return undefined;
      }
      throw new StoreUnavailableError('task', error);
    }
    return full === 'owner' || full === 'total' ? full : undefined;
  }

  async put(record: TaskRecord): Promise<void> {
    const stored: TaskRecord = { ...record };
    if (isTerminal(record.status)) delete stored.runner;
    else stored.runner = this.#redis.instanceId;
    const expiresAt = record.ttlMs === null ? Infinity : Date.parse(record.createdAt) + record.ttlMs;
    const ttl = record.ttlMs === null ? 0 : Math.max(1, expiresAt - Date.now());
    try {
      await this.#put(
        [this.#key(record.taskId), this.#all, this.#ownerKey(record.owner)],
        [JSON.stringify(stored), ttl, expiresAt === Infinity ? '+inf' : expiresAt, record.taskId],
      );
    } catch (error) {
      if (this.#policy === 'open') return this.#redis.report(error, 'Redis task store (task kept in this process only)');
      throw new StoreUnavailableError('task', error);
    }
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    let found: unknown;
    try {
      found = await this.#get([this.#key(taskId)], [this.#redis.key('lease', '')]);
    } catch (error) {
      if (this.#policy === 'open') {
        this.#redis.report(error, 'Redis task store (answering for this process\'s tasks only)');
        return undefined;
      }
      throw new StoreUnavailableError('task', error);
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
