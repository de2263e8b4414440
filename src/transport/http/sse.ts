/**
 * Server-Sent Events streams. In the legacy era a stream can outlive its connection: events
 * are recorded in the event store and replayed when the client comes back with
 * Last-Event-ID, after which live delivery continues on the new connection.
 */
import { encodeMessage } from '../../protocol/encode.ts';
import { ownRejection, reportError } from '../../protocol/error-report.ts';
import { HeldNotifications } from '../../protocol/held-notifications.ts';
import type { JsonRpcMessage } from '../../protocol/jsonrpc.ts';
import { legacyAtLeast } from '../../protocol/versions.ts';
import { isSharedEventStore, makeEventId, type EventStore } from '../../store/event-store.ts';
import type { LegacySession, SessionOutlet } from '../../store/legacy-session.ts';
import { keepAlive, release } from './keep-alive.ts';
import type { ResponseSink } from './sink.ts';

/**
 * Whether the resumable streams of `session` are primed: their first event id (sequence 1)
 * goes out with empty data, and is never stored (spec 2025-11-25, transports: sending messages).
 */
export function primes(session: LegacySession): boolean {
  return legacyAtLeast(session.protocolVersion, '2025-11-25');
}

export function formatEvent(data: string, eventId?: string): string {
  return eventId === undefined ? `event: message\ndata: ${data}\n\n` : `id: ${eventId}\nevent: message\ndata: ${data}\n\n`;
}

/** `message` as the SSE event of id `eventId`: a stored event replayed, relayed or written anew. */
export function messageEvent(message: JsonRpcMessage, eventId: string): string {
  return formatEvent(encodeMessage(message), eventId);
}

/**
 * Events a GET stream holds at most while its client is not reading: every list and the
 * default 256 subscriptions fit, with room. Past it (or past what is held of notifications
 * that are not coalesced) the stream gives up its connection, and the client resumes from the
 * event store with Last-Event-ID (spec 2025-11-25, transports: resumability).
 */
export const MAX_HELD_EVENTS = 1024;

const eventLength = (event: string) => event.length;

function reportStoreError(error: unknown): void {
  reportError(error, { operation: 'event store append' });
}

export class SseStream implements SessionOutlet {
  readonly id: string;
  readonly #store: EventStore | undefined;
  /** The reconnection delay suggested to clients (the SSE `retry` field). */
  readonly #retryMs: number | undefined;
  /** Where a failed (asynchronous) append is reported. */
  readonly #onStoreError: (error: unknown) => void;
  #sink: ResponseSink | undefined;
  /** The key keep-alive.ts gave the sink. */
  #keptAlive: number;
  #sequence: number;
  /** A session's GET stream: holds its events while its client is not reading (protocol/held-notifications.ts). */
  #coalescing: boolean;
  /** What it holds now, while its client is not reading. */
  #held: HeldNotifications<string> | undefined;
  /** When the stream ended for good (ms since the epoch); undefined while it goes on. */
  endedAt: number | undefined;

  constructor(id: string, sink: ResponseSink | undefined, store: EventStore | undefined, retryMs?: number, onStoreError: (error: unknown) => void = reportStoreError) {
    this.id = id;
    this.#store = store;
    this.#onStoreError = onStoreError;
    this.#retryMs = retryMs;
    this.#sink = sink;
    this.#keptAlive = 0;
    this.#sequence = 0;
    this.#coalescing = false;
    this.#held = undefined;
    this.endedAt = undefined;
    if (sink !== undefined) this.#watch(sink);
  }

  /**
   * Keeps `sink` alive, and lets go of it once its client has gone: a session's GET stream
   * outlives its connections (its events wait for the client to resume), and a dead one held
   * its response, request and socket for as long as the session lived.
   */
  #watch(sink: ResponseSink): void {
    if (sink.done) {
      this.#lost(sink);
      return;
    }
    this.#forget();
    this.#keptAlive = keepAlive(sink);
    sink.onAbort(() => this.#lost(sink));
  }

  #lost(sink: ResponseSink): void {
    if (this.#sink === sink) this.#letGo();
  }

