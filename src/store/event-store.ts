/**
 * Storage for SSE events so a legacy client can resume a broken stream with Last-Event-ID
 * (spec 2025-11-25, transports: resumability and redelivery). Event ids are
 * `<streamId>.<sequence>`, so an id alone names the stream it belongs to.
 */
import { encodeMessage } from '../protocol/encode.ts';
import type { JsonRpcMessage, RequestId } from '../protocol/jsonrpc.ts';

export interface StoredEvent {
  id: string;
  message: JsonRpcMessage;
}

export interface EventStore {
  /**
   * Records one event of a stream. May be asynchronous; delivery does not wait for it. `text`:
   * the message's JSON, when the caller has made it (a store that keeps or sends text uses it
   * rather than encode the message again).
   */
  append(streamId: string, eventId: string, message: JsonRpcMessage, text?: string): void | Promise<void>;
  /** Events of the same stream after `lastEventId`, oldest first; undefined if it is unknown. */
  replayAfter(lastEventId: string): StoredEvent[] | undefined | Promise<StoredEvent[] | undefined>;
  /** Forgets a stream, e.g. when its session ends. */
  drop(streamId: string): void | Promise<void>;
  /** Forgets what has expired; called on the server's sweep timer. Optional. */
  sweep?(now: number): void | Promise<void>;
}

/** What a shared event store knows of a stream, for a process that did not write it. */
export interface StreamInfo {
  /** The session the stream belongs to. */
  sessionId: string;
  /** The request whose answer the stream carries; undefined for a session's GET stream. */
  requestId: RequestId | undefined;
  /** Whether its last event is stored: nothing more will come. */
  ended: boolean;
  /** Whether the process writing it is alive (its lease holds). */
  writerAlive: boolean;
  /** How long the writer's lease holds yet, in ms (0 once it lapsed, or when it is not known). */
  writerLeaseMs: number;
  /** The sequence of the last event stored (0 when none is). */
  lastSequence: number;
}

/** Told of a followed stream's events, in order, until it ends or fails. */
export interface StreamFollower {
  event(event: StoredEvent): void;
  /** The stream ended: its last event was delivered. */
  ended(): void;
  /** The writer's lease lapsed before the stream ended: nothing more will come from it. */
  writerLost(): void;
  /** The store failed; following stops. */
  failed(error: unknown): void;
}

/**
 * An event store several processes share (Redis): a stream written by one process can be
 * resumed through any other, which follows it as it is written; a stream whose writer died can
 * be taken over.
 */
export interface SharedEventStore extends EventStore {
  /** Registers a stream before its first event, with what another process needs to resume it. */
  open(streamId: string, sessionId: string, requestId: RequestId | undefined): void | Promise<void>;
  /** Records that the stream ended, for processes following it. */
  end(streamId: string): void | Promise<void>;
  /** What is known of the stream; undefined when it is unknown or expired. */
  describe(streamId: string): Promise<StreamInfo | undefined>;
  /**
   * What is known of a stream {@link describe} did not find, once it is registered; undefined
   * when it still is not after as long as one command may take. A writer delivers a stream's
   * first event while its registration is on its way, so a client may come back with an id of
   * a stream the store does not know yet. Rejects when the store fails.
   */
  opened(streamId: string): Promise<StreamInfo | undefined>;
  /** Delivers the events after `afterSequence`, stored and to come, until the stream ends or `stop`. */
  follow(streamId: string, afterSequence: number, follower: StreamFollower): { stop(): void };
  /** Becomes the writer of a stream whose writer's lease lapsed; false when another process did first. */
  claim(streamId: string): Promise<boolean>;
  /**
   * Resolves true once event `sequence` of the stream (or a later one) is stored; false when
   * the stream ends without it, or when its writer could no longer be storing it. A writer
   * delivers an event before the store has it, so a client may hold an id of a live stream
   * that the store does not know yet. Never rejects.
   */
  stored(streamId: string, sequence: number): Promise<boolean>;
  /**
   * Keeps streams still being written from being forgotten while they are quiet: the store
   * forgets a stream nothing was written to for its time to live, as it should once a stream
   * ended, but a live one stays resumable in the process writing it.
   */
  keep(streamIds: readonly string[]): Promise<void>;
}

export function isSharedEventStore(store: EventStore | undefined): store is SharedEventStore {
  return store !== undefined && typeof (store as Partial<SharedEventStore>).follow === 'function';
}

