/**
 * What a legacy session does in this process over HTTP, beside its record in the
 * {@link SessionStore}: its SSE streams (resumable with Last-Event-ID), streams of other
 * processes relayed here, and its requests in flight (for `notifications/cancelled`). Kept by
 * session id; made on first need, so plain request/response stays lean; let go of when the
 * session ends, and tidied on the store's sweep timer.
 */
import { randomUUID } from 'node:crypto';
import { ownRejection } from '../../protocol/error-report.ts';
import { errorResponse, type RequestId } from '../../protocol/jsonrpc.ts';
import { LocalErrorCode, McpLocalError } from '../../protocol/local-errors.ts';
import { RequestTable } from '../../protocol/request-table.ts';
import { ErrorCode } from '../../protocol/wire-errors.ts';
import { isSharedEventStore, sequenceOf, streamIdOf, type EventStore, type SharedEventStore, type StoredEvent } from '../../store/event-store.ts';
import type { LegacySession } from '../../store/legacy-session.ts';
import type { SessionRuntime } from '../../store/session-store.ts';
import type { HttpExchange } from './exchange.ts';
import { GET_STREAM_OPEN, SESSION_NOT_FOUND, UNKNOWN_EVENT_ID, writeRefusal } from './refusals.ts';
import { SSE_HEADERS, type ResponseSink } from './sink.ts';
import { messageEvent, primes, SseStream } from './sse.ts';
import { resumeElsewhere, ResumeWaits, type Relay, type RelayHost } from './stream-relay.ts';

export class SessionStreams {
  /** The GET stream. */
  standalone: SseStream | undefined;
  /** Streams that can be resumed, by stream id. */
  readonly streams: Map<string, SseStream>;
  /** Requests in flight, by JSON-RPC id. */
  readonly inflight: RequestTable<HttpExchange>;
  /** Streams of other processes relayed to this session's client; made on first need. */
  relays: Set<Relay> | undefined;

  constructor() {
    this.standalone = undefined;
    this.streams = new Map();
    this.inflight = new RequestTable();
    this.relays = undefined;
  }
}

export class HttpSessionRuntime implements SessionRuntime, RelayHost {
  /** By session id. */
  readonly #states: Map<string, SessionStreams>;
  readonly #eventStore: EventStore | undefined;
  /** The event store, when several processes share it. */
  readonly #shared: SharedEventStore | undefined;
  /** Waits on the shared store that clients' resumptions make, bounded per client. */
  readonly waits: ResumeWaits;
  /**
   * Tells the server a session's notifications now go out from here (its GET stream is here);
   * `takenOver` when the stream was a dead process's.
   */
  readonly #attach: (session: LegacySession, takenOver: boolean) => void;
  readonly #report: (error: unknown, operation: string) => void;
  /** How long a stream that ended with its client away stays resumable. */
  readonly #resumeWindowMs: number;
  /** The SSE `retry` hint, in ms. */
  readonly #retryMs: number;
  /** Where failures of a (remote) event store go: they cost resumability, never a request. */
  readonly #appendFailed: (error: unknown) => void;
  readonly #dropFailed: (error: unknown) => void;
  readonly #sweepFailed: (error: unknown) => void;

  constructor(
    eventStore: EventStore | undefined,
    resumeWindowMs: number,
    retryMs: number,
    report: (error: unknown, operation: string) => void,
    attach: (session: LegacySession, takenOver: boolean) => void = () => {},
  ) {
    this.#states = new Map();
    this.#eventStore = eventStore;
    this.#shared = isSharedEventStore(eventStore) ? eventStore : undefined;
    this.waits = new ResumeWaits();
    this.#attach = attach;
    this.#report = report;
    this.#resumeWindowMs = resumeWindowMs;
    this.#retryMs = retryMs;
    this.#appendFailed = (error) => report(error, 'event store append');
    this.#dropFailed = (error) => report(error, 'event store drop');
    this.#sweepFailed = (error) => report(error, 'event store sweep');
  }

