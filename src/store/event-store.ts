/**
 * Storage for SSE events so a legacy client can resume a broken stream with Last-Event-ID
 * (spec 2025-11-25, transports: resumability and redelivery). Event ids are
 * `<streamId>.<sequence>`, so an id alone names the stream it belongs to.
 */
import type { JsonRpcMessage } from '../protocol/jsonrpc.ts';

export interface StoredEvent {
  id: string;
  message: JsonRpcMessage;
}

export interface EventStore {
  /** Records one event of a stream. May be asynchronous; delivery does not wait for it. */
  append(streamId: string, eventId: string, message: JsonRpcMessage): void | Promise<void>;
  /** Events of the same stream after `lastEventId`, oldest first; undefined if it is unknown. */
  replayAfter(lastEventId: string): StoredEvent[] | undefined | Promise<StoredEvent[] | undefined>;
  /** Forgets a stream, e.g. when its session ends. */
  drop(streamId: string): void | Promise<void>;
  /** Forgets what has expired; called on the server's sweep timer. Optional. */
  sweep?(now: number): void | Promise<void>;
}

export function makeEventId(streamId: string, sequence: number): string {
  return `${streamId}.${sequence}`;
}

export function streamIdOf(eventId: string): string {
  const dot = eventId.lastIndexOf('.');
  return dot === -1 ? eventId : eventId.slice(0, dot);
}

function sequenceOf(eventId: string): number {
  return Number(eventId.slice(eventId.lastIndexOf('.') + 1));
}

interface StreamLog {
  events: StoredEvent[];
  touched: number;
}

export interface MemoryEventStoreOptions {
  /** Events kept per stream; older ones are dropped first. Default 1000. */
  maxEventsPerStream?: number;
  /** Streams untouched this long are forgotten. Default 10 minutes. */
  ttlMs?: number;
}

/** The default store: bounded per stream and in age, swept on the server's timer and on writes. */
export class MemoryEventStore implements EventStore {
  readonly #streams: Map<string, StreamLog>;
  readonly #max: number;
  readonly #ttlMs: number;
  #lastSweep: number;

  constructor(options: MemoryEventStoreOptions = {}) {
    this.#streams = new Map();
    this.#max = options.maxEventsPerStream ?? 1000;
    this.#ttlMs = options.ttlMs ?? 10 * 60_000;
    this.#lastSweep = Date.now();
  }

  append(streamId: string, eventId: string, message: JsonRpcMessage): void {
    const now = Date.now();
    let log = this.#streams.get(streamId);
    if (log === undefined) {
      log = { events: [], touched: now };
      this.#streams.set(streamId, log);
    }
    log.touched = now;
    log.events.push({ id: eventId, message });
    if (log.events.length > this.#max) log.events.splice(0, log.events.length - this.#max);
    if (now - this.#lastSweep > this.#ttlMs) this.sweep(now);
  }

  replayAfter(lastEventId: string): StoredEvent[] | undefined {
    const log = this.#streams.get(streamIdOf(lastEventId));
    if (log === undefined) return undefined;
    const after = sequenceOf(lastEventId);
    return log.events.filter((event) => sequenceOf(event.id) > after);
  }

  drop(streamId: string): void {
    this.#streams.delete(streamId);
  }

  /** How many streams are kept (for tests and metrics). */
  get size(): number {
    return this.#streams.size;
  }

  sweep(now = Date.now()): void {
    this.#lastSweep = now;
    for (const [id, log] of this.#streams) if (now - log.touched > this.#ttlMs) this.#streams.delete(id);
  }
}
