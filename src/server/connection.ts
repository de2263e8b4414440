/**
 * Serves one message-stream transport (stdio, in-memory, WebSocket): reads messages, hands
 * requests to the server, writes responses, and applies flow control both ways.
 *
 * Era on a stream: a request carrying `_meta` `io.modelcontextprotocol/protocolVersion` is
 * modern and served statelessly; `initialize` starts the legacy session that later meta-less
 * requests belong to (spec 2026-07-28, basic/versioning: dual-era servers).
 */
import { batchProblem } from '../protocol/batches.ts';
import { stringOr } from '../protocol/guards.ts';
import { timerHolds } from '../protocol/timer-limit.ts';
import {
  classify,
  errorResponse,
  invalidRequestResponse,
  malformedAnswer,
  malformedAnswerError,
  MessageKind,
  parseErrorResponse,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from '../protocol/jsonrpc.ts';
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import type { MessagePeek } from '../protocol/message-peek.ts';
import { MetaKey } from '../protocol/meta.ts';
import { RequestTable } from '../protocol/request-table.ts';
import { Method, Notification } from '../protocol/methods.ts';
import { LATEST_LEGACY_VERSION } from '../protocol/versions.ts';
import { ErrorCode, type WireError } from '../protocol/wire-errors.ts';
import { Refusal, type Principal } from '../security/edge.ts';
import { LegacySession } from '../store/legacy-session.ts';
import { deadlinePassed, DrainState, SHUTTING_DOWN, type Drainable } from '../transport/drain.ts';
import { BaseExchange } from '../transport/exchange.ts';
import type { MessageReceiver, Transport } from '../transport/transport.ts';
import type { Dispatcher } from './pipeline.ts';
import { StreamOutlet } from './stream-outlet.ts';

/**
 * How long requests still running when the client stops sending (closes stdin) may take to
 * finish before they are cancelled and the connection closes.
 */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

export interface ConnectionOptions {
  /** Handlers running at once (cancelled ones that run on included) before reading pauses. Default 1024. */
  maxInflight?: number;
  /**
   * When the client stops sending (stdin ends), requests in flight have this long to finish
   * and be answered before the connection closes. Default {@link DEFAULT_DRAIN_TIMEOUT_MS}.
   * Longer than a timer holds (2^31 - 1 ms, about 24.8 days; Infinity too): no deadline, they
   * take as long as they take.
   */
  drainTimeoutMs?: number;
  /**
   * Who is on the other end, as handlers see it in `ctx.auth` (a stdio client was vouched for
   * by whoever started the process). Default: anonymous.
   */
  principal?: Principal;
  /**
   * Whose quota the connection's requests count against (security/client-key.ts), where the
   * transport knows the peer (a WebSocket listener: the principal, else the peer address); it
   * owns the tasks of the requests. Default: the principal's, or one for every anonymous peer.
   */
  client?: string;
  /**
   * Admits each request against bounds shared beyond this connection (a WebSocket listener
   * counts its connections' requests in the HTTP in-flight limits). A {@link Refusal} is
   * answered as the request's error; an {@link Admission} is released once the request's
   * handler returns, even when the request was cancelled or the connection closed before.
   */
  admit?: (request: JsonRpcRequest) => Admission | Refusal;
  /** Called when the transport closes. */
  onClose?: (error?: Error) => void;
}

/** What an admitted request holds until it is answered. */
export interface Admission {
  release(): void;
}

/** The exchange of one request on a stream: its cancellation, and the way back. */
class StreamExchange extends BaseExchange {
  readonly #connection: ServerConnection;
  /** The request it serves (undefined for a notification's): messages sent through it belong to it. */
  readonly #requestId: RequestId | undefined;
  /**
   * What `ConnectionOptions.admit` gave the request; released once, when its handler returns:
   * a request cancelled, or whose connection closed, leaves at once, but a handler that ignores
   * its cancellation runs on, and a client cancelling each call could run any number at once.
   */
  admission: Admission | undefined;
  /** The request was answered (or abandoned): what would still be sent for it comes too late. */
  #left: boolean;

  constructor(connection: ServerConnection, requestId: RequestId | undefined, session: LegacySession | undefined, principal: Principal | undefined, client: string | undefined) {
    super(session, principal, client);
    this.#connection = connection;
    this.#requestId = requestId;
    this.admission = undefined;
    this.#left = false;
  }

  /** The request left the connection (answered, cancelled, abandoned, or the connection closed). */
  leave(): void {
    this.#left = true;
  }

  /** Its handler returned: what it was admitted with is given back. */
  settled(): void {
    const admission = this.admission;
    if (admission === undefined) return;
    this.admission = undefined;
    admission.release();
  }

  send(message: JsonRpcNotification | JsonRpcRequest): void {
    // Nothing of a request goes out once it left, but the withdrawal of a question it asked
    // the client: the client's handler would run on for an answer nobody reads.
    if ((!this.cancelled && !this.#left) || message.method === Notification.Cancelled) this.#connection.send(message, this.#requestId);
  }

  /** The connection's output: one client reads every request's messages. */
  get backedUp(): boolean {
    return this.#connection.outputBlocked;
  }

  onCaughtUp(listener: () => void): void {
    this.#connection.onCaughtUp(listener);
  }
}

function internalError(id: RequestId): JsonRpcResponse {
  return errorResponse(id, { code: ErrorCode.InternalError, message: 'Internal error' });
}

function hasModernMeta(request: JsonRpcRequest): boolean {
  return request.params?._meta?.[MetaKey.ProtocolVersion] !== undefined;
}

export class ServerConnection implements MessageReceiver, Drainable {
  readonly #server: Dispatcher;
  readonly #transport: Transport;
  readonly #inflight: RequestTable<StreamExchange>;
  readonly #maxInflight: number;
  readonly #drainTimeoutMs: number;
  readonly #onClose: ConnectionOptions['onClose'];
  readonly #admit: ConnectionOptions['admit'];
  /** The drain deadline once the client stopped sending, after which the rest is abandoned. */
  #inputEndDeadline: NodeJS.Timeout | undefined;
  /** Set once the client stopped sending (the deadline may be none). */
  #inputEnded: boolean;
  readonly #principal: Principal | undefined;
  readonly #client: string | undefined;
  #session: LegacySession | undefined;
  /** Reading is paused because the peer is not draining our writes. */
  #outputBlocked: boolean;
  /** Waiting for the peer to drain them (see {@link onCaughtUp}). */
  #caughtUpListeners: Array<() => void> | undefined;
  /** Handlers running, cancelled ones included: reading pauses at `maxInflight` of them. */
  #running: number;
  /** Reading is paused because too many requests are in flight. */
  #inflightBlocked: boolean;
  #closed: boolean;
  readonly #drain: DrainState;

  constructor(server: Dispatcher, transport: Transport, options: ConnectionOptions = {}) {
    this.#server = server;
    this.#transport = transport;
    this.#inflight = new RequestTable();
    this.#maxInflight = options.maxInflight ?? 1024;
    this.#drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    this.#onClose = options.onClose;
    this.#admit = options.admit;
    this.#inputEndDeadline = undefined;
    this.#inputEnded = false;
    this.#principal = options.principal;
    this.#client = options.client;
    this.#session = undefined;
    this.#outputBlocked = false;
    this.#caughtUpListeners = undefined;
    this.#running = 0;
    this.#inflightBlocked = false;
    this.#closed = false;
    this.#drain = new DrainState();
  }

  start(): this {
    this.#transport.start(this);
    return this;
  }

  get session(): LegacySession | undefined {
    return this.#session;
  }

  get connected(): boolean {
    return !this.#closed;
  }

  /**
   * Writes one message (`relatedRequestId`: the client's request it belongs to, for transports
   * that carry the tie); pauses reading while the peer is not keeping up.
   */
  send(message: JsonRpcMessage, relatedRequestId?: RequestId): boolean {
    const ok = this.#transport.send(message, relatedRequestId);
    if (!ok && !this.#outputBlocked && this.#transport.state === 'open') {
      this.#outputBlocked = true;
      this.#transport.pause();
    }
    return ok;
  }

  /** Whether the peer is not draining what was written to it (a send returned false). */
  get outputBlocked(): boolean {
    return this.#outputBlocked;
  }

  /** Calls `listener` once the peer has drained what was written; never, if the connection closes first. */
  onCaughtUp(listener: () => void): void {
    (this.#caughtUpListeners ??= []).push(listener);
  }

  onDrain(): void {
    if (!this.#outputBlocked) return;
    this.#outputBlocked = false;
    if (!this.#inflightBlocked) this.#transport.resume();
    const listeners = this.#caughtUpListeners;
    if (listeners === undefined) return;
    this.#caughtUpListeners = undefined;
    for (const listener of listeners) listener();
  }

  onMessage(value: unknown): void {
    const kind = classify(value);
    // Whatever goes wrong with one message stays with it: a request is answered -32603, anything
    // else is dropped, and the connection serves the next one. One try around the synchronous
    // path costs nothing measurable; replies of async handlers are guarded in #finish.
    try {
      switch (kind) {
        case MessageKind.Request:
          return this.#request(value as JsonRpcRequest);
        case MessageKind.Notification:
          return this.#notification(value as JsonRpcNotification);
        case MessageKind.Result:
        case MessageKind.Error:
          this.#session?.settle(value as JsonRpcResponse);
          return;
        default: {
          if (Array.isArray(value) && value.length > 0 && this.#session !== undefined) return this.#batch(value);
          // A malformed answer to one of the server's requests fails that request now (as -32600
          // saying what was wrong), where it waited for its timeout; the client is told too.
          const answer = malformedAnswer(value);
          if (answer !== undefined) this.#session?.settle(malformedAnswerError(answer));
          this.send(invalidRequestResponse(value));
        }
      }
    } catch (error) {
      this.#failed(kind, value, error);
    }
  }

  /**
   * A JSON-RPC batch (protocol/batches.ts), in a session of the revision that has them: each
   * message is served as if it came alone, and answered on its own (a JSON-RPC answer names its
   * request by id; over a stream nothing ties answers into one array).
   */
  #batch(messages: unknown[]): void {
    const problem = batchProblem(this.#session!.protocolVersion, messages.length);
    if (problem !== undefined) {
      this.send(errorResponse(undefined, { code: ErrorCode.InvalidRequest, message: problem }));
      return;
    }
    for (const message of messages) {
      if (Array.isArray(message)) this.send(invalidRequestResponse(message));
      else this.onMessage(message);
    }
  }

  #failed(kind: number, value: unknown, error: unknown): void {
    const method = (value as { method?: unknown }).method;
    this.#server.reportError(error, { method: typeof method === 'string' ? method : 'message' });
    if (kind !== MessageKind.Request) return;
    const id = (value as JsonRpcRequest).id;
    const exchange = this.#inflight.get(id);
    if (exchange !== undefined) this.#finish(id, exchange, internalError(id));
    else this.send(internalError(id));
  }

  onFrameError(error: Error, peek?: MessagePeek): void {
    // Too large (stdio), or a frame of a kind the transport does not carry (WebSocket binary).
    if (error instanceof McpLocalError && (error.code === LocalErrorCode.MessageTooLarge || error.code === LocalErrorCode.Unsupported)) {
      const refused = { code: ErrorCode.InvalidRequest, message: error.message };
      // A message whose ends name it waits for no timeout: a request is answered under its own
      // id, a response fails the request of ours it answered.
      if (peek?.id !== undefined && peek.response) this.#session?.settle(errorResponse(peek.id, refused));
      else this.send(errorResponse(peek?.method !== undefined ? peek.id : undefined, refused));
    } else {
      this.send(parseErrorResponse(error.message));
    }
  }

  /**
   * The client closed its side (stdin ended): requests still running finish and are answered,
   * within the drain timeout, before the connection closes (spec: stdio shutdown).
   */
  onInputEnd(): void {
    if (this.#closed || this.#inputEnded) return;
    this.#inputEnded = true;
    // Nothing can answer a server-to-client request any more: calls waiting on one go on now.
    this.#session?.close();
    // Calls still running at the deadline are answered with an error, never left unanswered.
    if (timerHolds(this.#drainTimeoutMs)) {
      this.#inputEndDeadline = setTimeout(() => this.abandon(deadlinePassed(this.#drainTimeoutMs)), this.#drainTimeoutMs);
      this.#inputEndDeadline.unref();
    }
    this.drain().then(() => this.#closeDrained());
  }

  /** Closes once drained (at the drain timeout, once the rest is abandoned). */
  #closeDrained(): void {
    this.close().then(undefined, (error: unknown) => this.#server.reportError(error, { method: 'close' }));
  }

  onClose(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#caughtUpListeners = undefined;
    clearTimeout(this.#inputEndDeadline);
    const reason = new McpLocalError(LocalErrorCode.ConnectionClosed, 'Connection closed', { cause: error });
    for (const exchange of this.#inflight.values()) {
      exchange.leave();
      exchange.cancel(reason);
    }
    this.#inflight.clear();
    this.#drain.settled(0);
    this.#session?.close();
    this.#onClose?.(error);
  }

  close(): Promise<void> {
    return this.#transport.close();
  }

  /** Graceful shutdown: new requests get an error; resolves once those in flight are answered. */
  drain(): Promise<void> {
    return this.#drain.start(this.#inflight.size);
  }

  /** Answers the requests still in flight with `error` and cancels their handlers. */
  abandon(error: WireError): void {
    const reason = new McpLocalError(LocalErrorCode.Cancelled, error.message);
    for (const [id, exchange] of this.#inflight.entries()) {
      exchange.leave();
      this.send(errorResponse(id, error));
      exchange.cancel(reason);
    }
    this.#inflight.clear();
    this.#drain.settled(0);
  }

  #request(request: JsonRpcRequest): void {
    if (this.#drain.draining) {
      this.send(errorResponse(request.id, SHUTTING_DOWN));
      return;
    }
    if (this.#inflight.has(request.id)) {
      this.send(errorResponse(request.id, { code: ErrorCode.InvalidRequest, message: `Request id ${request.id} is already in flight` }));
      return;
    }
    let session: LegacySession | undefined;
    if (!hasModernMeta(request)) {
      if (request.method === Method.Initialize) {
        session = this.#session ??= new LegacySession(undefined, LATEST_LEGACY_VERSION);
        // The session's own notifications: held while the client is not reading (stream-outlet.ts).
        session.outlet ??= new StreamOutlet(this, session);
      } else {
        session = this.#session;
      }
    }
    const exchange = new StreamExchange(this, request.id, session, this.#principal, this.#client);
    if (this.#admit !== undefined) {
      const admission = this.#admit(request);
      if (admission instanceof Refusal) {
        this.send(errorResponse(request.id, admission.error));
        return;
      }
      exchange.admission = admission;
    }
    this.#inflight.set(request.id, exchange);
    if (++this.#running >= this.#maxInflight && !this.#inflightBlocked) {
      this.#inflightBlocked = true;
      this.#transport.pause();
    }
    const response = this.#server.dispatch(request, exchange);
    if (response instanceof Promise) {
      response.then(
        (r) => this.#finish(request.id, exchange, r),
        (error: unknown) => {
          this.#server.reportError(error, { method: request.method });
          this.#finish(request.id, exchange, internalError(request.id));
        },
      );
    } else {
      this.#finish(request.id, exchange, response);
    }
  }

  /** Sends a request's response and lets go of it. Never throws. */
  #finish(id: RequestId, exchange: StreamExchange, response: JsonRpcResponse | undefined): void {
    if (this.#inflight.get(id) === exchange) this.#inflight.delete(id);
    exchange.leave();
    exchange.settled();
    this.#running--;
    if (response !== undefined && !exchange.cancelled) {
      try {
        this.send(response);
      } catch (error) {
        // JSON cannot carry the result (a BigInt, a cycle, nesting deeper than the stack allows):
        // the request still gets an answer.
        this.#server.reportError(error, { method: 'response' });
        this.send(internalError(id));
      }
    }
    if (this.#drain.draining) this.#drain.settled(this.#inflight.size);
    if (this.#inflightBlocked && this.#running < this.#maxInflight / 2) {
      this.#inflightBlocked = false;
      if (!this.#outputBlocked) this.#transport.resume();
    }
  }

  #notification(notification: JsonRpcNotification): void {
    if (notification.method === Notification.Cancelled) {
      const requestId = notification.params?.requestId as RequestId | undefined;
      const exchange = requestId === undefined ? undefined : this.#inflight.get(requestId);
      if (exchange) {
        this.#inflight.delete(requestId!);
        exchange.leave();
        exchange.cancel(new McpLocalError(LocalErrorCode.Cancelled, stringOr(notification.params?.reason, 'Cancelled by client')));
        if (this.#drain.draining) this.#drain.settled(this.#inflight.size);
      }
      return;
    }
    this.#server.handleNotification(notification, new StreamExchange(this, undefined, this.#session, this.#principal, this.#client));
  }
}
