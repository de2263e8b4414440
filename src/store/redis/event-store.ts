/**
 * SSE events in Redis Streams, so that a legacy client that loses its stream on one process
 * resumes it on any other with Last-Event-ID and misses nothing (spec 2025-11-25, transports:
 * resumability and redelivery).
 *
 * - `<p>:events:<stream>`: the events, entry id `0-<sequence>` (the sequence of the event id
 *   `<stream>.<sequence>` the client saw), bounded in length (MAXLEN ~) and in age: the key
 *   expires when nothing was written for the resume window. An entry `end` marks the end.
 * - `<p>:stream:<stream>`: who may resume it (the session), the request it answers, and the
 *   process writing it, whose lease says whether it is alive.
 * A stream is written by one process at a time; others follow it (XREAD BLOCK) to relay it to
 * a client that resumed there, or claim it once its writer's lease lapsed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeMessage } from '../../protocol/encode.ts';
import { parseJson } from '../../protocol/long-strings.ts';
import type { JsonRpcMessage, RequestId } from '../../protocol/jsonrpc.ts';
import { makeEventId, sequenceOf, streamIdOf, type SharedEventStore, type StoredEvent, type StreamFollower, type StreamInfo } from '../event-store.ts';
import type { RedisConnection, ScriptCall } from './connection.ts';
import { StreamTail, type StreamEntry } from './stream-tail.ts';

export interface RedisEventStoreOptions {
  /** Events kept per stream; older ones are dropped first. Default 1000. */
  maxEventsPerStream?: number;
  /** A stream nothing was written to for this long is forgotten. Default 10 minutes. */
  ttlMs?: number;
}

/** Registers a stream. KEYS: meta. ARGV: session, request id (JSON, or ''), writer, ttl. */
const OPEN = `
redis.call('HSET', KEYS[1], 'session', ARGV[1], 'request', ARGV[2], 'writer', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;

/** Stores one entry. KEYS: events, meta. ARGV: entry id ('*' for the end), field, value, max length, ttl. */
const APPEND = `
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], ARGV[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1
`;

/**
 * What is known of a stream. KEYS: meta, events. ARGV: lease key prefix. Returns false, or
 * [session, request, writer's lease left (ms; -2 lapsed, -1 with no expiry), last sequence,
 * ended (0/1)].
 */
const DESCRIBE = `
local meta = redis.call('HMGET', KEYS[1], 'session', 'request', 'writer')
if not meta[1] then return false end
local lease = redis.call('PTTL', ARGV[1] .. meta[3])
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 2)
local ended = 0
local sequence = 0
for _, entry in ipairs(last) do
  if entry[2][1] == 'end' then ended = 1
  elseif sequence == 0 then sequence = tonumber(string.match(entry[1], '^0%-(%d+)$') or '0') end