  /** Lets go of the connection, and of what was held for it; returns it, if there was one. */
  #letGo(): ResponseSink | undefined {
    const sink = this.#sink;
    this.#sink = undefined;
    this.#held = undefined;
    this.#forget();
    return sink;
  }

  /** Stops keeping the connection alive (keep-alive.ts), if it was. */
  #forget(): void {
    if (this.#keptAlive !== 0) release(this.#keptAlive);
    this.#keptAlive = 0;
  }

  /**
   * Makes this a session's GET stream, whose notifications come whether its client reads or
   * not: while the client is not reading they are held and coalesced (protocol/held-notifications.ts).
   */
  coalesceWhileBackedUp(): void {
    this.#coalescing = true;
  }

  /** Goes on after `sequence`: a stream taken over from another process, whose events up to it are stored. */
  continueFrom(sequence: number): void {
    this.#sequence = sequence;
  }

  /** Whether an event of this stream carried an id (its events are stored): only then can a client that loses it resume it. */
  get hasEventId(): boolean {
    return this.#store !== undefined && this.#sequence > 0;
  }

  /** Whether `sequence` names one of the events this stream gave an id (they count from 1). */
  gave(sequence: number): boolean {
    return Number.isSafeInteger(sequence) && sequence >= 1 && sequence <= this.#sequence;
  }

  /** Whether the stream still has a live connection. */
  get connected(): boolean {
    return this.#sink !== undefined && !this.#sink.done;
  }

  /** Whether the connection holds what its client has not read, past its high-water mark. */
  get backedUp(): boolean {
    const sink = this.#sink;
    return sink !== undefined && !sink.done && sink.backedUp;
  }

  /** See {@link ResponseSink.onCaughtUp}: on the connection the stream has now. */
  onCaughtUp(listener: () => void): void {
    this.#sink?.onCaughtUp(listener);
  }

  get ended(): boolean {
    return this.endedAt !== undefined;
  }

  /**
   * Sends the priming event: an id with empty data, so a client that loses the connection
   * before any message can still resume (spec 2025-11-25, transports: sending messages), and
   * the `retry` delay it should wait before reconnecting.
   */
  prime(): void {
    if (this.#store === undefined || this.#sink === undefined) return;
    const id = makeEventId(this.id, ++this.#sequence);
    this.#sink.write(this.#retryMs === undefined ? `id: ${id}\ndata: \n\n` : `id: ${id}\nretry: ${this.#retryMs}\ndata: \n\n`);
  }

  send(message: JsonRpcMessage): boolean {
    return this.deliver(message);
  }

  deliver(message: JsonRpcMessage): boolean {
    const data = encodeMessage(message);
    let eventId: string | undefined;
    if (this.#store !== undefined) {
      eventId = makeEventId(this.id, ++this.#sequence);
      // Delivery does not wait for the store; a failed append only costs resumability.
      ownRejection(this.#store.append(this.id, eventId, message, data), this.#onStoreError);
    }
    const sink = this.#sink;
    if (sink === undefined || sink.done) return false;
    if (this.#coalescing && (this.#held !== undefined || sink.backedUp)) return this.#hold(sink, message, formatEvent(data, eventId));
    return sink.write(formatEvent(data, eventId));
  }

  /** Holds an event while the client is not reading; sends what is held once it reads again. */
  #hold(sink: ResponseSink, message: JsonRpcMessage, event: string): boolean {
    let held = this.#held;
    if (held !== undefined && !sink.backedUp) {
      // Caught up before its listener ran: what is held is older, and goes first.
      this.#release(sink, held);
      return sink.write(event);
    }
    if (held === undefined) {
      const made = (held = this.#held = new HeldNotifications(eventLength));
      sink.onCaughtUp(() => this.#release(sink, made));
    }
    if (held.hold(message, event) && held.size <= MAX_HELD_EVENTS) return false;
    // Past the bound: the client resumes from the event store (Last-Event-ID) when it reads again.
    this.detach();
    return false;
  }

  #release(sink: ResponseSink, held: HeldNotifications<string>): void {
    if (this.#held !== held || this.#sink !== sink) return;
    this.#held = undefined;
    for (const event of held.values()) sink.write(event);
  }

  /**
   * Continues the stream on a new connection (after a replay). A connection it still had
   * ends: a stream has one reader, and an older one would wait forever for nothing.
   */
  attach(sink: ResponseSink): void {
    // Events held for the older connection are stored: the replay before this gave them.
    this.#held = undefined;
    const older = this.#sink;
    if (older !== undefined && older !== sink) {
      this.#forget();
      if (!older.done) older.end();
    }
    if (this.endedAt !== undefined) {
      this.#sink = undefined;
      sink.end();
      return;
    }
    this.#sink = sink;
    this.#watch(sink);
  }

  /**
   * Closes the connection without ending the stream: the client is expected to reconnect
   * after the retry delay and resume (SEP-1699 polling).
   */
  detach(): void {
    const sink = this.#letGo();
    if (sink === undefined || sink.done) return;
    if (this.#retryMs !== undefined) sink.write(`retry: ${this.#retryMs}\n\n`);
    sink.end();
  }

  /** Ends the stream for good, letting go of its connection. */
  end(): void {
    if (this.endedAt === undefined) {
      this.endedAt = Date.now();
      // Another process relaying this stream to its client ends it too.
      const store = this.#store;
      if (isSharedEventStore(store)) ownRejection(store.end(this.id), this.#onStoreError);
    }
    const sink = this.#letGo();
    if (sink !== undefined && !sink.done) sink.end();
  }
}
