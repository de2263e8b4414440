/**
 * Resuming, in this process, a legacy SSE stream another process wrote (several processes
 * behind one endpoint, with a shared event store). The client comes back with Last-Event-ID
 * wherever the load balancer sends it (spec 2025-11-25, transports: resumability):
 * - its writer is alive (or the stream ended): this process relays the stream, the events
 *   stored after Last-Event-ID and then each one as its writer stores it, until it ends;
 * - its writer died (its lease lapsed) before the stream ended: a session's GET stream is
 *   taken over, and goes on from this process; a request's stream gets what was stored, then
 *   an error response for that request (its work died with its process; the client may send it
 *   again), and ends.
 * Redis lags the writer, which delivers an event before its append lands, and a stream's first
 * event before its registration lands: what is not there yet is waited for, briefly and a
 * bounded number of times per client; which sequences a stream may have given is worked out in
 * {@link pastStored}.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ownRejection } from '../../protocol/error-report.ts';
import { isMintedId } from '../../protocol/guards.ts';
import { errorResponse, type RequestId } from '../../protocol/jsonrpc.ts';
import { ErrorCode } from '../../protocol/wire-errors.ts';
import { Refusal } from '../../security/edge.ts';
import { makeEventId, sequenceOf, streamIdOf, type SharedEventStore, type StoredEvent, type StreamInfo } from '../../store/event-store.ts';
import type { LegacySession } from '../../store/legacy-session.ts';
import { keepAlive, release } from './keep-alive.ts';
import { resumeNotYet, SESSION_NOT_FOUND, UNKNOWN_EVENT_ID, writeRefusal } from './refusals.ts';
import { SSE_HEADERS, type ResponseSink } from './sink.ts';
import { messageEvent, primes } from './sse.ts';

/** The message of the error that ends a request's stream whose writer died. */
export const WRITER_LOST = 'The server process serving this request stopped before answering; send the request again';

/** A stream of another process relayed to a client of this one. */
export interface Relay {
  readonly sink: ResponseSink;
  stop(): void;
}

/** What a relay needs of the session runtime it works for. */
export interface RelayHost {
  readonly store: SharedEventStore;
  /** The waits on the store clients' resumptions make, bounded per client. */
  readonly waits: ResumeWaits;
  /** The session's relays, to count as in use and to stop when it ends. */
  relays(session: LegacySession): Set<Relay>;
  /** Goes on writing a GET stream in this process, from `sequence`, on `sink` (a takeover). */
  continueGetStream(session: LegacySession, streamId: string, sequence: number, sink: ResponseSink): void;
  report(error: unknown, operation: string): void;
}

/**
 * Waits on Redis that one client's resumptions make at once (for a stream's registration, or
 * an event's append, still on its way): an honest client resumes the few streams it had cut at
 * once; past this bound, ids it may have forged are decided on what Redis holds, without
 * waiting. Each wait lasts `store.redis.commandTimeoutMs` at most.
 */
export const MAX_RESUME_WAITS_PER_CLIENT = 16;

/** The waits each client (whose quota its session counts against) has in progress. */
export class ResumeWaits {
  readonly #byClient: Map<string, number>;

  constructor() {
    this.#byClient = new Map();
  }

  /** Runs `wait` if `client` has room for one more, else resolves `otherwise` at once. */
  async run<T>(client: string, wait: () => Promise<T>, otherwise: T): Promise<T> {
    const waiting = this.#byClient.get(client) ?? 0;
    if (waiting >= MAX_RESUME_WAITS_PER_CLIENT) return otherwise;
    this.#byClient.set(client, waiting + 1);
    try {
      return await wait();
    } finally {
      const left = this.#byClient.get(client)! - 1;
      if (left === 0) this.#byClient.delete(client);
      else this.#byClient.set(client, left);
    }
  }
}

/**
 * Resumes a stream this process does not hold. Rejects only before the response opened (the
 * caller answers it); afterwards failures end the response and are reported.
 */