end
return {meta[1], meta[2] or '', lease, sequence, ended}
`;

/** Becomes the writer if the writer's lease lapsed. KEYS: meta. ARGV: lease key prefix, this process. */
const CLAIM = `
local writer = redis.call('HGET', KEYS[1], 'writer')
if not writer then return 0 end
if writer == ARGV[2] then return 1 end
if redis.call('EXISTS', ARGV[1] .. writer) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'writer', ARGV[2])
return 1
`;

/** A stream not registered yet is looked up again after this long, then twice as long each time. */
const FIRST_LOOKUP_MS = 5;

const END_FIELD = 'end';
const MESSAGE_FIELD = 'm';

/** A followed stream, checked for its writer's lease on the lease timer. */
interface Following {
  readonly streamId: string;
  readonly follower: StreamFollower;
  stop(): void;
}

export class RedisEventStore implements SharedEventStore {
  readonly #redis: RedisConnection;
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #tail: StreamTail;
  readonly #following: Set<Following>;
  readonly #open: ScriptCall;
  readonly #append: ScriptCall;
  readonly #describe: ScriptCall;
  readonly #claim: ScriptCall;
  #leaseCheck: NodeJS.Timeout | undefined;

  constructor(redis: RedisConnection, options: RedisEventStoreOptions = {}) {
    this.#redis = redis;
    this.#max = options.maxEventsPerStream ?? 1000;
    this.#ttlMs = options.ttlMs ?? 10 * 60_000;
    this.#tail = new StreamTail(redis);
    this.#following = new Set();
    this.#open = redis.script(OPEN);
    this.#append = redis.script(APPEND);
    this.#describe = redis.script(DESCRIBE);
    this.#claim = redis.script(CLAIM);
    this.#leaseCheck = undefined;
  }

  /**
   * The three writes below never reject: one fails for each event while Redis refuses them (out
   * of memory, read-only, unreachable), and what it costs (resumability) goes to the
   * connection's report, at most once per 10 s (serve logs its message). ioredis's error
   * carries the command's arguments, the event itself: logged as an unexpected error, it was
   * one error line per event, each holding what a tool returned.
   */
  async open(streamId: string, sessionId: string, requestId: RequestId | undefined): Promise<void> {
    await this.#write('open', this.#open([this.#meta(streamId)], [sessionId, requestId === undefined ? '' : JSON.stringify(requestId), this.#redis.instanceId, this.#ttlMs]));
  }

  async append(streamId: string, eventId: string, message: JsonRpcMessage, text = encodeMessage(message)): Promise<void> {
    await this.#write('append', this.#append([this.#events(streamId), this.#meta(streamId)], [`0-${sequenceOf(eventId)}`, MESSAGE_FIELD, text, this.#max, this.#ttlMs]));
  }

  async end(streamId: string): Promise<void> {
    await this.#write('end', this.#append([this.#events(streamId), this.#meta(streamId)], ['*', END_FIELD, '1', this.#max, this.#ttlMs]));
  }

  async replayAfter(lastEventId: string): Promise<StoredEvent[] | undefined> {
    const streamId = streamIdOf(lastEventId);
    const after = sequenceOf(lastEventId);
    if (!Number.isSafeInteger(after) || after < 0) return undefined;
    const entries = (await this.#redis.commands.xrange(this.#events(streamId), `(0-${after}`, '+')) as StreamEntry[];
    return toEvents(streamId, entries).events;
  }

  async drop(streamId: string): Promise<void> {
    await this.#redis.commands.del(this.#events(streamId), this.#meta(streamId));
  }

  async describe(streamId: string): Promise<StreamInfo | undefined> {
    const found = await this.#describe([this.#meta(streamId), this.#events(streamId)], [this.#redis.key('lease', '')]);
    if (!Array.isArray(found)) return undefined;
    const [sessionId, request, lease, lastSequence, ended] = found as [string, string, number, number, number];
    let requestId: RequestId | undefined;
    if (request !== '') {
      // Written by a writer as JSON; anything else in Redis makes the stream one nobody knows.
      requestId = parseRequestId(request);
      if (requestId === undefined) return undefined;
    }
    return { sessionId, requestId, writerAlive: lease !== -2, writerLeaseMs: Math.max(lease, 0), lastSequence, ended: ended === 1 };
  }

  /**
   * Redis tells nobody when a key is made, so the stream is looked up again, 5 ms later and
   * then twice as long each time, until it is registered or one command's time has passed: the
   * writer sent its registration before it delivered the first event, and gives a command up
   * after that long. A few commands per wait: 9 in the default 2 s.
   */
  async opened(streamId: string): Promise<StreamInfo | undefined> {
    const deadline = performance.now() + this.#redis.commandTimeoutMs;
    for (let delay = FIRST_LOOKUP_MS; ; delay *= 2) {
      const left = deadline - performance.now();
      if (left <= 0) return undefined;
      await sleep(Math.min(delay, left));
      const info = await this.describe(streamId);
      if (info !== undefined) return info;
    }
  }

  follow(streamId: string, afterSequence: number, follower: StreamFollower): { stop(): void } {
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      unfollow();
      this.#following.delete(following);
      if (this.#following.size === 0) this.#stopLeaseCheck();
    };
    const unfollow = this.#tail.follow(this.#events(streamId), `0-${afterSequence}`, (entries) => {
      if (stopped) return;
      const { events, ended } = toEvents(streamId, entries);
      for (const event of events) follower.event(event);
      if (!ended) return;
      stop();
      follower.ended();
    });
    const following: Following = { streamId, follower, stop };
    this.#following.add(following);
    this.#startLeaseCheck();
    return { stop };
  }

  async claim(streamId: string): Promise<boolean> {
    return (await this.#claim([this.#meta(streamId)], [this.#redis.key('lease', ''), this.#redis.instanceId])) === 1;
  }

  /**
   * Waits for the event in Redis Streams (XREAD through the stream tail), at most as long as
   * one command may take: the writer sent its append before it delivered the event, and gives
   * an append up after that long (the event is then not stored, and not resumable).
   */
  stored(streamId: string, sequence: number): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (found: boolean) => {
        if (timer === undefined) return;
        clearTimeout(timer);
        timer = undefined;
        unfollow();
        resolve(found);
      };
      timer = setTimeout(() => settle(false), this.#redis.commandTimeoutMs);
      // Entries come in order, messages (0-<sequence>) before the end marker: the first entry
      // past `sequence - 1` is the event (or a later one), unless the stream ended without it.
      const unfollow = this.#tail.follow(this.#events(streamId), `0-${sequence - 1}`, (entries) => settle(entries[0][1][0] !== END_FIELD));
    });
  }

  async keep(streamIds: readonly string[]): Promise<void> {
    const pipeline = this.#redis.commands.pipeline();
    for (const streamId of streamIds) pipeline.pexpire(this.#meta(streamId), this.#ttlMs).pexpire(this.#events(streamId), this.#ttlMs);
    await pipeline.exec();
  }

  /** How many streams this process follows for its clients (for tests and metrics). */
  get followed(): number {
    return this.#following.size;
  }

  async #write(what: string, command: Promise<unknown>): Promise<void> {
    try {
      await command;
    } catch (error) {
      this.#redis.report(error, `Redis event store ${what} (events are delivered, not kept for resumption)`);
    }
  }

  #events(streamId: string): string {
    return this.#redis.key('events', streamId);
  }

  #meta(streamId: string): string {
    return this.#redis.key('stream', streamId);
  }

  /** While streams are followed, their writers' leases are checked twice per lease. */
  #startLeaseCheck(): void {
    if (this.#leaseCheck !== undefined) return;
    this.#leaseCheck = setInterval(() => this.#checkWriters(), Math.floor(this.#redis.leaseMs / 2));
    this.#leaseCheck.unref();
  }

  #stopLeaseCheck(): void {
    clearInterval(this.#leaseCheck);
    this.#leaseCheck = undefined;
  }

  #checkWriters(): void {
    for (const following of this.#following) {
      this.describe(following.streamId).then(
        (info) => {
          if (!this.#following.has(following) || info === undefined || info.ended || info.writerAlive) return;
          following.stop();
          following.follower.writerLost();
        },
        (error: unknown) => this.#redis.report(error, 'Redis event store lease check'),
      );
    }
  }
}

/** Entries as events, and whether the end marker is among them. */
function toEvents(streamId: string, entries: StreamEntry[]): { events: StoredEvent[]; ended: boolean } {
  const events: StoredEvent[] = [];
  let ended = false;
  for (const [id, fields] of entries) {
    if (fields[0] === END_FIELD) {
      ended = true;
      continue;
    }
    const sequence = Number(id.slice(id.indexOf('-') + 1));
    events.push({ id: makeEventId(streamId, sequence), message: parseJson(fields[1]) as JsonRpcMessage });
  }
  return { events, ended };
}

function parseRequestId(text: string): RequestId | undefined {
  try {
    const id: unknown = JSON.parse(text);
    return typeof id === 'string' || typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}
