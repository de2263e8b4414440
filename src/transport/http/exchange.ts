/**
 * The exchange of one HTTP POST request: its response is one JSON body when nothing else is
 * sent, and becomes an SSE stream the moment the server sends anything related to it
 * (progress, logs, legacy server-to-client requests).
 */
import type { JsonRpcNotification, JsonRpcRequest, JsonRpcResponse, RequestId } from '../../protocol/jsonrpc.ts';
import { encodeMessage } from '../../protocol/encode.ts';
import { ErrorCode } from '../../protocol/wire-errors.ts';
import type { LegacySession } from '../../store/legacy-session.ts';
import type { Principal, Refusal } from '../../security/edge.ts';
import { BaseExchange } from '../exchange.ts';
import type { ResponseSink, OutgoingHeaders } from './sink.ts';
import { JSON_HEADERS, SSE_HEADERS } from './sink.ts';
import type { SseStream } from './sse.ts';

/** Opens the SSE stream of an exchange; provided by the endpoint, which knows the session. */
export interface StreamOpener {
  openStream(exchange: HttpExchange): SseStream;
  /** The stream ended with its client still connected: nothing is left to resume. */
  streamDelivered(exchange: HttpExchange, stream: SseStream): void;
}

/** HTTP status for a modern error response (spec 2026-07-28, Streamable HTTP). */
export function modernStatus(response: JsonRpcResponse): number {
  if (!('error' in response)) return 200;
  switch (response.error.code) {
    case ErrorCode.MethodNotFound:
      return 404;
    case ErrorCode.ParseError:
    case ErrorCode.InvalidRequest:
    case ErrorCode.HeaderMismatch:
    case ErrorCode.MissingRequiredClientCapability:
    case ErrorCode.UnsupportedProtocolVersion:
      return 400;
    default:
      return 200;
  }
}

export class HttpExchange extends BaseExchange {
  readonly sink: ResponseSink;
  /** Headers every response of this exchange carries (Mcp-Session-Id). */
  headers: OutgoingHeaders;
  stream: SseStream | undefined;
  /** The final answer went out (or none is due): later messages are dropped. */
  finished: boolean;
  /** Set by an interceptor that refused the request: its status and headers go with the answer. */
  refusal: Refusal | undefined;
  /** The request of a legacy session, named in its stream so that another process can answer for it. */
  requestId: RequestId | undefined;
  readonly #opener: StreamOpener;

  constructor(opener: StreamOpener, sink: ResponseSink, session: LegacySession | undefined, auth: Principal | undefined, headers: OutgoingHeaders, client?: string) {
    super(session, auth, client);
    this.#opener = opener;
    this.sink = sink;
    this.headers = headers;
    this.stream = undefined;
    this.finished = false;
    this.refusal = undefined;
    this.requestId = undefined;
  }

  refuse(refusal: Refusal): void {
    this.refusal = refusal;
  }

  send(message: JsonRpcNotification | JsonRpcRequest): void {
    if (this.cancelled || this.finished) return;
    (this.stream ??= this.#opener.openStream(this)).deliver(message);
  }

  get backedUp(): boolean {
    return this.stream !== undefined && !this.finished && this.stream.backedUp;
  }

  onCaughtUp(listener: () => void): void {
    this.stream?.onCaughtUp(listener);
  }

  /**
   * Closes this request's SSE connection without ending its stream: the client reconnects
   * with Last-Event-ID and polls for the rest (SEP-1699). Legacy sessions with resumable
   * streams only, once an event id went out; false elsewhere.
   */
  closeStream(): boolean {
    if (this.cancelled || this.finished || this.session?.id === undefined) return false;
    const stream = (this.stream ??= this.#opener.openStream(this));
    // The connection may close only once the client holds an event id to come back with (spec
    // 2025-11-25, transports: sending messages): streams before 2025-11-25 are not primed, and
    // their client, told nothing yet, could never have the answer.
    if (!stream.hasEventId) return false;
    stream.detach();
    return true;
  }

  /**
   * Sends the final response: the last event of the stream, or the whole body. Without a
   * response (the request was cancelled, and none is due) the POST still gets a well-formed
   * answer: its SSE stream ends without one. Only the first call counts.
   */
  finish(response: JsonRpcResponse | undefined, status: number): void {
    if (this.finished) return;
    this.finished = true;
    const stream = this.stream;
    if (stream !== undefined) {
      if (response !== undefined) stream.deliver(response);
      const delivered = stream.connected;
      stream.end();
      if (delivered) this.#opener.streamDelivered(this, stream);
      return;
    }
    if (this.sink.done) return;
    if (response === undefined) {
      this.sink.open(this.headers === NO_HEADERS ? SSE_HEADERS : { ...SSE_HEADERS, ...this.headers });
      this.sink.end();
      return;
    }
    const refused = this.refusal;
    if (refused !== undefined && 'error' in response) {
      this.sink.send(refused.status, { ...JSON_HEADERS, ...this.headers, ...refused.headers }, encodeMessage(response));
      return;
    }
    this.sink.send(status, this.headers === NO_HEADERS ? JSON_HEADERS : { ...JSON_HEADERS, ...this.headers }, encodeMessage(response));
  }
}

export const NO_HEADERS: OutgoingHeaders = Object.freeze({}) as OutgoingHeaders;