export async function resumeElsewhere(host: RelayHost, session: LegacySession, lastEventId: string, sink: ResponseSink): Promise<void> {
  const streamId = streamIdOf(lastEventId);
  const after = sequenceOf(lastEventId);
  // Last-Event-ID is the client's: anything but one of our ids is unknown, and never reaches
  // the store (its stream id would become part of a key). Below MAX_SAFE_INTEGER, a takeover's
  // next event id is exact.
  if (!isMintedId(streamId) || !Number.isSafeInteger(after) || after < 1 || after >= Number.MAX_SAFE_INTEGER) return writeRefusal(sink, UNKNOWN_EVENT_ID);
  let info = await host.store.describe(streamId);
  // The writer delivers a stream's first event (the priming one) while its registration is on
  // its way: an id of the minted shape, in a session that exists, is waited for.
  if (info === undefined) info = await host.waits.run(session.client, () => host.store.opened(streamId), undefined);
  // A session that ended during the waits on the store is gone (404), as to any later request;
  // a live one goes on, only this stream is refused (400).
  if (info === undefined || info.sessionId !== session.id) return writeRefusal(sink, session.closed ? SESSION_NOT_FOUND : UNKNOWN_EVENT_ID);
  const given = Math.max(info.lastSequence, primes(session) ? 1 : 0);
  if (after > given) {
    const decided = await pastStored(host, session, streamId, after, info);
    if (decided instanceof Refusal) return writeRefusal(sink, session.closed ? SESSION_NOT_FOUND : decided);
    info = decided;
  }
  if (sink.done || session.closed) return writeRefusal(sink, SESSION_NOT_FOUND);
  sink.open({ ...SSE_HEADERS, 'mcp-session-id': session.id });
  if (info.ended || info.writerAlive) relay(host, session, streamId, after, info, sink);
  else await takeOver(host, session, streamId, after, info, sink);
}

/**
 * A sequence past the last one stored (or the priming one, never stored): what is known of the
 * stream if it is to be resumed from there, or why not. The writer mints each event's
 * sequence, sends its append, then delivers it (sse.ts), all appends in order on its one
 * Redis connection: the store lags what the client holds, and an append that fails (Redis
 * unreachable from the writer: at once while disconnected, or after commandTimeoutMs) is
 * never sent again. So:
 * - the stream ended: its end marker went out after its last event, so nothing past what is
 *   stored can be replayed: taken as one past its end, the id would skip what the client
 *   never had, and forget the stream as delivered whole, its answer with it. Refused (400);
 * - its writer's lease holds: the append is on its way, or was lost by a writer that died
 *   since, or the stream never reached that sequence (a forged id). Waited for, at most
 *   commandTimeoutMs (the writer gives an append up after that long). Not stored by then:
 *   - the writer renewed its lease after the client asked: it is alive, and its renewal went
 *     out after the append of every event it had delivered by then, on the same connection,
 *     so that append landed or was given up. Nothing is coming: refused (400, as any id
 *     the stream cannot be resumed from; a live writer renews forever, so a 503 would have
 *     the client ask again until it gave up). A live writer renews three times per lease, so
 *     once by half the lease left when the stream was described (a little later for timers
 *     running late), which is waited for if the event's wait was shorter;
 *   - the lease holds but was not renewed by then: the writer may have died, and nothing in
 *     Redis tells until the lease lapses: the client is told to come back then (503,
 *     Retry-After: the lease left). A 400 would tell it the stream cannot be resumed, and it
 *     would give its call up though the outcome may yet come. Past the client's waits at once, the same is
 *     decided on what Redis holds;
 * - its writer dead (its lease lapsed) before the stream ended: it may have delivered any
 *   number of events whose appends failed before it died, and nothing in Redis bounds how
 *   many, so any sequence past what is stored may be one it gave. Taken over from there, the
 *   client skips nothing (nothing is stored past it) and has what a client resuming from a
 *   stored id has: the error for its request, or its GET stream going on.
 */