  /** The session's streams, made on first need. */
  of(session: LegacySession): SessionStreams {
    let state = this.#states.get(session.id!);
    if (state === undefined) {
      state = new SessionStreams();
      this.#states.set(session.id!, state);
    }
    return state;
  }

  peek(session: LegacySession): SessionStreams | undefined {
    return this.#states.get(session.id!);
  }

  // ---- RelayHost: streams of other processes --------------------------------------------------

  get store(): SharedEventStore {
    return this.#shared!;
  }

  relays(session: LegacySession): Set<Relay> {
    return (this.of(session).relays ??= new Set());
  }

  continueGetStream(session: LegacySession, streamId: string, sequence: number, sink: ResponseSink): void {
    const state = this.of(session);
    const stream = new SseStream(streamId, undefined, this.#eventStore, this.#retryMs, this.#appendFailed);
    stream.continueFrom(sequence);
    stream.coalesceWhileBackedUp();
    stream.attach(sink);
    state.streams.set(streamId, stream);
    state.standalone?.end();
    state.standalone = stream;
    session.outlet = stream;
    this.#attach(session, true);
  }

  report(error: unknown, operation: string): void {
    this.#report(error, operation);
  }

  /**
   * A request's stream, on a response already opened: kept for resumption when there is an
   * event store, and primed with an event id from 2025-11-25 on, so a client that loses it
   * before any message can still resume (spec 2025-11-25, transports: resumability).
   */
  openResumable(session: LegacySession, sink: ResponseSink, requestId?: RequestId): SseStream {
    const stream = new SseStream(randomUUID(), sink, this.#eventStore, this.#retryMs, this.#appendFailed);
    if (this.#eventStore !== undefined) {
      // Known to the other processes before its first event, so any of them can resume it.
      if (this.#shared !== undefined) this.#own(() => this.#shared!.open(stream.id, session.id!, requestId), this.#appendFailed);
      this.of(session).streams.set(stream.id, stream);
      if (primes(session)) stream.prime();
    }
    return stream;
  }

  /** The session's GET stream: one at a time (409 while one is connected). */
  openGetStream(session: LegacySession, sink: ResponseSink): void {
    const state = this.of(session);
    if (state.standalone?.connected) {
      writeRefusal(sink, GET_STREAM_OPEN);
      return;
    }
    sink.open({ ...SSE_HEADERS, 'mcp-session-id': session.id! });
    const stream = this.openResumable(session, sink);
    stream.coalesceWhileBackedUp();
    state.standalone?.end();
    state.standalone = stream;
    session.outlet = stream;
    this.#attach(session, false);
  }

  /** Replays a stream's events after Last-Event-ID, then goes on live on this connection. */
  async resume(session: LegacySession, lastEventId: string, sink: ResponseSink): Promise<void> {
    const state = this.of(session);
    const stream = state.streams.get(streamIdOf(lastEventId));
    // Written by another process sharing the event store, perhaps.
    if (stream === undefined && this.#shared !== undefined) return resumeElsewhere(this, session, lastEventId, sink);
    // Last-Event-ID is the client's: an id the stream never gave is unknown. Taken as one past
    // its end, it would skip what the client never had, and forget an ended stream as
    // delivered whole, its answer with it.
    if (stream === undefined || !stream.gave(sequenceOf(lastEventId))) {
      writeRefusal(sink, UNKNOWN_EVENT_ID);
      return;
    }
    // A stream that only sent its priming event has nothing stored yet. A store that fails
    // rejects this promise: the caller answers this GET, and only it.
    const stored = await this.#eventStore!.replayAfter(lastEventId);
    // An ended stream the store forgot (past its bound) though it gave events since: they are
    // lost, its answer with them, which an empty replay would hide. A live one goes on: what it
    // sends from now on still comes.
    if (stored === undefined && stream.ended && stream.gave(sequenceOf(lastEventId) + 1)) {
      this.forget(session, stream);
      return writeRefusal(sink, UNKNOWN_EVENT_ID);
    }
    const events: StoredEvent[] = stored ?? [];
    // The session ended while the store was read: it is gone, as to any later request.
    if (sink.done || session.closed) return writeRefusal(sink, SESSION_NOT_FOUND);
    sink.open({ ...SSE_HEADERS, 'mcp-session-id': session.id! });
    for (const event of events) sink.write(messageEvent(event.message, event.id));
    stream.attach(sink);
    if (stream === state.standalone) session.outlet = stream;
    // An ended stream is now delivered whole: nothing is left to resume.
    else if (stream.ended) this.forget(session, stream);
  }

  /** Forgets a stream and its stored events: delivered whole, or no longer resumable. */
  forget(session: LegacySession, stream: SseStream): void {
    if (this.#states.get(session.id!)?.streams.delete(stream.id)) this.#dropEvents(stream.id);
  }

  inUse(session: LegacySession): boolean {
    if (session.outlet?.connected === true || session.waiting) return true;
    const state = this.#states.get(session.id!);
    if (state === undefined) return false;
    if (state.inflight.size > 0) return true;
    for (const stream of state.streams.values()) if (stream.connected) return true;
    if (state.relays !== undefined) for (const relay of state.relays) if (!relay.sink.done) return true;
    return false;
  }

  /**
   * The session ended (DELETE, expiry, eviction, shutdown): its requests in flight are
   * cancelled and answered 404, as any later request naming it would be (spec 2025-11-25,
   * transports: session management); its streams end.
   */
  closed(session: LegacySession): void {
    const state = this.#states.get(session.id!);
    if (state === undefined) return;
    this.#states.delete(session.id!);
    if (state.relays !== undefined) {
      for (const relay of state.relays) {
        relay.stop();
        relay.sink.end();
      }
    }
    for (const [id, exchange] of state.inflight.entries()) {
      exchange.cancel(new McpLocalError(LocalErrorCode.ConnectionClosed, 'Session closed'));
      exchange.finish(errorResponse(id, { code: ErrorCode.SessionNotFound, message: 'Session closed' }), 404);
    }
    for (const stream of state.streams.values()) {
      stream.end();
      this.#dropEvents(stream.id);
    }
    state.standalone?.end();
  }

  /**
   * Frees streams that ended with their client away and were not resumed in time. Those still
   * written stay known to the other processes sharing the store, however quiet they are: they
   * stay resumable here.
   */
  sweep(now: number): void {
    const expired = now - this.#resumeWindowMs;
    const live: string[] = [];
    for (const state of this.#states.values()) {
      for (const stream of state.streams.values()) {
        if (stream.endedAt === undefined) live.push(stream.id);
        else if (stream.endedAt < expired) {
          state.streams.delete(stream.id);
          this.#dropEvents(stream.id);
        }
      }
    }
    if (this.#shared !== undefined && live.length > 0) this.#own(() => this.#shared!.keep(live), this.#sweepFailed);
    if (this.#eventStore?.sweep !== undefined) this.#own(() => this.#eventStore!.sweep!(now), this.#sweepFailed);
  }

  /** How many of them have a client connected now (for tests and metrics). */
  get openStreamCount(): number {
    let count = 0;
    for (const state of this.#states.values()) for (const stream of state.streams.values()) if (stream.connected) count++;
    return count;
  }

  /** How many streams are kept for sessions, open or resumable (for tests and metrics). */
  get streamCount(): number {
    let count = 0;
    for (const state of this.#states.values()) count += state.streams.size;
    return count;
  }

  #dropEvents(streamId: string): void {
    if (this.#eventStore !== undefined) this.#own(() => this.#eventStore!.drop(streamId), this.#dropFailed);
  }

  /** Runs a store call whose result nobody waits for; a throw or a rejection is reported. */
  #own(call: () => unknown, failed: (error: unknown) => void): void {
    try {
      ownRejection(call(), failed);
    } catch (error) {
      failed(error);
    }
  }
}
