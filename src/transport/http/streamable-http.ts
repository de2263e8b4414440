/**
 * The Streamable HTTP transport, serving both eras on one endpoint (spec 2026-07-28 and
 * 2025-11-25, Streamable HTTP). Framework-free: each face (node:http, fetch) hands
 * {@link StreamableHttp.handle} a request's method, path, headers, peer address and an
 * {@link HttpIo}; everything after that is decided here, the same way for both faces.
 *
 * Before any body is read: CORS preflights are answered, Origin/Host and media types checked,
 * the edge hook names the caller (or refuses), and a POST is admitted within the in-flight
 * bounds. Then a POST is routed:
 * - `Mcp-Session-Id` present: a legacy session request (404 when the session is unknown, or
 *   belongs to another principal).
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
  malformedAnswer,
  malformedAnswerError,
  MessageKind,
  salvageId,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from '../../protocol/jsonrpc.ts';
import { LocalErrorCode, McpLocalError } from '../../protocol/local-errors.ts';
import { MetaKey } from '../../protocol/meta.ts';
import { RequestTable } from '../../protocol/request-table.ts';
import { Method, Notification } from '../../protocol/methods.ts';
import { DEFAULT_HEADERLESS_VERSION, isLegacyVersion, SUPPORTED_VERSIONS } from '../../protocol/versions.ts';
import { ErrorCode, type WireError } from '../../protocol/wire-errors.ts';
import { clientKey } from '../../security/client-key.ts';
import { Refusal, type EdgeDecision, type EdgeHook, type Principal } from '../../security/edge.ts';
import { createOriginCheck, type OriginCheck } from '../../security/origin.ts';
import type { Bus, BusMessage } from '../../store/bus.ts';
import { MemoryEventStore, type EventStore } from '../../store/event-store.ts';
import { LegacySession } from '../../store/legacy-session.ts';
import { MemorySessionStore, type SessionStore, type SessionStoreOptions } from '../../store/session-store.ts';
import { RETRY_AFTER_MS, StoreUnavailableError } from '../../store/unavailable.ts';
import { DrainState, SHUTTING_DOWN, type Drainable } from '../drain.ts';
import type { Exchange } from '../exchange.ts';
import { batchRefusal, BatchPart, BatchResponse } from './batch.ts';
import { answerOptions, corsHeaders } from './cors.ts';
import { checkMedia, tooLarge } from './media.ts';
import {
  ALREADY_INITIALIZED,
  EDGE_FAILED,
  NO_SESSION_ROOM,
  NO_SESSIONS,
  refusal,
  SESSION_NOT_FOUND,
  SESSION_REQUIRED,
  writeRefusal,
} from './refusals.ts';
import { HttpExchange, modernStatus, NO_HEADERS, type StreamOpener } from './exchange.ts';
import { InflightLimits, type InflightLimitOptions, type InflightTicket } from './inflight.ts';
import { checkModernRequest, header, type Headers } from './modern-headers.ts';
import { trustProxies, type ClientAddress } from './client-address.ts';
import { traceHeadersIntoMeta } from './trace-headers.ts';
import { HttpSessionRuntime } from './session-runtime.ts';
import { BodyRefused, JSON_HEADERS, SSE_HEADERS, type HttpIo, type ResponseSink } from './sink.ts';
import { SseStream } from './sse.ts';
import { parseJson } from '../../protocol/long-strings.ts';

/** What the transport needs of a server; McpServer provides it. */
export interface McpEndpoint {
  dispatch(request: JsonRpcRequest, exchange: Exchange): JsonRpcResponse | undefined | Promise<JsonRpcResponse | undefined>;
  handleNotification(notification: JsonRpcNotification, exchange: Exchange): void;
  /** The x-mcp-header parameters of a tool, to validate Mcp-Param-* headers. */
  headerParams?(toolName: string): readonly HeaderParam[] | undefined;
  /** Receives errors the transport caught while serving a request (an edge hook that threw); must not throw. */
  reportError?(error: unknown, context: { method: string }): void;
  /**
   * A legacy session's messages that belong to no request now go out from this process (its
   * GET stream opened here): it should receive list changes and resource updates. `takenOver`:
   * the stream was another process's, whose death left a gap in which nobody wrote it.
   */
  attachSession?(session: LegacySession, takenOver?: boolean): void;
}