async function pastStored(host: RelayHost, session: LegacySession, streamId: string, after: number, info: StreamInfo): Promise<StreamInfo | Refusal> {
  if (info.ended) return UNKNOWN_EVENT_ID;
  if (!info.writerAlive) return info;
  // A monotonic clock: a wall clock set forward meanwhile would look like a renewal.
  const describedAt = performance.now();
  return host.waits.run(
    session.client,
    async (): Promise<StreamInfo | Refusal> => {
      if (await host.store.stored(streamId, after)) return info;
      const renewalDue = describedAt + info.writerLeaseMs / 2 + RENEWAL_LATE_MS;
      for (;;) {
        const askedAt = performance.now();
        const now = await host.store.describe(streamId);
        if (now === undefined || now.ended) return UNKNOWN_EVENT_ID;
        if (!now.writerAlive) return now;
        if (renewedSince(info, describedAt, now, askedAt)) return UNKNOWN_EVENT_ID;
        const wait = renewalDue - performance.now();
        if (wait <= 0) return resumeNotYet(now.writerLeaseMs);
        await sleep(wait);
      }
    },
    resumeNotYet(info.writerLeaseMs),
  );
}

/** How late a live writer's lease renewal may come past its due time (its timers running late). */
const RENEWAL_LATE_MS = 200;
/** What the lease left may read above its fall with the clock without a renewal: PTTL is in whole ms. */
const LEASE_ROUNDING_MS = 10;

/**
 * Whether the writer's lease was renewed between a description of the stream read by
 * `describedAt` and one asked for at `askedAt`: left alone, the lease left falls at least as
 * much as the time between them; a renewal sets it back up by the time since the previous
 * one, a third of the lease. A lease with no expiry tells nothing.
 */
function renewedSince(before: StreamInfo, describedAt: number, now: StreamInfo, askedAt: number): boolean {
  return before.writerLeaseMs > 0 && now.writerLeaseMs > before.writerLeaseMs - (askedAt - describedAt) + LEASE_ROUNDING_MS;
}

/** Relays the stream's events after `after` as they are stored, until it ends or its writer dies. */
function relay(host: RelayHost, session: LegacySession, streamId: string, after: number, info: StreamInfo, sink: ResponseSink): void {
  const relays = host.relays(session);
  let last = after;
  const kept = keepAlive(sink);
  const finish = () => {
    relays.delete(entry);
    release(kept);
    sink.end();
  };
  const follower = host.store.follow(streamId, after, {
    event: (event) => {
      last = sequenceOf(event.id);
      sink.write(messageEvent(event.message, event.id));
    },
    ended: () => {
      // Delivered whole to a client still there: nothing is left to resume.
      if (!sink.done) ownRejection(host.store.drop(streamId), (error) => host.report(error, 'event store drop'));
      finish();
    },
    writerLost: () => {
      relays.delete(entry);
      release(kept);
      takeOver(host, session, streamId, last, info, sink).catch((error: unknown) => {
        host.report(error, 'event store takeover');
        sink.end();
      });
    },
    failed: (error) => {
      host.report(error, 'event store follow');
      finish();
    },
  });
  const entry: Relay = { sink, stop: () => follower.stop() };
  relays.add(entry);
  sink.onAbort(() => {
    follower.stop();
    relays.delete(entry);
    release(kept);
  });
}

/** The writer died before the stream ended: see the module comment. */
async function takeOver(host: RelayHost, session: LegacySession, streamId: string, after: number, info: StreamInfo, sink: ResponseSink): Promise<void> {
  const store = host.store;
  if (!(await store.claim(streamId))) {
    // Another process took it over first: relay it from there.
    const now = await store.describe(streamId);
    if (now === undefined) return sink.end();
    return relay(host, session, streamId, after, now, sink);
  }
  const events: StoredEvent[] = (await store.replayAfter(makeEventId(streamId, after))) ?? [];
  if (sink.done || session.closed) return;
  let sequence = Math.max(after, info.lastSequence);
  for (const event of events) {
    sink.write(messageEvent(event.message, event.id));
    sequence = Math.max(sequence, sequenceOf(event.id));
  }
  if (info.requestId === undefined) return host.continueGetStream(session, streamId, sequence, sink);
  await endLostRequest(store, streamId, sequence, info.requestId, sink);
}

/** The request's answer will never come: it gets an error, stored too, and its stream ends. */
async function endLostRequest(store: SharedEventStore, streamId: string, sequence: number, requestId: RequestId, sink: ResponseSink): Promise<void> {
  const response = errorResponse(requestId, { code: ErrorCode.InternalError, message: WRITER_LOST });
  const eventId = makeEventId(streamId, sequence + 1);
  sink.write(messageEvent(response, eventId));
  sink.end();
  await store.append(streamId, eventId, response);
  await store.end(streamId);
}
