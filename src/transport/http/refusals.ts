/**
 * The refusals the Streamable HTTP core writes before or instead of dispatching, built once,
 * and the one way they are written: status, headers, and a JSON-RPC error response.
 */
import { errorResponse, type RequestId } from '../../protocol/jsonrpc.ts';
import { ErrorCode } from '../../protocol/wire-errors.ts';
import { Refusal, retryLater } from '../../security/edge.ts';
import { ALLOWED_METHODS } from './cors.ts';
import { JSON_HEADERS, type ResponseSink } from './sink.ts';

export function refusal(status: number, code: number, message: string, headers?: Record<string, string>): Refusal {
  return new Refusal(status, { code, message }, headers);
}

/** Writes a refusal as JSON, the same on every face (with the request's `id` when known). */
export function writeRefusal(sink: ResponseSink, refused: Refusal, id?: RequestId): void {
  const headers = refused.headers === undefined ? JSON_HEADERS : { ...JSON_HEADERS, ...refused.headers };
  sink.send(refused.status, headers, JSON.stringify(errorResponse(id, refused.error)));
}

/** RFC 9112 §3.2 (see security/origin.ts, hostHeaders). */
export const MANY_HOSTS = refusal(400, ErrorCode.BadRequest, 'Bad Request: more than one Host header');
export const SESSION_REQUIRED = refusal(400, ErrorCode.BadRequest, 'Bad Request: Mcp-Session-Id header is required');
/** Sessions disabled: no GET stream to open, no session to delete (as modern servers answer). */
export const NO_SESSIONS = refusal(405, ErrorCode.BadRequest, 'Method Not Allowed: this endpoint has no sessions', { allow: 'POST' });
/** Unknown, ended, and another principal's sessions look alike: ids are not confirmed to strangers. */
export const SESSION_NOT_FOUND = refusal(404, ErrorCode.SessionNotFound, 'Session not found');
export const METHOD_NOT_ALLOWED = refusal(405, ErrorCode.BadRequest, 'Method Not Allowed', { allow: `${ALLOWED_METHODS}, OPTIONS` });
export const EDGE_FAILED = refusal(500, ErrorCode.InternalError, 'Internal error');
export const ALREADY_INITIALIZED = refusal(400, ErrorCode.InvalidRequest, 'Invalid Request: session is already initialized');
export const GET_STREAM_OPEN = refusal(409, ErrorCode.BadRequest, 'Conflict: this session already has a GET stream');
/**
 * A Last-Event-ID this live session cannot resume from (unknown, forged, malformed, another
 * session's, past the end of its stream). Not 404: that tells a client its session is gone,
 * and it must start another (spec 2025-11-25, transports: session management); the session
 * goes on, only the stream cannot be resumed.
 */
export const UNKNOWN_EVENT_ID = refusal(400, ErrorCode.BadRequest, 'Bad Request: unknown Last-Event-ID');
/** Every candidate for eviction is in use: it lasts as long as their requests or streams. */
export const NO_SESSION_ROOM = {
  client: refusal(503, ErrorCode.BadRequest, 'Service Unavailable: this client has too many sessions in use', { 'retry-after': '5' }),
  server: refusal(503, ErrorCode.BadRequest, 'Service Unavailable: too many sessions in use', { 'retry-after': '5' }),
} as const;

/**
 * A Last-Event-ID past what the store holds, on a stream whose writer's lease still holds for
 * `leaseMs` but was not renewed while the event was waited for: the writer may have died, and
 * the stream can be taken over once its lease lapsed, so the client is told to come back then
 * (a 400 would tell it the stream cannot be resumed, a 404 that its session is gone).
 */
export function resumeNotYet(leaseMs: number): Refusal {
  // A lease with no time to live (never set so) is not one to wait out: a second, as elsewhere.
  return retryLater(
    503,
    'writer_lease',
    leaseMs > 0 ? leaseMs : 1000,
    (seconds) =>
      `Service Unavailable: the event after Last-Event-ID is not stored and its stream's writer may have stopped; the stream can be resumed once its lease lapses, retry in ${seconds} s`,
  );
}
