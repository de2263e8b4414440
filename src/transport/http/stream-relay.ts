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
 */
import { ownRejection } from '../../protocol/error-report.ts';
import { isMintedId } from '../../protocol/guards.ts';
import { errorResponse, type RequestId } from '../../protocol/jsonrpc.ts';
import { ErrorCode } from '../../protocol/wire-errors.ts';
import { makeEventId, sequenceOf, streamIdOf, type SharedEventStore, type StoredEvent, type StreamInfo } from '../../store/event-store.ts';
import type { LegacySession } from '../../store/legacy-session.ts';
import { keepAlive, release } from './keep-alive.ts';
import { UNKNOWN_EVENT_ID, writeRefusal } from './refusals.ts';
import { SSE_HEADERS, type ResponseSink } from './sink.ts';
import { formatEvent, primes } from './sse.ts';

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
  /** The session's relays, to count as in use and to stop when it ends. */
  relays(session: LegacySession): Set<Relay>;
  /** Goes on writing a GET stream in this process, from `sequence`, on `sink` (a takeover). */
  continueGetStream(session: LegacySession, streamId: string, sequence: number, sink: ResponseSink): void;
  report(error: unknown, operation: string): void;
}

/**
 * Resumes a stream this process does not hold. Rejects only before the response opened (the
 * caller answers it); afterwards failures end the response and are reported.
 */
export async function resumeElsewhere(host: RelayHost, session: LegacySession, lastEventId: string, sink: ResponseSink): Promise<void> {
  const streamId = streamIdOf(lastEventId);
  const after = sequenceOf(lastEventId);
  // Last-Event-ID is the client's: anything but one of our ids is unknown, and never reaches
  // the store (its stream id would become part of a key).
  if (!isMintedId(streamId) || !Number.isSafeInteger(after) || after < 1) return writeRefusal(sink, UNKNOWN_EVENT_ID);
  const info = await host.store.describe(streamId);
  if (info === undefined || info.sessionId !== session.id) return writeRefusal(sink, UNKNOWN_EVENT_ID);
  // A sequence the stream never gave is unknown too, as in the writer's process: taken as one
  // past its end it would skip what the client never had, and forget an ended stream as
  // delivered whole, its answer with it. The store lags its writer, which delivers an event
  // before its append lands: past what is stored, a live stream's id is waited for.
  const given = Math.max(info.lastSequence, primes(session) ? 1 : 0);
  if (after > given && (info.ended || !info.writerAlive || !(await host.store.stored(streamId, after)))) return writeRefusal(sink, UNKNOWN_EVENT_ID);
  if (sink.done || session.closed) return;
  sink.open({ ...SSE_HEADERS, 'mcp-session-id': session.id });
  if (info.ended || info.writerAlive) relay(host, session, streamId, after, info, sink);
  else await takeOver(host, session, streamId, after, info, sink);
}

/** Relays the stream's events after `after` as they are stored, until it ends or its writer dies. */
function relay(host: RelayHost, session: LegacySession, streamId: string, after: number, info: StreamInfo, sink: ResponseSink): void {
  const relays = host.relays(session);
  let last = after;
  keepAlive(sink);
  const finish = () => {
    relays.delete(entry);
    release(sink);
    sink.end();
  };
  const follower = host.store.follow(streamId, after, {
    event: (event) => {
      last = sequenceOf(event.id);
      sink.write(formatEvent(JSON.stringify(event.message), event.id));
    },
    ended: () => {
      // Delivered whole to a client still there: nothing is left to resume.
      if (!sink.done) ownRejection(host.store.drop(streamId), (error) => host.report(error, 'event store drop'));
      finish();
    },
    writerLost: () => {
      relays.delete(entry);
      release(sink);
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
    release(sink);
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
    sink.write(formatEvent(JSON.stringify(event.message), event.id));
    sequence = Math.max(sequence, sequenceOf(event.id));
  }
  if (info.requestId === undefined) return host.continueGetStream(session, streamId, sequence, sink);
  await endLostRequest(store, streamId, sequence, info.requestId, sink);
}

/** The request's answer will never come: it gets an error, stored too, and its stream ends. */
async function endLostRequest(store: SharedEventStore, streamId: string, sequence: number, requestId: RequestId, sink: ResponseSink): Promise<void> {
  const response = errorResponse(requestId, { code: ErrorCode.InternalError, message: WRITER_LOST });
  const eventId = makeEventId(streamId, sequence + 1);
  sink.write(formatEvent(JSON.stringify(response), eventId));
  sink.end();
  await store.append(streamId, eventId, response);
  await store.end(streamId);
}
