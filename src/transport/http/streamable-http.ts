/**
 * The Streamable HTTP transport, serving both eras on one endpoint (spec 2026-07-28 and
 * 2025-11-25, Streamable HTTP). Framework-free: adapters (node:http, fetch) hand it headers,
 * a body and a {@link ResponseSink}.
 *
 * How a POST is routed:
 * - `Mcp-Session-Id` present: a legacy session request (404 when the session is unknown).
 * - `initialize`: opens a legacy session.
 * - otherwise a modern (stateless) request, unless it names a legacy version in
 *   MCP-Protocol-Version and carries no `_meta`: then it is legacy traffic without a session.
 */
import { randomUUID } from 'node:crypto';
import { isObject, stringOr } from '../../protocol/guards.ts';
import type { HeaderParam } from '../../protocol/header-params.ts';
import {
  classify,
  describeInvalid,
  errorResponse,
  MessageKind,
  salvageId,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from '../../protocol/jsonrpc.ts';
import { ownRejection } from '../../protocol/error-report.ts';
import { LocalErrorCode, McpLocalError } from '../../protocol/local-errors.ts';
import { MetaKey } from '../../protocol/meta.ts';
import { Method, Notification } from '../../protocol/methods.ts';
import { DEFAULT_HEADERLESS_VERSION, isLegacyVersion, legacyAtLeast, SUPPORTED_VERSIONS } from '../../protocol/versions.ts';
import { ErrorCode, type WireError } from '../../protocol/wire-errors.ts';
import { createOriginCheck, type OriginCheck } from '../../security/origin.ts';
import { MemoryEventStore, streamIdOf, type EventStore } from '../../store/event-store.ts';
import { LegacySession } from '../../store/legacy-session.ts';
import { SessionStore, type SessionStoreOptions } from '../../store/session-store.ts';
import { DrainState, SHUTTING_DOWN, type Drainable } from '../drain.ts';
import type { AuthInfo, Exchange } from '../exchange.ts';
import { HttpExchange, modernStatus, NO_HEADERS, type StreamOpener } from './exchange.ts';
import { checkModernRequest, header, type Headers } from './modern-headers.ts';
import { JSON_HEADERS, SSE_HEADERS, type OutgoingHeaders, type ResponseSink } from './sink.ts';
import { SseStream } from './sse.ts';

/** What the transport needs of a server; McpServer provides it. */
export interface McpEndpoint {
  dispatch(request: JsonRpcRequest, exchange: Exchange): JsonRpcResponse | undefined | Promise<JsonRpcResponse | undefined>;
  handleNotification(notification: JsonRpcNotification, exchange: Exchange): void;
  /** The x-mcp-header parameters of a tool, to validate Mcp-Param-* headers. */
  headerParams?(toolName: string): readonly HeaderParam[] | undefined;
  /** Receives errors the transport caught while serving a request; must not throw. */
  reportError?(error: unknown, context: { method: string }): void;
}

export interface StreamableHttpOptions {
  /** Legacy sessions; `false` serves legacy clients statelessly (no Mcp-Session-Id). */
  sessions?: SessionStoreOptions | false;
  /** Where legacy SSE events are kept for Last-Event-ID resumption; `false` disables it. */
  eventStore?: EventStore | false;
  /** The SSE `retry` hint in ms: how long a client waits before resuming a stream. Default 1000. */
  retryIntervalMs?: number;
  /** Largest accepted request body. Default 4 MiB. */
  maxBodyBytes?: number;
  /** DNS rebinding protection; loopback-only by default. */
  originCheck?: OriginCheck;
}

/** A refusal before any JSON-RPC processing: status, and a JSON-RPC error without id. */
interface Refusal {
  status: number;
  code: number;
  message: string;
  headers?: OutgoingHeaders;
}

/** Per-session HTTP state, created on first need so plain request/response stays lean. */
interface SessionStreams {
  standalone: SseStream | undefined;
  /** Streams that can be resumed, by stream id. */
  streams: Map<string, SseStream>;
  /** Requests in flight, for `notifications/cancelled`. */
  inflight: Map<RequestId, HttpExchange>;
}

/**
 * Modern traffic declares itself: `_meta` carries a protocol version, or the
 * MCP-Protocol-Version header names one that is not a legacy revision.
 */
function isModern(headers: Headers, message: unknown): boolean {
  const params = (message as { params?: unknown }).params;
  if (isObject(params) && isObject(params._meta) && params._meta[MetaKey.ProtocolVersion] !== undefined) return true;
  const version = header(headers, 'mcp-protocol-version');
  return version !== undefined && !isLegacyVersion(version);
}

function internalError(id: RequestId | undefined): JsonRpcResponse {
  return errorResponse(id, { code: ErrorCode.InternalError, message: 'Internal error' });
}

function accepts(headers: Headers, type: string): boolean {
  const accept = header(headers, 'accept');
  return accept === undefined || accept.includes(type) || accept.includes('*/*');
}

export class StreamableHttp implements StreamOpener, Drainable {
  readonly maxBodyBytes: number;
  readonly sessions: SessionStore | undefined;
  readonly #endpoint: McpEndpoint;
  readonly #eventStore: EventStore | undefined;
  readonly #retryMs: number | undefined;
  readonly #originCheck: OriginCheck;
  readonly #streams: WeakMap<LegacySession, SessionStreams>;
  readonly #headerParams: (toolName: string) => readonly HeaderParam[] | undefined;
  /** A remote event store may fail in the background: reported, it costs only resumability. */
  readonly #appendFailed: (error: unknown) => void;
  readonly #dropFailed: (error: unknown) => void;
  /** Requests of every era whose answer is still to come, for a graceful shutdown. */
  readonly #inflight: Map<HttpExchange, RequestId>;
  readonly #drain: DrainState;

  constructor(endpoint: McpEndpoint, options: StreamableHttpOptions = {}) {
    this.#endpoint = endpoint;
    this.maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
    this.#streams = new WeakMap();
    this.sessions =
      options.sessions === false ? undefined : new SessionStore({ ...options.sessions, onClose: (session) => this.#sessionClosed(session) });
    this.#eventStore = options.eventStore === false ? undefined : (options.eventStore ?? new MemoryEventStore());
    this.#retryMs = options.retryIntervalMs ?? 1000;
    this.#originCheck = options.originCheck ?? createOriginCheck({ loopback: true });
    this.#headerParams = (name) => endpoint.headerParams?.(name);
    this.#appendFailed = (error) => this.#report(error, 'event store append');
    this.#dropFailed = (error) => this.#report(error, 'event store drop');
    this.#inflight = new Map();
    this.#drain = new DrainState();
  }

  // ---- checks every adapter runs before reading a body ---------------------------------------

  /** Origin/Host, method, media types: a refusal to send, or undefined to go on. */
  preflight(method: string, headers: Headers): Refusal | undefined {
    const forbidden = this.#originCheck(header(headers, 'origin'), header(headers, 'host'));
    if (forbidden !== undefined) return { status: 403, code: ErrorCode.BadRequest, message: `Forbidden: ${forbidden}` };
    switch (method) {
      case 'POST': {
        const type = header(headers, 'content-type');
        if (type === undefined || !type.toLowerCase().startsWith('application/json')) {
          return { status: 415, code: ErrorCode.BadRequest, message: 'Unsupported Media Type: Content-Type must be application/json' };
        }
        if (!accepts(headers, 'application/json') || !accepts(headers, 'text/event-stream')) {
          return { status: 406, code: ErrorCode.BadRequest, message: 'Not Acceptable: Accept must list application/json and text/event-stream' };
        }
        const length = Number(header(headers, 'content-length'));
        if (length > this.maxBodyBytes) return this.tooLarge();
        return undefined;
      }
      case 'GET':
        if (!accepts(headers, 'text/event-stream')) {
          return { status: 406, code: ErrorCode.BadRequest, message: 'Not Acceptable: Accept must list text/event-stream' };
        }
        return undefined;
      case 'DELETE':
        return undefined;
      default:
        return { status: 405, code: ErrorCode.BadRequest, message: 'Method Not Allowed', headers: { allow: 'GET, POST, DELETE' } };
    }
  }

  tooLarge(): Refusal {
    return { status: 413, code: ErrorCode.InvalidRequest, message: `Payload Too Large: the limit is ${this.maxBodyBytes} bytes` };
  }

  refuse(sink: ResponseSink, refusal: Refusal, id?: RequestId): void {
    const headers = refusal.headers === undefined ? JSON_HEADERS : { ...JSON_HEADERS, ...refusal.headers };
    sink.send(refusal.status, headers, JSON.stringify(errorResponse(id, { code: refusal.code, message: refusal.message })));
  }

  // ---- POST ----------------------------------------------------------------------------------

  post(headers: Headers, body: string, sink: ResponseSink, auth?: AuthInfo): void {
    let message: unknown;
    try {
      message = JSON.parse(body);
    } catch (error) {
      this.refuse(sink, { status: 400, code: ErrorCode.ParseError, message: `Parse error: ${(error as Error).message}` });
      return;
    }
    const kind = classify(message);
    if (kind === MessageKind.Invalid) {
      this.refuse(sink, { status: 400, code: ErrorCode.InvalidRequest, message: describeInvalid(message) }, salvageId(message));
      return;
    }
    if (this.#drain.draining && kind === MessageKind.Request) {
      this.#refuseWhileDraining(sink, (message as JsonRpcRequest).id);
      return;
    }
    // Whatever goes wrong while serving one message stays with it (see #failed). One try around
    // the synchronous path; the continuations of async requests are guarded in #run.
    try {
      const sessionId = header(headers, 'mcp-session-id');
      if (sessionId !== undefined && this.sessions !== undefined) {
        this.#postToSession(sessionId, headers, message, kind, sink, auth);
      } else if (isModern(headers, message)) {
        this.#postModern(headers, message, kind, sink, auth);
      } else if (kind === MessageKind.Request && (message as JsonRpcRequest).method === Method.Initialize) {
        this.#initialize(message as JsonRpcRequest, sink, auth);
      } else {
        this.#postSessionless(headers, message, kind, sink, auth);
      }
    } catch (error) {
      this.#failed(error, message, sink);
    }
  }

  /**
   * Something threw while serving one message: it is reported, its request gets 500 with a
   * -32603 error (an open stream is ended), and the server goes on with every other request.
   */
  #failed(error: unknown, message: unknown, sink: ResponseSink): void {
    const method = (message as { method?: unknown } | null)?.method;
    this.#report(error, typeof method === 'string' ? method : 'HTTP request');
    if (sink.done) return;
    try {
      sink.send(500, JSON_HEADERS, JSON.stringify(internalError(salvageId(message))));
    } catch (failure) {
      this.#report(failure, 'HTTP response');
    }
  }

  #report(error: unknown, method: string): void {
    this.#endpoint.reportError?.(error, { method });
  }

  /**
   * Sends a request's response. Never throws: a response JSON cannot carry (a BigInt, a cycle,
   * nesting deeper than the stack allows) is replaced by -32603.
   */
  #finish(request: JsonRpcRequest, exchange: HttpExchange, response: JsonRpcResponse | undefined, modern: boolean): void {
    try {
      exchange.finish(response, response !== undefined && modern ? modernStatus(response) : 200);
    } catch (error) {
      this.#report(error, request.method);
      try {
        exchange.finish(internalError(request.id), 200);
      } catch (failure) {
        this.#report(failure, 'HTTP response');
      }
    }
  }

  #postModern(headers: Headers, message: unknown, kind: number, sink: ResponseSink, auth: AuthInfo | undefined): void {
    if (kind === MessageKind.Notification) {
      // The modern revision defines no client notifications over HTTP; accept and ignore.
      sink.send(202, NO_HEADERS, '');
      return;
    }
    if (kind !== MessageKind.Request) {
      this.refuse(sink, { status: 400, code: ErrorCode.InvalidRequest, message: 'Invalid Request: clients do not send responses in this revision' });
      return;
    }
    const request = message as JsonRpcRequest;
    const problem = checkModernRequest(headers, request, this.#headerParams);
    if (problem !== undefined) {
      sink.send(400, JSON_HEADERS, JSON.stringify(errorResponse(request.id, problem.toWire())));
      return;
    }
    const exchange = new HttpExchange(this, sink, undefined, auth, NO_HEADERS);
    this.#run(request, exchange, true);
  }

  #run(request: JsonRpcRequest, exchange: HttpExchange, modern: boolean, inflight?: Map<RequestId, HttpExchange>): void {
    const out = this.#endpoint.dispatch(request, exchange);
    if (!(out instanceof Promise)) {
      this.#finish(request, exchange, out, modern);
      return;
    }
    // Only requests that outlive this tick need to hear about the client going away.
    // Modern: a closed connection is the cancellation (spec: cancellation). Legacy: it is not;
    // the client cancels explicitly, and a resumable stream keeps its events.
    if (modern) exchange.sink.onAbort(() => exchange.cancel(new McpLocalError(LocalErrorCode.Cancelled, 'Client closed the connection')));
    inflight?.set(request.id, exchange);
    this.#inflight.set(exchange, request.id);
    out.then(
      (response) => this.#settle(request, exchange, modern, inflight, response),
      (error: unknown) => {
        this.#report(error, request.method);
        this.#settle(request, exchange, modern, inflight, internalError(request.id));
      },
    );
  }

  /** An async request has its response: it leaves the in-flight tables and is answered. */
  #settle(request: JsonRpcRequest, exchange: HttpExchange, modern: boolean, inflight: Map<RequestId, HttpExchange> | undefined, response: JsonRpcResponse | undefined): void {
    if (inflight?.get(request.id) === exchange) inflight.delete(request.id);
    this.#inflight.delete(exchange);
    this.#finish(request, exchange, response, modern);
    if (this.#drain.draining) this.#drain.settled(this.#inflight.size);
  }

  #initialize(request: JsonRpcRequest, sink: ResponseSink, auth: AuthInfo | undefined): void {
    const store = this.sessions;
    if (store === undefined) {
      const exchange = new HttpExchange(this, sink, new LegacySession(undefined, DEFAULT_HEADERLESS_VERSION), auth, NO_HEADERS);
      this.#run(request, exchange, false);
      return;
    }
    if (store.full) {
      this.refuse(sink, { status: 503, code: ErrorCode.BadRequest, message: 'Service Unavailable: too many sessions' }, request.id);
      return;
    }
    const session = store.create();
    const exchange = new HttpExchange(this, sink, session, auth, { 'mcp-session-id': session.id! });
    const out = this.#endpoint.dispatch(request, exchange);
    const settle = (response: JsonRpcResponse | undefined) => {
      if (response !== undefined && 'result' in response) store.add(session);
      else session.close();
      this.#finish(request, exchange, response, false);
    };
    if (!(out instanceof Promise)) settle(out);
    else {
      out.then(settle, (error: unknown) => {
        this.#report(error, request.method);
        settle(internalError(request.id));
      });
    }
  }

  #postToSession(sessionId: string, headers: Headers, message: unknown, kind: number, sink: ResponseSink, auth: AuthInfo | undefined): void {
    const session = this.sessions!.get(sessionId);
    if (session === undefined) {
      this.refuse(sink, { status: 404, code: ErrorCode.SessionNotFound, message: 'Session not found' }, salvageId(message));
      return;
    }
    const version = header(headers, 'mcp-protocol-version');
    if (version !== undefined && !isLegacyVersion(version)) {
      this.refuse(sink, { status: 400, code: ErrorCode.BadRequest, message: `Bad Request: unsupported MCP-Protocol-Version ${version}; supported: ${SUPPORTED_VERSIONS.join(', ')}` }, salvageId(message));
      return;
    }
    const sessionHeaders = { 'mcp-session-id': sessionId };
    if (kind === MessageKind.Request) {
      const request = message as JsonRpcRequest;
      if (request.method === Method.Initialize) {
        this.refuse(sink, { status: 400, code: ErrorCode.InvalidRequest, message: 'Invalid Request: session is already initialized' }, request.id);
        return;
      }
      const exchange = new HttpExchange(this, sink, session, auth, sessionHeaders);
      this.#run(request, exchange, false, this.#state(session).inflight);
      return;
    }
    if (kind === MessageKind.Notification) this.#legacyNotification(session, message as JsonRpcNotification, sink, auth);
    else session.settle(message as JsonRpcResponse);
    sink.send(202, sessionHeaders, '');
  }

  #legacyNotification(session: LegacySession, notification: JsonRpcNotification, sink: ResponseSink, auth: AuthInfo | undefined): void {
    if (notification.method === Notification.Cancelled) {
      const requestId = notification.params?.requestId as RequestId | undefined;
      const inflight = this.#streams.get(session)?.inflight;
      const exchange = requestId === undefined ? undefined : inflight?.get(requestId);
      if (exchange !== undefined) {
        inflight!.delete(requestId!);
        exchange.cancel(new McpLocalError(LocalErrorCode.Cancelled, stringOr(notification.params?.reason, 'Cancelled by client')));
      }
      return;
    }
    this.#endpoint.handleNotification(notification, new HttpExchange(this, sink, session, auth, NO_HEADERS));
  }

  /** Legacy traffic with sessions disabled (or a client that skipped them): one-off session. */
  #postSessionless(headers: Headers, message: unknown, kind: number, sink: ResponseSink, auth: AuthInfo | undefined): void {
    if (this.sessions !== undefined) {
      this.refuse(sink, { status: 400, code: ErrorCode.BadRequest, message: 'Bad Request: Mcp-Session-Id header is required' }, salvageId(message));
      return;
    }
    if (kind !== MessageKind.Request) {
      sink.send(202, NO_HEADERS, '');
      return;
    }
    const version = header(headers, 'mcp-protocol-version') ?? DEFAULT_HEADERLESS_VERSION;
    const session = new LegacySession(undefined, version);
    session.initialized = true;
    this.#run(message as JsonRpcRequest, new HttpExchange(this, sink, session, auth, NO_HEADERS), false);
  }

  // ---- SSE streams ---------------------------------------------------------------------------

  /** Turns an exchange's response into an SSE stream (StreamOpener). */
  openStream(exchange: HttpExchange): SseStream {
    const session = exchange.session;
    // Legacy streams are resumable (when an event store is configured); modern ones are not.
    const store = session?.id !== undefined ? this.#eventStore : undefined;
    const stream = new SseStream(randomUUID(), exchange.sink, store, this.#retryMs, this.#appendFailed);
    exchange.sink.open(exchange.headers === NO_HEADERS ? SSE_HEADERS : { ...SSE_HEADERS, ...exchange.headers });
    if (store !== undefined && session !== undefined) {
      this.#state(session).streams.set(stream.id, stream);
      if (legacyAtLeast(session.protocolVersion, '2025-11-25')) stream.prime();
    }
    return stream;
  }

  /** Forgets a stream its client received whole, so long sessions do not pile up streams. */
  streamDelivered(exchange: HttpExchange, stream: SseStream): void {
    const session = exchange.session;
    if (session === undefined || !this.#streams.get(session)?.streams.delete(stream.id)) return;
    ownRejection(this.#eventStore?.drop(stream.id), this.#dropFailed);
  }

  #state(session: LegacySession): SessionStreams {
    let state = this.#streams.get(session);
    if (state === undefined) {
      state = { standalone: undefined, streams: new Map(), inflight: new Map() };
      this.#streams.set(session, state);
    }
    return state;
  }

  // ---- GET: the standalone stream, and resumption ---------------------------------------------

  get(headers: Headers, sink: ResponseSink): void {
    if (this.#drain.draining) {
      this.#refuseWhileDraining(sink, undefined);
      return;
    }
    const sessionId = header(headers, 'mcp-session-id');
    if (sessionId === undefined || this.sessions === undefined) {
      // Modern clients have no GET stream (spec 2026-07-28: respond 405).
      this.refuse(sink, { status: sessionId === undefined && this.sessions !== undefined ? 400 : 405, code: ErrorCode.BadRequest, message: 'Bad Request: Mcp-Session-Id header is required', headers: { allow: 'POST' } });
      return;
    }
    const session = this.sessions.get(sessionId);
    if (session === undefined) {
      this.refuse(sink, { status: 404, code: ErrorCode.SessionNotFound, message: 'Session not found' });
      return;
    }
    const lastEventId = header(headers, 'last-event-id');
    if (lastEventId !== undefined && this.#eventStore !== undefined) {
      // The event store may be remote: a failure answers this GET, and only it.
      this.#resume(session, lastEventId, sink).catch((error: unknown) => this.#failed(error, undefined, sink));
      return;
    }
    const state = this.#state(session);
    if (state.standalone?.connected) {
      this.refuse(sink, { status: 409, code: ErrorCode.BadRequest, message: 'Conflict: this session already has a GET stream' });
      return;
    }
    const stream = new SseStream(randomUUID(), sink, this.#eventStore, this.#retryMs, this.#appendFailed);
    sink.open({ ...SSE_HEADERS, 'mcp-session-id': sessionId });
    if (this.#eventStore !== undefined) state.streams.set(stream.id, stream);
    if (legacyAtLeast(session.protocolVersion, '2025-11-25')) stream.prime();
    state.standalone = stream;
    session.outlet = stream;
  }

  async #resume(session: LegacySession, lastEventId: string, sink: ResponseSink): Promise<void> {
    const state = this.#state(session);
    const stream = state.streams.get(streamIdOf(lastEventId));
    if (stream === undefined) {
      this.refuse(sink, { status: 404, code: ErrorCode.BadRequest, message: 'Not Found: unknown Last-Event-ID' });
      return;
    }
    // A stream that only sent its priming event has nothing stored yet.
    const events = (await this.#eventStore!.replayAfter(lastEventId)) ?? [];
    sink.open({ ...SSE_HEADERS, 'mcp-session-id': session.id! });
    for (const event of events) sink.write(`id: ${event.id}\nevent: message\ndata: ${JSON.stringify(event.message)}\n\n`);
    stream.attach(sink);
    if (stream === state.standalone) session.outlet = stream;
  }

  // ---- DELETE --------------------------------------------------------------------------------

  delete(headers: Headers, sink: ResponseSink): void {
    const sessionId = header(headers, 'mcp-session-id');
    if (sessionId === undefined || this.sessions === undefined) {
      this.refuse(sink, { status: sessionId === undefined && this.sessions !== undefined ? 400 : 405, code: ErrorCode.BadRequest, message: 'Bad Request: Mcp-Session-Id header is required', headers: { allow: 'POST' } });
      return;
    }
    if (!this.sessions.delete(sessionId)) {
      this.refuse(sink, { status: 404, code: ErrorCode.SessionNotFound, message: 'Session not found' });
      return;
    }
    sink.send(200, { 'mcp-session-id': sessionId }, '');
  }

  #sessionClosed(session: LegacySession): void {
    const state = this.#streams.get(session);
    if (state === undefined) return;
    for (const exchange of state.inflight.values()) exchange.cancel(new McpLocalError(LocalErrorCode.ConnectionClosed, 'Session closed'));
    for (const stream of state.streams.values()) {
      stream.end();
      ownRejection(this.#eventStore?.drop(stream.id), this.#dropFailed);
    }
    state.standalone?.end();
    this.#streams.delete(session);
  }

  // ---- graceful shutdown ---------------------------------------------------------------------

  /**
   * Refuses new requests and streams from now on (503, `Connection: close`); resolves once
   * every request in flight has its answer. Client responses and notifications still reach
   * the calls that wait for them.
   */
  drain(): Promise<void> {
    return this.#drain.start(this.#inflight.size);
  }

  /** Answers every request still in flight with `error` (as its result would have gone) and cancels it. */
  abandon(error: WireError): void {
    const reason = new McpLocalError(LocalErrorCode.Cancelled, error.message);
    for (const [exchange, id] of this.#inflight) {
      exchange.finish(errorResponse(id, error), 200);
      exchange.cancel(reason);
    }
    this.#inflight.clear();
    this.#drain.settled(0);
  }

  #refuseWhileDraining(sink: ResponseSink, id: RequestId | undefined): void {
    this.refuse(sink, { ...SHUTTING_DOWN, status: 503, headers: { connection: 'close', 'retry-after': '1' } }, id);
  }

  /** Ends every session and stream (server shutdown). */
  close(): void {
    this.sessions?.clear();
  }
}