export interface StreamableHttpOptions {
  /**
   * Legacy sessions: their bounds, and where they are kept (`store`, in memory by default);
   * `false` serves legacy clients statelessly (no Mcp-Session-Id).
   */
  sessions?: SessionStoreOptions | false;
  /**
   * The bus shared with the other processes serving this endpoint (give the server the same
   * one): a client's answer to a server-to-client request, or its `notifications/cancelled`,
   * that reaches this process for a request another one serves is passed on to it.
   */
  bus?: Bus;
  /** Where legacy SSE events are kept for Last-Event-ID resumption; `false` disables it. */
  eventStore?: EventStore | false;
  /**
   * How long a legacy stream whose client went away stays resumable after it ended.
   * Default 10 minutes (the default event store keeps events as long).
   */
  resumeWindowMs?: number;
  /** The SSE `retry` hint in ms: how long a client waits before resuming a stream. Default 1000. */
  retryIntervalMs?: number;
  /** Largest accepted request body. Default 4 MiB. */
  maxBodyBytes?: number;
  /** Bounds on POST requests in flight and the body bytes they hold, in all and per client. */
  inflight?: InflightLimitOptions;
  /** DNS rebinding protection (and the origins CORS answers); loopback-only by default. */
  originCheck?: OriginCheck;
  /**
   * Who the caller is, or why not: run for every POST, GET and DELETE before the body is read.
   * One that throws answers 500 and is reported through the endpoint's `reportError`.
   */
  edge?: EdgeHook;
  /**
   * The reverse proxies in front (IP addresses and CIDR blocks): a request from one of them
   * counts against the client its `X-Forwarded-For` names, not against the proxy, in every
   * per-client bound and the edge hook's `remoteAddress` (see client-address.ts). None by
   * default: the peer is the client, whatever its headers say.
   */
  trustProxy?: readonly string[];
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

/** A request that arrives during shutdown; the connection closes after the answer. */
const DRAINING = new Refusal(503, SHUTTING_DOWN, { connection: 'close', 'retry-after': '1' });

/** Sessions exist for the caller that opened them: another caller is told of none. */
function ownedBy(session: LegacySession | undefined, principal: Principal | undefined): LegacySession | undefined {
  return session !== undefined && session.owner === principal?.subject ? session : undefined;
}

/** 503, with the error's `data.retryAfterMs` as a JSON-RPC error carries it elsewhere. */
function storeRefusal(error: StoreUnavailableError): Refusal {
  return new Refusal(503, error.toWire(), { 'retry-after': String(Math.ceil(RETRY_AFTER_MS / 1000)) });
}

function internalError(id: RequestId | undefined): JsonRpcResponse {
  return errorResponse(id, { code: ErrorCode.InternalError, message: 'Internal error' });
}

export class StreamableHttp implements StreamOpener, Drainable {
  readonly maxBodyBytes: number;
  readonly sessions: SessionStore | undefined;
  readonly inflight: InflightLimits;
  readonly edge: EdgeHook | undefined;
  /** The client's address of a request (a WebSocket upgrade on the same listener uses it too). */
  readonly clientAddress: ClientAddress;
  /** The Origin/Host check (a WebSocket upgrade on the same listener passes the same one). */
  readonly originCheck: OriginCheck;
  readonly #endpoint: McpEndpoint;
  readonly #eventStore: EventStore | undefined;
  readonly #runtime: HttpSessionRuntime;
  readonly #retryMs: number | undefined;
  readonly #headerParams: (toolName: string) => readonly HeaderParam[] | undefined;
  readonly #tooLarge: Refusal;
  /** Requests of every era whose answer is still to come, for a graceful shutdown, by {@link #served}. */
  readonly #unanswered: RequestTable<{ exchange: HttpExchange; id: RequestId }, number>;
  /** Counts the requests that went into #unanswered: their keys there. */
  #served: number;
  readonly #drain: DrainState;
  readonly #bus: Bus | undefined;
  readonly #unsubscribe: (() => void) | undefined;