export function makeEventId(streamId: string, sequence: number): string {
  return `${streamId}.${sequence}`;
}

export function streamIdOf(eventId: string): string {
  const dot = eventId.lastIndexOf('.');
  return dot === -1 ? eventId : eventId.slice(0, dot);
}

/** The sequence number an event id ends with (NaN when it has none). */
export function sequenceOf(eventId: string): number {
  return Number(eventId.slice(eventId.lastIndexOf('.') + 1));
}

interface StreamLog {
  events: StoredEvent[];
  /** The length of each event's JSON, in the order of `events`. */
  lengths: number[];
  /** Their sum. */
  chars: number;
  touched: number;
}

/** What the events kept by a memory store may hold in all, by default: characters of JSON. */
export const MAX_EVENT_CHARS = 64 * 1024 * 1024;

export interface MemoryEventStoreOptions {
  /** Events kept per stream; older ones are dropped first. Default 1000. */
  maxEventsPerStream?: number;
  /**
   * Characters of JSON kept in all (about as many bytes). Past it, the streams written to
   * least recently are forgotten, whole (a server refuses to resume one that ended, as an
   * unknown Last-Event-ID).
   * Default 64 Mi: a client leaving the streams of many large answers behind made the process
   * keep each for the whole `ttlMs`.
   */
  maxChars?: number;
  /** Streams untouched this long are forgotten. Default 10 minutes. */
  ttlMs?: number;
}

/**
 * The default store: bounded per stream, in all and in age, swept on the server's timer and on
 * writes. Streams are kept in the order they were last written to (the least recent first).
 */
export class MemoryEventStore implements EventStore {
  readonly #streams: Map<string, StreamLog>;
  readonly #max: number;
  readonly #maxChars: number;
  readonly #ttlMs: number;
  #chars: number;
  #lastSweep: number;

  constructor(options: MemoryEventStoreOptions = {}) {
    this.#streams = new Map();
    this.#max = options.maxEventsPerStream ?? 1000;
    this.#maxChars = options.maxChars ?? MAX_EVENT_CHARS;
    this.#ttlMs = options.ttlMs ?? 10 * 60_000;
    this.#chars = 0;
    this.#lastSweep = Date.now();
  }

  append(streamId: string, eventId: string, message: JsonRpcMessage, text = encodeMessage(message)): void {
    const now = Date.now();
    let log = this.#streams.get(streamId);
    if (log === undefined) log = { events: [], lengths: [], chars: 0, touched: now };
    else this.#streams.delete(streamId);
    this.#streams.set(streamId, log);
    log.touched = now;
    log.events.push({ id: eventId, message });
    log.lengths.push(text.length);
    this.#count(log, text.length);
    if (log.events.length > this.#max) {
      const dropped = log.events.length - this.#max;
      log.events.splice(0, dropped);
      for (const length of log.lengths.splice(0, dropped)) this.#count(log, -length);
    }
    // The least recently written first; this one last, and too when it is alone past the bound.
    for (const [id, oldest] of this.#streams) {
      if (this.#chars <= this.#maxChars) break;
      this.#forget(id, oldest);
    }
    if (now - this.#lastSweep > this.#ttlMs) this.sweep(now);
  }

  replayAfter(lastEventId: string): StoredEvent[] | undefined {
    const log = this.#streams.get(streamIdOf(lastEventId));
    if (log === undefined) return undefined;
    const after = sequenceOf(lastEventId);
    return log.events.filter((event) => sequenceOf(event.id) > after);
  }

  drop(streamId: string): void {
    const log = this.#streams.get(streamId);
    if (log !== undefined) this.#forget(streamId, log);
  }

  /** How many streams are kept (for tests and metrics). */
  get size(): number {
    return this.#streams.size;
  }

  /** Characters of JSON kept (for tests and metrics). */
  get chars(): number {
    return this.#chars;
  }

  sweep(now = Date.now()): void {
    this.#lastSweep = now;
    for (const [id, log] of this.#streams) if (now - log.touched > this.#ttlMs) this.#forget(id, log);
  }

  #forget(streamId: string, log: StreamLog): void {
    this.#streams.delete(streamId);
    this.#count(log, -log.chars);
  }

  #count(log: StreamLog, chars: number): void {
    log.chars += chars;
    this.#chars += chars;
  }
}