  constructor(endpoint: McpEndpoint, options: StreamableHttpOptions = {}) {
    this.#endpoint = endpoint;
    this.maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
    const resumeWindowMs = options.resumeWindowMs ?? 10 * 60_000;
    this.#eventStore = options.eventStore === false ? undefined : (options.eventStore ?? new MemoryEventStore({ ttlMs: resumeWindowMs }));
    // A remote event store may fail in the background: reported, it costs only resumability.
    this.#runtime = new HttpSessionRuntime(this.#eventStore, resumeWindowMs, options.retryIntervalMs ?? 1000, (error, operation) => this.#report(error, operation), (session, takenOver) =>
      endpoint.attachSession?.(session, takenOver),
    );
    const sessions = options.sessions;
    this.sessions = sessions === false ? undefined : sessions?.store !== undefined ? sessions.store(sessions, this.#runtime) : new MemorySessionStore(sessions, this.#runtime);
    this.inflight = new InflightLimits(options.inflight);
    this.edge = options.edge;
    this.clientAddress = trustProxies(options.trustProxy);
    this.#retryMs = options.retryIntervalMs ?? 1000;
    this.originCheck = options.originCheck ?? createOriginCheck({ loopback: true });
    this.#headerParams = (name) => endpoint.headerParams?.(name);
    this.#tooLarge = tooLarge(this.maxBodyBytes);
    this.#unanswered = new RequestTable();
    this.#served = 0;
    this.#drain = new DrainState();
    this.#bus = options.bus;
    this.#unsubscribe = options.bus?.subscribe((message) => this.#heard(message));
  }

  // ---- the front door: everything before the body --------------------------------------------

  /**
   * Serves one request on the MCP path. `peer` is the peer's IP address when the runtime tells
   * it (quotas key on the client's address without authentication).
   */
  handle(method: string, path: string, headers: Headers, peer: string | undefined, io: HttpIo): void {
    const origin = header(headers, 'origin');
    const forbidden = this.originCheck(origin, header(headers, 'host'));
    if (forbidden !== undefined) return this.#refuseUnread(io, refusal(403, ErrorCode.BadRequest, `Forbidden: ${forbidden}`));
    // Only origins the check allowed get CORS headers; requests without Origin need none.
    if (origin !== undefined) io.extraHeaders = corsHeaders(origin);
    if (method === 'OPTIONS') return answerOptions(origin, headers, io);
    const problem = checkMedia(method, headers, this.maxBodyBytes);
    if (problem !== undefined) return this.#refuseUnread(io, problem);
    const remoteAddress = this.clientAddress(peer, headers);
    const edge = this.edge;
    if (edge === undefined) return this.#admitted(method, headers, remoteAddress, io, undefined);
    let decision: EdgeDecision | Promise<EdgeDecision>;
    try {
      decision = edge({ method, path, headers, remoteAddress });
    } catch (error) {
      return this.#edgeFailed(io, error);
    }
    if (decision instanceof Promise) {
      decision.then(
        (settled) => this.#decided(settled, method, headers, remoteAddress, io),
        (error: unknown) => this.#edgeFailed(io, error),
      );
    } else {
      this.#decided(decision, method, headers, remoteAddress, io);
    }
  }

  /** Writes a refusal as JSON: status, its headers, and a JSON-RPC error (with `id` when known). */
  refuse(sink: ResponseSink, refused: Refusal, id?: RequestId): void {
    writeRefusal(sink, refused, id);
  }

  #refuseUnread(io: HttpIo, refused: Refusal): void {
    this.refuse(io, refused);
    io.discardBody();
  }

  #decided(decision: EdgeDecision, method: string, headers: Headers, remoteAddress: string | undefined, io: HttpIo): void {
    if (decision instanceof Refusal) return this.#refuseUnread(io, decision);
    this.#admitted(method, headers, remoteAddress, io, decision);
  }

  #edgeFailed(io: HttpIo, error: unknown): void {
    this.#report(error, 'edge hook');
    this.#refuseUnread(io, EDGE_FAILED);
  }

  #admitted(method: string, headers: Headers, remoteAddress: string | undefined, io: HttpIo, principal: Principal | undefined): void {
    if (method === 'DELETE') return this.#delete(headers, io, principal);
    const client = clientKey(principal, remoteAddress);
    const declared = method === 'GET' ? 0 : Number(header(headers, 'content-length'));
    // A GET is an SSE stream held open for as long as its client likes: it counts against the
    // in-flight bounds like a POST, so the streams one client holds open are bounded too.
    const ticket = this.inflight.admit(client, declared > 0 ? declared : 0, io);
    if (ticket instanceof Refusal) return this.#refuseUnread(io, ticket);
    io.hold(ticket);
    if (method === 'GET') {
      // A stream's end is known at once, its connection closing: its share goes back then, not
      // on the sweep (inflight.ts), or a client that drops and opens streams in a loop would be
      // refused for shares it no longer holds. Streams are few and long; POSTs keep the sweep.
      io.onAbort(() => ticket.release());
      return this.#get(headers, io, principal);
    }
    io.readBody(this.maxBodyBytes, ticket, (body) => {
      if (typeof body === 'string') this.#post(headers, body, io, principal, client);
      else this.refuse(io, body === BodyRefused.TooLarge ? this.#tooLarge : this.inflight.refusal);
    });
  }

  // ---- POST ----------------------------------------------------------------------------------

  #post(headers: Headers, body: string, sink: ResponseSink, principal: Principal | undefined, client: string): void {
    let message: unknown;
    try {
      message = parseJson(body);
    } catch (error) {
      this.refuse(sink, refusal(400, ErrorCode.ParseError, `Parse error: ${(error as Error).message}`));
      return;
    }
    if (Array.isArray(message) && message.length > 0) {
      const sessionId = header(headers, 'mcp-session-id');
      if (sessionId !== undefined && this.sessions !== undefined) return this.#postBatch(sessionId, headers, message, sink, principal, client);
    }
    const kind = classify(message);
    if (kind === MessageKind.Invalid) {
      const refused = refusal(400, ErrorCode.InvalidRequest, describeInvalid(message));
      const answer = malformedAnswer(message);
      const sessionId = answer === undefined ? undefined : header(headers, 'mcp-session-id');
      // A malformed answer to a request of the session's fails that request now (as -32600 saying
      // what was wrong), where it waited for its timeout; the POST is refused all the same.
      if (sessionId !== undefined && this.sessions !== undefined) {
        this.#postToSession(sessionId, headers, malformedAnswerError(answer!), MessageKind.Error, sink, principal, refused);
      } else this.refuse(sink, refused, salvageId(message));
      return;
    }
    if (this.#drain.draining && kind === MessageKind.Request) {
      this.#refuseWhileDraining(sink, (message as JsonRpcRequest).id);
      return;
    }
    if (headers.traceparent !== undefined && kind === MessageKind.Request) traceHeadersIntoMeta(headers, message as JsonRpcRequest);
    // Whatever goes wrong while serving one message stays with it (see #failed). One try around
    // the synchronous path; the continuations of async requests are guarded in #run.
    try {
      const sessionId = header(headers, 'mcp-session-id');
      if (sessionId !== undefined && this.sessions !== undefined) {
        this.#postToSession(sessionId, headers, message, kind, sink, principal);
      } else if (isModern(headers, message)) {
        this.#postModern(headers, message, kind, sink, principal, client);
      } else if (kind === MessageKind.Request && (message as JsonRpcRequest).method === Method.Initialize) {
        this.#initialize(message as JsonRpcRequest, sink, principal, client);
      } else {
        this.#postSessionless(headers, message, kind, sink, principal);
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
        exchange.finished = false;
        exchange.finish(internalError(request.id), 200);
      } catch (failure) {
        this.#report(failure, 'HTTP response');
      }
    }
  }

  #postModern(headers: Headers, message: unknown, kind: number, sink: ResponseSink, principal: Principal | undefined, client: string): void {
    if (kind === MessageKind.Notification) {
      // The modern revision defines no client notifications over HTTP; accept and ignore.
      sink.send(202, NO_HEADERS, '');
      return;
    }
    if (kind !== MessageKind.Request) {
      this.refuse(sink, refusal(400, ErrorCode.InvalidRequest, 'Invalid Request: clients do not send responses in this revision'));
      return;
    }
    const request = message as JsonRpcRequest;
    const problem = checkModernRequest(headers, request, this.#headerParams);
    if (problem !== undefined) {
      sink.send(400, JSON_HEADERS, JSON.stringify(errorResponse(request.id, problem.toWire())));
      return;
    }
    this.#run(request, new HttpExchange(this, sink, undefined, principal, NO_HEADERS, client), true);
  }

  /**
   * Dispatches a request and finishes its exchange. Legacy requests that outlive this tick are
   * tracked in `inflight` for `notifications/cancelled`; a one-off session (legacy traffic
   * without sessions) closes with its request, so nothing keeps it.
   */
  #run(request: JsonRpcRequest, exchange: HttpExchange, modern: boolean, inflight?: RequestTable<HttpExchange>, oneOff?: LegacySession): void {
    // Legacy: a closed connection is not a cancellation; the client cancels explicitly, and a
    // resumable stream keeps its events. So the work keeps the request's in-flight share until
    // it is done, client or no client (inflight.ts). It takes the share before the handler
    // runs: a handler that closes its stream in its first tick (closeStream, SEP-1699) ends
    // the response, which gives back the share it holds.
    let share: InflightTicket | undefined;
    if (!modern) {
      share = exchange.sink.takeTicket?.();
      share?.keepForWork();
    }
    let out: JsonRpcResponse | undefined | Promise<JsonRpcResponse | undefined>;
    try {
      out = this.#endpoint.dispatch(request, exchange);
    } catch (error) {
      // The caller answers the request (#failed); the share is no one's to give back then.
      share?.release();
      throw error;
    }
    if (!(out instanceof Promise)) {
      this.#finish(request, exchange, out, modern);
      share?.release();
      oneOff?.close();
      return;
    }
    if (modern) {
      // Modern: a closed connection is the cancellation (spec: cancellation), but a handler may
      // ignore its signal and run on; its work keeps the share until the handler returns, or a
      // client hanging up on each call to such a tool would run any number at once. Only
      // requests that outlive this tick need any of this.
      share = exchange.sink.takeTicket?.();
      share?.keepForWork();
      exchange.sink.onAbort(() => exchange.cancel(new McpLocalError(LocalErrorCode.Cancelled, 'Client closed the connection')));
    }
    inflight?.set(request.id, exchange);
    const key = ++this.#served;
    this.#unanswered.set(key, { exchange, id: request.id });
    out.then(
      (response) => {
        share?.release();
        this.#settle(request, exchange, modern, key, inflight, response, oneOff);
      },
      (error: unknown) => {
        share?.release();
        this.#report(error, request.method);
        this.#settle(request, exchange, modern, key, inflight, internalError(request.id), oneOff);
      },
    );
  }

  /** An async request has its response: it leaves the in-flight tables and is answered. */
  #settle(
    request: JsonRpcRequest,
    exchange: HttpExchange,
    modern: boolean,
    key: number,
    inflight: RequestTable<HttpExchange> | undefined,
    response: JsonRpcResponse | undefined,
    oneOff: LegacySession | undefined,
  ): void {
    if (inflight?.get(request.id) === exchange) inflight.delete(request.id);
    this.#unanswered.delete(key);
    this.#finish(request, exchange, response, modern);
    oneOff?.close();
    if (this.#drain.draining) this.#drain.settled(this.#unanswered.size);
  }

  #initialize(request: JsonRpcRequest, sink: ResponseSink, principal: Principal | undefined, client: string): void {
    const store = this.sessions;
    if (store === undefined) {
      const session = new LegacySession(undefined, DEFAULT_HEADERLESS_VERSION);
      this.#run(request, new HttpExchange(this, sink, session, principal, NO_HEADERS), false, undefined, session);
      return;
    }
    const noRoom = store.makeRoom?.(client);
    if (noRoom !== undefined) {
      this.refuse(sink, NO_SESSION_ROOM[noRoom], request.id);
      return;
    }
    const session = store.create(client, principal?.subject);
    const exchange = new HttpExchange(this, sink, session, principal, { 'mcp-session-id': session.id! });
    const out = this.#endpoint.dispatch(request, exchange);
    /** A handshake that failed, or could not be kept, names no session. */
    const answer = (response: JsonRpcResponse | undefined, kept: boolean) => {
      if (!kept) {
        session.close();
        exchange.headers = NO_HEADERS;
      }
      this.#finish(request, exchange, response, false);
    };
    const settle = (response: JsonRpcResponse | undefined) => {
      if (response === undefined || !('result' in response)) return answer(response, false);
      const added = store.add(session);
      if (!(added instanceof Promise)) return answer(response, added === undefined);
      added.then(
        (noRoom) => answer(response, noRoom === undefined),
        (error: unknown) => {
          session.close();
          exchange.headers = NO_HEADERS;
          this.#storeFailed(error, request, exchange);
        },
      );
    };
    if (!(out instanceof Promise)) settle(out);
    else {
      out.then(settle, (error: unknown) => {
        this.#report(error, request.method);
        settle(internalError(request.id));
      });
    }
  }

  /**
   * The session `sessionId` names, if it exists and belongs to this caller. At once from the
   * in-memory store; a shared store answers later.
   */
  #session(sessionId: string, principal: Principal | undefined): LegacySession | undefined | Promise<LegacySession | undefined> {
    const found = this.sessions!.get(sessionId);
    if (found instanceof Promise) return found.then((session) => ownedBy(session, principal));
    return ownedBy(found, principal);
  }

  /**
   * Runs `serve` with the session `sessionId` names (or undefined): at once when the store
   * answers at once. A store that fails answers this request, and only it.
   */
  #withSession(
    sessionId: string,
    principal: Principal | undefined,
    sink: ResponseSink,
    message: unknown,
    serve: (session: LegacySession | undefined) => void,
  ): void {
    const found = this.#session(sessionId, principal);
    if (!(found instanceof Promise)) return serve(found);
    found.then(
      (session) => {
        try {
          serve(session);
        } catch (error) {
          this.#failed(error, message, sink);
        }
      },
      (error: unknown) => this.#storeUnavailable(error, message, sink),
    );
  }

  /**
   * A shared store could not be reached: 503 with Retry-After and a JSON-RPC error that says
   * which store (the documented `closed` policy). Any other failure is an internal error.
   */
  #storeUnavailable(error: unknown, message: unknown, sink: ResponseSink): void {
    if (!(error instanceof StoreUnavailableError)) return this.#failed(error, message, sink);
    if (!sink.done) this.refuse(sink, storeRefusal(error), salvageId(message));
  }

  /** The same for a request whose exchange is under way: its stream, if it opened one, carries the error. */
  #storeFailed(error: unknown, request: JsonRpcRequest, exchange: HttpExchange): void {
    if (!(error instanceof StoreUnavailableError)) {
      this.#report(error, request.method);
      return this.#finish(request, exchange, internalError(request.id), false);
    }
    if (exchange.stream === undefined && !exchange.sink.done) {
      exchange.finished = true;
      return this.refuse(exchange.sink, storeRefusal(error), request.id);
    }
    this.#finish(request, exchange, errorResponse(request.id, error.toWire()), false);
  }

  /** `refused`: an answer made of a malformed one, whose POST is refused once it is delivered. */
  #postToSession(sessionId: string, headers: Headers, message: unknown, kind: number, sink: ResponseSink, principal: Principal | undefined, refused?: Refusal): void {
    this.#withSession(sessionId, principal, sink, message, (session) => this.#postInSession(session, sessionId, headers, message, kind, sink, principal, refused));
  }

  #postInSession(
    session: LegacySession | undefined,
    sessionId: string,
    headers: Headers,
    message: unknown,
    kind: number,
    sink: ResponseSink,
    principal: Principal | undefined,
    refused?: Refusal,
  ): void {
    if (session === undefined) {
      this.refuse(sink, SESSION_NOT_FOUND, salvageId(message));
      return;
    }
    const version = header(headers, 'mcp-protocol-version');
    if (version !== undefined && !isLegacyVersion(version)) {
      this.refuse(sink, refusal(400, ErrorCode.BadRequest, `Bad Request: unsupported MCP-Protocol-Version ${version}; supported: ${SUPPORTED_VERSIONS.join(', ')}`), salvageId(message));
      return;
    }
    const sessionHeaders = { 'mcp-session-id': sessionId };
    if (kind === MessageKind.Request) {
      const request = message as JsonRpcRequest;
      if (request.method === Method.Initialize) {
        this.refuse(sink, ALREADY_INITIALIZED, request.id);
        return;
      }
      // As over stdio: an id is the client's handle on a request until it is answered.
      if (this.#runtime.peek(session)?.inflight.has(request.id)) {
        this.refuse(sink, refusal(400, ErrorCode.InvalidRequest, `Invalid Request: request id ${JSON.stringify(request.id)} is already in flight`), request.id);
        return;
      }
      const exchange = new HttpExchange(this, sink, session, principal, sessionHeaders);
      exchange.requestId = request.id;
      this.#run(request, exchange, false, this.#runtime.of(session).inflight);
      return;
    }
    if (kind === MessageKind.Notification) {
      this.#legacyNotification(session, message as JsonRpcNotification, sink, principal);
      // A change to the record (`initialized`) is written before the client hears it is taken.
      const saving = session.saving;
      if (saving !== undefined) {
        saving.then(
          () => sink.send(202, sessionHeaders, ''),
          (error: unknown) => this.#storeUnavailable(error, message, sink),
        );
        return;
      }
    } else if (!session.settle(message as JsonRpcResponse)) {
      // No request of this process waits for it: another process serving the session may.
      this.#bus?.publish({ type: 'answer', sessionId, response: message as JsonRpcResponse });
    }
    if (refused !== undefined) this.refuse(sink, refused);
    else sink.send(202, sessionHeaders, '');
  }

  /**
   * A JSON-RPC batch (batch.ts), in a session of the revision that has them: each message is
   * served as if it came alone, through its part of the batch's response.
   */
  #postBatch(sessionId: string, headers: Headers, messages: unknown[], sink: ResponseSink, principal: Principal | undefined, client: string): void {
    this.#withSession(sessionId, principal, sink, undefined, (session) => {
      if (session === undefined) return this.refuse(sink, SESSION_NOT_FOUND);
      const refused = batchRefusal(session, messages.length);
      if (refused !== undefined) return this.refuse(sink, refused);
      const batch = new BatchResponse(sink, { 'mcp-session-id': sessionId });
      if (messages.some((message) => classify(message) === MessageKind.Request)) batch.open(SSE_HEADERS);
      for (const message of messages) {
        const part = batch.part();
        try {
          this.#postPart(session, sessionId, headers, message, part, principal, client);
        } catch (error) {
          this.#failed(error, message, part);
        }
      }
      batch.taken();
    });
  }

  /** One message of a batch: checked and admitted as a POST of its own would be. */
  #postPart(session: LegacySession, sessionId: string, headers: Headers, message: unknown, part: BatchPart, principal: Principal | undefined, client: string): void {
    const kind = classify(message);
    if (kind === MessageKind.Invalid) {
      const refused = refusal(400, ErrorCode.InvalidRequest, describeInvalid(message));
      const answer = malformedAnswer(message);
      if (answer === undefined) return this.refuse(part, refused, salvageId(message));
      return this.#postInSession(session, sessionId, headers, malformedAnswerError(answer), MessageKind.Error, part, principal, refused);
    }
    if (kind === MessageKind.Request) {
      const id = (message as JsonRpcRequest).id;
      if (this.#drain.draining) return this.#refuseWhileDraining(part, id);
      // Each request holds an in-flight share of its own, as it would in a POST of its own.
      const ticket = this.inflight.admit(client, 0, part);
      if (ticket instanceof Refusal) return this.refuse(part, ticket, id);
      part.hold(ticket);
    }
    this.#postInSession(session, sessionId, headers, message, kind, part, principal);
  }

  #legacyNotification(session: LegacySession, notification: JsonRpcNotification, sink: ResponseSink, principal: Principal | undefined): void {
    if (notification.method === Notification.Cancelled) {
      const requestId = notification.params?.requestId as RequestId | undefined;
      if (requestId === undefined) return;
      const reason = stringOr(notification.params?.reason, 'Cancelled by client');
      // The request may be served by another process sharing the session.
      if (!this.#cancel(session, requestId, reason)) this.#bus?.publish({ type: 'cancel', sessionId: session.id!, requestId, reason });
      return;
    }
    this.#endpoint.handleNotification(notification, new HttpExchange(this, sink, session, principal, NO_HEADERS));
  }

  /** Cancels a legacy request in flight in this process. False when none has that id here. */
  #cancel(session: LegacySession, requestId: RequestId, reason: string): boolean {
    const inflight = this.#runtime.peek(session)?.inflight;
    const exchange = inflight?.get(requestId);
    if (exchange === undefined) return false;
    inflight!.delete(requestId);
    exchange.cancel(new McpLocalError(LocalErrorCode.Cancelled, reason));
    // No response is due (spec: cancellation), but the request's POST ends now, properly.
    exchange.finish(undefined, 200);
    return true;
  }

  /** Steering from another process serving the same sessions. What the bus carries is checked. */
  #heard(message: BusMessage): void {
    if (message.type !== 'answer' && message.type !== 'cancel') return;
    const session = typeof message.sessionId === 'string' ? this.sessions?.peek(message.sessionId) : undefined;
    if (session === undefined) return;
    if (message.type === 'answer') {
      if (classify(message.response) === MessageKind.Result || classify(message.response) === MessageKind.Error) session.settle(message.response);
    } else if (typeof message.requestId === 'string' || typeof message.requestId === 'number') {
      this.#cancel(session, message.requestId, stringOr(message.reason, 'Cancelled by client'));
    }
  }

  /** Legacy traffic with sessions disabled (or a client that skipped them): one-off session. */
  #postSessionless(headers: Headers, message: unknown, kind: number, sink: ResponseSink, principal: Principal | undefined): void {
    if (this.sessions !== undefined) {
      this.refuse(sink, SESSION_REQUIRED, salvageId(message));
      return;
    }
    if (kind !== MessageKind.Request) {
      sink.send(202, NO_HEADERS, '');
      return;
    }
    const version = header(headers, 'mcp-protocol-version') ?? DEFAULT_HEADERLESS_VERSION;
    const session = new LegacySession(undefined, version);
    session.initialized = true;
    this.#run(message as JsonRpcRequest, new HttpExchange(this, sink, session, principal, NO_HEADERS), false, undefined, session);
  }

  // ---- SSE streams ---------------------------------------------------------------------------

  /** Turns an exchange's response into an SSE stream (StreamOpener). */
  openStream(exchange: HttpExchange): SseStream {
    exchange.sink.open(exchange.headers === NO_HEADERS ? SSE_HEADERS : { ...SSE_HEADERS, ...exchange.headers });
    const session = exchange.session;
    // Legacy session streams are resumable (with an event store); modern, one-off and batch ones are not.
    if (session?.id !== undefined && !(exchange.sink instanceof BatchPart)) return this.#runtime.openResumable(session, exchange.sink, exchange.requestId);
    return new SseStream(randomUUID(), exchange.sink, undefined, this.#retryMs);
  }

  /** Forgets a stream its client received whole, so long sessions do not pile up streams. */
  streamDelivered(exchange: HttpExchange, stream: SseStream): void {
    if (exchange.session !== undefined) this.#runtime.forget(exchange.session, stream);
  }

  // ---- GET: the standalone stream, and resumption ---------------------------------------------

  #get(headers: Headers, sink: ResponseSink, principal: Principal | undefined): void {
    // While draining nothing new starts, but a client may still come back (Last-Event-ID) for
    // the answers of calls accepted before: a call whose stream it lost, or that closed its
    // stream for the client to poll (SEP-1699), is answered only that way.
    if (this.#drain.draining && header(headers, 'last-event-id') === undefined) return this.#refuseWhileDraining(sink, undefined);
    const sessionId = header(headers, 'mcp-session-id');
    // Modern clients have no GET stream (spec 2026-07-28: respond 405).
    if (this.sessions === undefined) return this.refuse(sink, NO_SESSIONS);
    if (sessionId === undefined) return this.refuse(sink, SESSION_REQUIRED);
    this.#withSession(sessionId, principal, sink, undefined, (session) => this.#getInSession(session, headers, sink));
  }

  #getInSession(session: LegacySession | undefined, headers: Headers, sink: ResponseSink): void {
    if (session === undefined) return this.refuse(sink, SESSION_NOT_FOUND);
    const lastEventId = header(headers, 'last-event-id');
    // The event store may be remote: a failure answers this GET, and only it.
    if (lastEventId !== undefined && this.#eventStore !== undefined) this.#runtime.resume(session, lastEventId, sink).catch((error: unknown) => this.#failed(error, undefined, sink));
    else this.#runtime.openGetStream(session, sink);
  }

  // ---- DELETE --------------------------------------------------------------------------------

  #delete(headers: Headers, sink: ResponseSink, principal: Principal | undefined): void {
    const sessionId = header(headers, 'mcp-session-id');
    if (this.sessions === undefined) return this.refuse(sink, NO_SESSIONS);
    if (sessionId === undefined) return this.refuse(sink, SESSION_REQUIRED);
    const store = this.sessions;
    this.#withSession(sessionId, principal, sink, undefined, (session) => {
      if (session === undefined) return this.refuse(sink, SESSION_NOT_FOUND);
      const deleted = store.delete(sessionId);
      const answer = (found: boolean) => (found ? sink.send(200, { 'mcp-session-id': sessionId }, '') : this.refuse(sink, SESSION_NOT_FOUND));
      if (!(deleted instanceof Promise)) return answer(deleted);
      deleted.then(answer, (error: unknown) => this.#storeUnavailable(error, undefined, sink));
    });
  }

  /** Legacy streams kept open or resumable (for tests and metrics). */
  get retainedStreams(): number {
    return this.#runtime.streamCount;
  }

  /** Legacy streams with a client connected now (for tests and metrics). */
  get openStreams(): number {
    return this.#runtime.openStreamCount;
  }

  // ---- graceful shutdown ---------------------------------------------------------------------

  /**
   * Refuses new requests and streams from now on (503, `Connection: close`); resolves once
   * every request in flight has its answer. Client responses and notifications still reach
   * the calls that wait for them, and resumed streams (Last-Event-ID) their answers.
   */
  drain(): Promise<void> {
    return this.#drain.start(this.#unanswered.size);
  }

  /** Answers every request still in flight with `error` (as its result would have gone) and cancels it. */
  abandon(error: WireError): void {
    const reason = new McpLocalError(LocalErrorCode.Cancelled, error.message);
    for (const { exchange, id } of this.#unanswered.values()) {
      exchange.finish(errorResponse(id, error), 200);
      exchange.cancel(reason);
    }
    this.#unanswered.clear();
    this.#drain.settled(0);
  }

  #refuseWhileDraining(sink: ResponseSink, id: RequestId | undefined): void {
    this.refuse(sink, DRAINING, id);
  }

  /**
   * Ends every session and stream this process holds (server shutdown). A shared store keeps
   * the sessions themselves: the other processes go on serving them.
   */
  close(): void {
    this.#unsubscribe?.();
    this.sessions?.clear();
  }
}
