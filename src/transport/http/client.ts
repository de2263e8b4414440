/**
 * The client side of Streamable HTTP, both eras: each message is its own POST; answers come
 * back as JSON or as an SSE stream. Modern requests carry the mirrored headers
 * (MCP-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Param-*); legacy ones carry the session.
 *
 * Every HTTP request leaves through `#fetch` (the auth layer's wrapper when `auth` is given:
 * headers per request, 401/403 challenges retried), with headers built by `#headers` (POST)
 * and `#streamHeaders` (GET), so a cross-cutting step has one place to go.
 */
import { doublingDelay } from '../../protocol/backoff.ts';
import { encodeMessage } from '../../protocol/encode.ts';
import { checkTimerMs } from '../../protocol/timer-limit.ts';
import { Cancellation } from '../../protocol/cancellation.ts';
import { messagesOf } from '../../protocol/batches.ts';
import { boundedText } from '../../protocol/bounded-body.ts';
import { reportError } from '../../protocol/error-report.ts';
import { isObject } from '../../protocol/guards.ts';
import { encodeHeaderValue, extractHeaderParams, valueAt, type HeaderParam } from '../../protocol/header-params.ts';
import { classify, malformedAnswer, MessageKind, type JsonRpcMessage, type JsonRpcRequest, type RequestId } from '../../protocol/jsonrpc.ts';
import { LocalErrorCode, McpLocalError, UNREACHABLE_CODES } from '../../protocol/local-errors.ts';
import { RequestTable } from '../../protocol/request-table.ts';
import { MetaKey } from '../../protocol/meta.ts';
import { Method, NAMED_METHODS, Notification } from '../../protocol/methods.ts';
import { BaseTransport } from '../base-transport.ts';
import { readAnswer, type SentMessage } from './client-answer.ts';
import { authorizedFetch, type HttpClientAuth } from './client-auth.ts';
import { retryAfterMs } from './retry-after.ts';
import { createH1Fetch, takesCancellation, type UndiciRequestInit } from './undici-fetch.ts';
import { SseParser } from './sse-parser.ts';
import { parseJson } from '../../protocol/long-strings.ts';

export interface HttpClientTransportOptions {
  /** Extra headers on every request (e.g. Authorization). */
  headers?: Record<string, string>;
  /**
   * A fetch implementation. Default: one on the client's own HTTP/1.1 keep-alive connections
   * shared by the transports given none, which resends a request once when the server closed a
   * reused connection before answering it (see `createH1Fetch`; `createUndiciFetch` does the
   * same on undici's). The global fetch does not.
   */
  fetch?: typeof fetch;
  /** Authenticates every request and answers 401/403 challenges (e.g. `new OAuthClientAuth(...)`). */
  auth?: HttpClientAuth;
  /** Legacy sessions: open the GET stream for server-initiated messages. Default true. */
  listen?: boolean;
  /**
   * Legacy sessions: how long the requests of a new session wait for the server's answer to
   * its first GET, so that what the server sends on that stream has a way to the client (a
   * server with no stream open may drop it). Default 2000 ms; 0: they do not wait. At most
   * 2147483647 (2^31 - 1 ms, about 24.8 days, the longest a timer holds): a longer one is
   * refused with a RangeError.
   */
  listenWaitMs?: number;
  /**
   * Legacy sessions: reconnections of one broken response stream (GET with `Last-Event-ID`,
   * after the server's SSE `retry` delay, or after the `Retry-After` of a resumption refused
   * with 429 or 503, at most 60 s each) before its request fails. Default 3.
   */
  maxResumes?: number;
  /** Largest answer (a JSON body, or one SSE event) accepted, in bytes. Default 64 MiB. */
  maxMessageBytes?: number;
}

const TASK_METHODS = new Set<string>([Method.TasksGet, Method.TasksUpdate, Method.TasksCancel]);

/** Reconnection delay when the server sent no SSE `retry` field (the HTML spec's default is a few seconds; servers that care send one). */
const DEFAULT_RETRY_MS = 1000;
/** A `retry` field longer than this is cut to it: a hostile server cannot park a request. */
const MAX_RETRY_MS = 60_000;
/**
 * The GET stream is reopened no sooner than this after it ended, whatever `retry` says: a
 * server that ends it at once with `retry: 0` would have the client reopen it hundreds of
 * times a second for as long as the session lasts.
 */
const MIN_LISTEN_RETRY_MS = 250;
/**
 * A GET stream that ended within this long, having brought no message, was no stream: each
 * one more in a row (or a GET refused for a while, or unreachable) doubles the wait before the
 * next (from the floor above up to {@link MAX_LISTEN_BACKOFF_MS}), so a server that keeps
 * ending it at once is asked less and less often instead of four times a second for as long
 * as the session lasts.
 */
const BRIEF_LISTEN_MS = 1000;
const MAX_LISTEN_BACKOFF_MS = 30_000;
/**
 * Requests of a new legacy session wait at most this long (by default) for the server's answer
 * to its first GET (see #opening): a server that sends a stream's headers only with its first
 * event must not hold them for longer.
 */
const LISTEN_WAIT_MS = 2000;
/** Notifications and responses posted at once at most (see #postUnanswered). */
export const MAX_UNANSWERED_POSTS = 16;
/** Notifications and responses that may wait for a free place, past which they are dropped. */
const MAX_WAITING_POSTS = 1024;
/** A notification or response the server has not answered in this long is let go. */
const UNANSWERED_POST_TIMEOUT_MS = 10_000;
/**
 * An answer to one of the server's requests refused for a while (429, 503) or that never got
 * through (the server out of reach, the connection broken) is posted again, this many times at
 * most, after a delay doubling from {@link ANSWER_RESEND_MS}: lost, it would leave the server's
 * handler waiting for its whole timeout. A server ignores an answer it already has.
 */
export const MAX_ANSWER_RESENDS = 3;
const ANSWER_RESEND_MS = 100;
const MAX_ANSWER_RESEND_MS = 2000;
const RESENT_ON: ReadonlySet<string> = new Set([LocalErrorCode.Overloaded, LocalErrorCode.Unreachable, LocalErrorCode.ConnectionClosed]);
const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** How long close() waits for the server to acknowledge the DELETE that ends a legacy session. */
const END_SESSION_TIMEOUT_MS = 2000;

let sharedFetch: typeof fetch | undefined;

/** The fetch of transports given none: one keep-alive pool for all of them. */
export function defaultFetch(): typeof fetch {
  return (sharedFetch ??= createH1Fetch());
}

/**
 * @example
 * const transport = new StreamableHttpClientTransport('http://127.0.0.1:3000/mcp', {
 *   headers: { authorization: `Bearer ${token}` },
 * });
 * await client.connect(transport);
 */
export class StreamableHttpClientTransport extends BaseTransport {
  readonly url: URL;
  readonly #options: HttpClientTransportOptions;
  readonly #fetch: typeof fetch;
  /** Whether the fetch takes a {@link Cancellation} (ours does), so a POST makes no AbortSignal. */
  readonly #takesCancellation: boolean;
  readonly #maxBytes: number;
  /** Requests in flight, so cancelling one closes its stream (spec: cancellation). */
  readonly #inflight: RequestTable<Cancellation>;
  /** Every POST in flight, each ended by close(), by {@link #postCount}. */
  readonly #posts: RequestTable<Cancellation, number>;
  #postCount: number;
  /** How many times each answer to a server's request was posted again (see #answerAgain). */
  readonly #answersResent: WeakMap<JsonRpcMessage, number>;
  /** Notifications and responses posted and not yet answered (see #postUnanswered). */
  #unanswered: number;
  /** Notifications and responses waiting for one of those to be answered. */
  readonly #waiting: JsonRpcMessage[];
  /** Messages read from SSE streams so far: tells a GET stream that brought something. */
  #received: number;
  /**
   * Settles once the server has answered the first GET of a new legacy session (or it failed,
   * or `listenWaitMs` passed); requests wait for it. A server sends what belongs to no
   * response stream on the GET stream, and may send there even a question of a call it runs
   * (that it goes on the call's own stream is a SHOULD, spec 2025-11-25, basic/transports);
   * with no GET stream open it may drop it (the official TypeScript SDK's server does, without
   * an event store). A call posted before the stream was open could have its question lost,
   * and wait for the server's timeout.
   */
  #opening: Promise<void> | undefined;
  /** Ends the GET streams on close(). */
  readonly #closing: AbortController;
  /** x-mcp-header parameters per tool, learned from tools/list. */
  readonly #headerParams: Map<string, readonly HeaderParam[]>;
  /** The legacy session id; cleared when the server answers 404 to it (spec: start a new one). */
  sessionId: string | undefined;
  /** The negotiated legacy version, once `initialize` answered. */
  legacyVersion: string | undefined;

  constructor(url: string | URL, options: HttpClientTransportOptions = {}) {
    super();
    checkTimerMs('listenWaitMs', options.listenWaitMs);
    this.url = new URL(url);
    this.#options = options;
    const base = options.fetch ?? defaultFetch();
    this.#fetch = options.auth ? authorizedFetch(base, options.auth) : base;
    // The auth layer passes a request's init on as it is.
    this.#takesCancellation = takesCancellation(base);
    this.#maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.#inflight = new RequestTable();
    this.#posts = new RequestTable();
    this.#postCount = 0;
    this.#answersResent = new WeakMap();
    this.#unanswered = 0;
    this.#waiting = [];
    this.#received = 0;
    this.#opening = undefined;
    this.#closing = new AbortController();
    this.#headerParams = new Map();
    this.sessionId = undefined;
    this.legacyVersion = undefined;
  }

  /** Tells the transport which parameters of a tool to mirror into Mcp-Param-* headers. */
  setHeaderParams(toolName: string, params: readonly HeaderParam[]): void {
    if (params.length === 0) this.#headerParams.delete(toolName);
    else this.#headerParams.set(toolName, params);
  }

  send(message: JsonRpcMessage): boolean {
    if (this.state !== 'open') return false;
    const kind = classify(message);
    const method = (message as { method?: string }).method;
    if (kind === MessageKind.Notification && method === Notification.Cancelled) {
      // Closing the request's stream is the modern cancellation; a legacy server is also told.
      const requestId = (message as { params?: { requestId?: RequestId } }).params?.requestId;
      if (requestId !== undefined) this.#inflight.get(requestId)?.cancel(undefined);
      if (this.sessionId === undefined) return true;
    }
    if (kind === MessageKind.Request) {
      // #post reports its failures to the receiver; what escapes that is a bug, reported.
      this.#post(message, kind, undefined).catch((error: unknown) => reportError(error, { operation: 'HTTP client send' }));
    } else this.#postUnanswered(message, kind);
    if (kind === MessageKind.Notification && method === Notification.Initialized && this.#options.listen !== false) {
      this.#listen(this.#gateRequests()).catch((error: unknown) => reportError(error, { operation: 'HTTP client GET stream' }));
    }
    return true;
  }

  /** Makes requests wait for the GET stream being opened (see #opening); returns what opens them. */
  #gateRequests(): () => void {
    const waitMs = this.#options.listenWaitMs ?? LISTEN_WAIT_MS;
    if (waitMs <= 0) return () => undefined;
    let open!: () => void;
    const opening = new Promise<void>((resolve) => (open = resolve));
    const timer = setTimeout(open, waitMs);
    timer.unref();
    this.#opening = opening;
    void opening.then(() => {
      clearTimeout(timer);
      if (this.#opening === opening) this.#opening = undefined;
    });
    return open;
  }

  /**
   * A notification or a response, which the server answers with 202 at once (spec 2025-11-25,
   * basic/transports): at most {@link MAX_UNANSWERED_POSTS} are posted at a time, each let go
   * after {@link UNANSWERED_POST_TIMEOUT_MS}, and at most {@link MAX_WAITING_POSTS} more wait
   * their turn (past that they are dropped). A server that sends requests without end and
   * answers none of the responses cannot make the client hold a connection for each.
   */
  #postUnanswered(message: JsonRpcMessage, kind: number): void {
    if (this.#unanswered >= MAX_UNANSWERED_POSTS) {
      if (this.#waiting.length < MAX_WAITING_POSTS) this.#waiting.push(message);
      return;
    }
    this.#unanswered++;
    this.#post(message, kind, UNANSWERED_POST_TIMEOUT_MS)
      .finally(() => {
        this.#unanswered--;
        const next = this.#waiting.shift();
        if (next !== undefined && this.state === 'open') this.#postUnanswered(next, classify(next));
      })
      .catch((error: unknown) => reportError(error, { operation: 'HTTP client send' }));
  }

  /** A POST's headers; `sessionId` is that of the session the message was sent in. */
  #headers(message: JsonRpcMessage, kind: number, sessionId: string | undefined): Record<string, string> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...this.#options.headers,
    };
    if (sessionId !== undefined) headers['mcp-session-id'] = sessionId;
    const request = message as JsonRpcRequest;
    const version = request.params?._meta?.[MetaKey.ProtocolVersion];
    if (kind === MessageKind.Request && typeof version === 'string') {
      headers['mcp-protocol-version'] = version;
      headers['mcp-method'] = request.method;
      const field = NAMED_METHODS.get(request.method) ?? (TASK_METHODS.has(request.method) ? 'taskId' : undefined);
      const name = field === undefined ? undefined : request.params?.[field];
      if (typeof name === 'string') headers['mcp-name'] = encodeHeaderValue(name);
      if (request.method === Method.ToolsCall && typeof name === 'string') {
        for (const param of this.#headerParams.get(name) ?? []) {
          const value = valueAt(request.params?.arguments, param.path);
          if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
            headers[`mcp-param-${param.name.toLowerCase()}`] = encodeHeaderValue(value);
          }
        }
      }
    } else if (this.legacyVersion !== undefined) {
      headers['mcp-protocol-version'] = this.legacyVersion;
    }
    return headers;
  }

  /** Headers of a GET on the legacy session: the standalone stream, or a resumption. */
  #streamHeaders(sessionId: string, lastEventId: string | undefined): Record<string, string> {
    const headers: Record<string, string> = { accept: 'text/event-stream', ...this.#options.headers, 'mcp-session-id': sessionId };
    if (this.legacyVersion !== undefined) headers['mcp-protocol-version'] = this.legacyVersion;
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    return headers;
  }

  async #post(message: JsonRpcMessage, kind: number, timeoutMs: number | undefined): Promise<void> {
    const id = kind === MessageKind.Request ? (message as JsonRpcRequest).id : undefined;
    const sent: SentMessage = { id, method: (message as { method?: string }).method, sessionId: this.sessionId };
    const cancellation = new Cancellation();
    if (id !== undefined) this.#inflight.set(id, cancellation);
    const post = ++this.#postCount;
    this.#posts.set(post, cancellation);
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => cancellation.cancel(undefined), timeoutMs);
    try {
      if (id !== undefined && this.#opening !== undefined && sent.method !== Method.Initialize) {
        await this.#opening;
        if (cancellation.cancelled) return;
      }
      let response: Response;
      try {
        // In the session it was sent in, even if that one was found gone meanwhile: the server's
        // 404 then has it renewed (a request with no session would be refused with 400).
        const init: UndiciRequestInit = { method: 'POST', headers: this.#headers(message, kind, sent.sessionId), body: encodeMessage(message) };
        if (this.#takesCancellation) init.cancellation = cancellation;
        else init.signal = cancellation.signal;
        response = await this.#fetch(this.url, init);
      } catch (error) {
        if (cancellation.cancelled) return;
        return this.#failed(message, sent, sendFailure(error, this.url, sent.method));
      }
      const sessionId = response.headers.get('mcp-session-id');
      if (sessionId !== null && sent.method === Method.Initialize) this.sessionId = sessionId;
      await this.#read(response, message, sent, cancellation);
    } catch (error) {
      // Reading the answer failed (the connection broke mid-body, or it was too large).
      if (cancellation.cancelled) return;
      this.#failed(message, sent, error instanceof McpLocalError ? error : new McpLocalError(LocalErrorCode.ConnectionClosed, `HTTP answer to ${sent.method} broke off: ${(error as Error).message}`, { cause: error }));
    } finally {
      clearTimeout(timer);
      this.#posts.delete(post);
      if (id !== undefined && this.#inflight.get(id) === cancellation) this.#inflight.delete(id);
    }
  }

  /** The message will get no answer: the client fails its request (if it was one). */
  #failed(message: JsonRpcMessage, sent: SentMessage, error: McpLocalError): void {
    if (error.code === LocalErrorCode.SessionExpired) this.#dropSession(sent.sessionId);
    if (sent.id !== undefined) this.receiver?.onSendError?.(message, error);
    else if (RESENT_ON.has(error.code) && isAnswer(message)) this.#answerAgain(message);
  }

  /**
   * Spec 2025-11-25, basic/transports (Session Management): a 404 means the session is gone,
   * and the client must start a new one with an initialize that carries none.
   */
  #dropSession(sessionId: string | undefined): void {
    if (sessionId === undefined || this.sessionId !== sessionId) return;
    this.sessionId = undefined;
    this.legacyVersion = undefined;
  }

  /**
   * A GET of the session was answered 404. A receiver that renews its session is told now: a
   * session's GET stream is how the server reaches the client, and waiting for the next request
   * to find the session gone left the client deaf to the server until then (a gateway's
   * upstream, say, whose list changes nobody heard of).
   */
  #sessionGone(sessionId: string): void {
    // A receiver that does not renew keeps the id: its next request is told of the loss (404).
    if (this.sessionId === sessionId && this.receiver?.onSessionGone?.() === true) this.#dropSession(sessionId);
  }

  /** Posts an answer that did not get through once more, later (see {@link MAX_ANSWER_RESENDS}). */
  #answerAgain(message: JsonRpcMessage): void {
    const resent = this.#answersResent.get(message) ?? 0;
    if (resent >= MAX_ANSWER_RESENDS || this.state !== 'open') return;
    this.#answersResent.set(message, resent + 1);
    const timer = setTimeout(() => {
      if (this.state === 'open') this.#postUnanswered(message, classify(message));
    }, doublingDelay(ANSWER_RESEND_MS, resent, MAX_ANSWER_RESEND_MS));
    timer.unref();
  }

  async #read(response: Response, message: JsonRpcMessage, sent: SentMessage, cancellation: Cancellation): Promise<void> {
    const type = response.headers.get('content-type') ?? '';
    if (response.ok && type.startsWith('text/event-stream')) {
      // A notification or a response is answered with 202 and no body (spec 2025-11-25 and
      // 2026-07-28, basic/transports): a stream in its place is nobody's to read, and a server
      // that kept it open would hold a connection for every message the client sent it.
      if (sent.id === undefined) {
        await response.body?.cancel();
        return;
      }
      const parser = new SseParser();
      const answered = await this.#stream(response, sent.id, parser);
      if (!answered && sent.id !== undefined && !cancellation.cancelled) await this.#resume(message, sent, parser, cancellation.signal);
      return;
    }
    const text = await boundedText(response, this.#maxBytes, answerTooLarge);
    if ((response.status === 202 || response.status === 204) && sent.id === undefined) return;
    const answer = readAnswer(response.status, response.headers, text, sent);
    if (answer.message !== undefined) this.#deliver(answer.message, message);
    if (answer.error !== undefined) this.#failed(message, sent, answer.error);
  }

  #deliver(received: JsonRpcMessage, sent: JsonRpcMessage): void {
    if ((sent as JsonRpcRequest).method === Method.Initialize && 'result' in received) {
      const version = (received.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === 'string') this.legacyVersion = version;
    }
    if ((sent as JsonRpcRequest).method === Method.ToolsList && 'result' in received) this.#learnTools(received.result);
    this.receiver?.onMessage(received);
  }

  /** Remembers which parameters each listed tool mirrors into headers. */
  #learnTools(result: Record<string, unknown>): void {
    const tools: unknown[] = Array.isArray(result.tools) ? result.tools : [];
    for (const tool of tools) {
      if (!isObject(tool) || typeof tool.name !== 'string') continue;
      const params = extractHeaderParams(tool.inputSchema);
      if (typeof params !== 'string') this.setHeaderParams(tool.name, params);
    }
  }

  /**
   * Reads an SSE response; returns whether the response to `id` arrived on it. Reading stops
   * there: the response ends the stream (spec 2026-07-28, basic/transports: "The final
   * JSON-RPC response SHOULD terminate the stream"), and one a server kept open would hold its
   * connection for as long as the server liked. Throws MCP_ERR_MESSAGE_TOO_LARGE when an event
   * grows past `maxMessageBytes`.
   */
  async #stream(response: Response, id: RequestId | undefined, parser: SseParser): Promise<boolean> {
    let answered = false;
    let tooLarge: McpLocalError | undefined;
    const decoder = new TextDecoder();
    const reader = response.body!.getReader();
    try {
      while (!answered) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of parser.push(decoder.decode(value, { stream: true }))) {
          if (event.event !== 'message' || event.data === '') continue;
          let data: unknown;
          try {
            data = parseJson(event.data);
          } catch (error) {
            this.receiver?.onFrameError(error as Error);
            continue;
          }
          for (const message of messagesOf(data)) {
            const kind = classify(message);
            if (id !== undefined && (kind === MessageKind.Result || kind === MessageKind.Error) && (message as { id?: RequestId }).id === id) answered = true;
            // A malformed answer fails the request (client.ts) just as well: resuming would wait for another.
            else if (id !== undefined && kind === MessageKind.Invalid && malformedAnswer(message)?.id === id) answered = true;
            // A message on a request's stream belongs to that request (spec 2025-11-25,
            // basic/transports); one on the GET stream cannot be placed (see client/input.ts).
            this.#received++;
            this.receiver?.onMessage(message, id);
          }
        }
        if (!answered && parser.buffered > this.#maxBytes) {
          tooLarge = new McpLocalError(LocalErrorCode.MessageTooLarge, `An SSE event exceeds the limit of ${this.#maxBytes} bytes`);
          break;
        }
      }
    } catch {
      // A broken stream: the caller decides whether to resume.
    } finally {
      parser.end();
      await reader.cancel().catch(() => undefined);
    }
    // Resuming would only replay the same event.
    if (tooLarge !== undefined) throw tooLarge;
    return answered;
  }

  /**
   * Legacy resumable streams (spec 2025-11-25, basic/transports, Resumability and Redelivery):
   * the stream of a request ended before its response, because the server closed it (SEP-1699
   * polling) or the connection broke. Wait the server's `retry` delay, then GET with
   * `Last-Event-ID`; the server replays what followed and goes on. A request whose server
   * gave its events no ids cannot be resumed and fails. A resumption refused for now (429,
   * 503: an overloaded server, or one of several instances waiting out the lease of the one
   * that wrote the stream and may have died) is asked again after its `Retry-After`: each
   * attempt counts against `maxResumes`, and each wait is cut to {@link MAX_RETRY_MS}, so a
   * server holds a request no longer than that many times as long.
   */
  async #resume(message: JsonRpcMessage, sent: SentMessage, parser: SseParser, signal: AbortSignal): Promise<void> {
    const maxResumes = this.#options.maxResumes ?? 3;
    let reason = 'without a session it cannot be resumed';
    /** The wait a refusal asked for, instead of the stream's `retry`. */
    let refusedFor: number | undefined;
    let refusals = 0;
    for (let attempt = 0; attempt < maxResumes; attempt++) {
      const sessionId = this.sessionId;
      if (sessionId === undefined) break;
      if (parser.lastEventId === undefined) {
        reason = 'the server gave its events no ids, so it cannot be resumed';
        break;
      }
      if (!(await sleep(Math.min(refusedFor ?? parser.retryMs ?? DEFAULT_RETRY_MS, MAX_RETRY_MS), signal))) return;
      refusedFor = undefined;
      let resumed: Response;
      try {
        resumed = await this.#fetch(this.url, { method: 'GET', headers: this.#streamHeaders(sessionId, parser.lastEventId), signal });
      } catch (error) {
        if (signal.aborted) return;
        reason = `resuming failed: ${(error as Error).message}`;
        continue;
      }
      if (!resumed.ok || !(resumed.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        await resumed.body?.cancel();
        reason = `resuming was refused (HTTP ${resumed.status})`;
        // Anything else is final for this stream, and only for it: 400 is an id the server
        // cannot resume from, its session going on; 404 a session gone, which the receiver
        // renews (the call fails here, never resent: it may have run).
        if (resumed.status === 404) this.#sessionGone(sessionId);
        if (resumed.status !== 429 && resumed.status !== 503) break;
        refusedFor = retryAfterMs(resumed.headers.get('retry-after'));
        if (++refusals > 1) reason += `, ${refusals} times`;
        continue;
      }
      if (await this.#stream(resumed, sent.id, parser)) return;
      if (signal.aborted) return;
      reason = `it broke off ${attempt + 1 === maxResumes ? 'again' : 'once more'}`;
    }
    // The request may have been served: this is not a session loss, and must not be resent as one.
    this.#failed(message, sent, new McpLocalError(LocalErrorCode.ConnectionClosed, `The response stream of ${sent.method} ended before its response; ${reason}`));
  }

  /**
   * Legacy: the standalone GET stream for server-initiated messages, while the session lasts.
   * `answered` is called once the server answered the first GET, or it failed.
   */
  async #listen(answered: () => void): Promise<void> {
    try {
      await this.#listenUntilEnd(answered);
    } finally {
      answered();
    }
  }

  async #listenUntilEnd(answered: () => void): Promise<void> {
    const sessionId = this.sessionId;
    if (sessionId === undefined) return;
    const parser = new SseParser();
    /** Streams in a row that ended at once with nothing (see BRIEF_LISTEN_MS). */
    let brief = 0;
    /**
     * Whether the server ever gave this session its stream. Only then does a 404 say the
     * session is gone: a server that answers every GET 404 (one that routes no GET to its
     * endpoint) would otherwise have each new session renewed at once, without end.
     */
    let listened = false;
    while (this.state === 'open' && this.sessionId === sessionId) {
      const opened = performance.now();
      const received = this.#received;
      let response: Response | undefined;
      try {
        response = await this.#fetch(this.url, { method: 'GET', headers: this.#streamHeaders(sessionId, parser.lastEventId), signal: this.#closing.signal });
      } catch {
        // Unreachable for now (a restart, a network fault): asked again, less and less often.
        if (this.#closing.signal.aborted) return;
      }
      // The server has the stream (or refused it): what it sends from now on has a way here.
      answered();
      /** A refusal's `Retry-After`: the next GET waits at least that long. */
      let refusedFor: number | undefined;
      if (response !== undefined && !response.ok) {
        await response.body?.cancel();
        refusedFor = retryAfterMs(response.headers.get('retry-after'));
        // A Last-Event-ID the server cannot resume from (400; the session goes on): the stream
        // is opened anew without it. What it missed is lost, but giving up left the session
        // deaf to the server.
        if (response.status === 400 && parser.lastEventId !== undefined) parser.lastEventId = undefined;
        // Asking again will not mend a client error: 405 is a server that offers no GET stream
        // (spec 2025-11-25, basic/transports), 404 a session that is gone (renewed by the
        // receiver now, or found by its next request; the new one listens anew). A proxy's or
        // an overloaded server's refusal (5xx, 408, 429) will pass: giving up on it left the
        // session deaf to the server.
        else if (response.status < 500 && response.status !== 408 && response.status !== 429) {
          if (response.status === 404 && listened) this.#sessionGone(sessionId);
          return;
        }
        response = undefined;
      }
      if (response !== undefined) {
        listened = true;
        try {
          await this.#stream(response, undefined, parser);
        } catch (error) {
          this.receiver?.onFrameError(error as Error);
        }
      }
      const failed = response === undefined || (this.#received === received && performance.now() - opened < BRIEF_LISTEN_MS);
      brief = failed ? brief + 1 : 0;
      const floor = brief === 0 ? MIN_LISTEN_RETRY_MS : doublingDelay(MIN_LISTEN_RETRY_MS, brief - 1, MAX_LISTEN_BACKOFF_MS);
      const delay = Math.min(Math.max(floor, parser.retryMs ?? DEFAULT_RETRY_MS, refusedFor ?? 0), MAX_RETRY_MS);
      if (!(await sleep(delay, this.#closing.signal))) return;
    }
  }

  pause(): void {}

  resume(): void {}

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.finish();
    this.#closing.abort();
    this.#waiting.length = 0;
    for (const post of this.#posts.values()) post.cancel(this.#closing.signal.reason);
    if (this.sessionId !== undefined) {
      // Spec 2025-11-25 (Session Management): a client that no longer needs the session ends it.
      // Bounded: a server that never answers it cannot hold close() (nor a failed connect()).
      const signal = AbortSignal.timeout(END_SESSION_TIMEOUT_MS);
      await this.#fetch(this.url, { method: 'DELETE', headers: { ...this.#options.headers, 'mcp-session-id': this.sessionId }, signal }).then(
        (response) => response.body?.cancel(),
        () => undefined,
      );
    }
  }
}

/** A failed fetch as a local error: unreachable (nothing sent) or broken (maybe served). */
export function sendFailure(error: unknown, url: URL, method: string | undefined): McpLocalError {
  if (error instanceof McpLocalError) return error; // from the auth layer
  const cause = (error as { cause?: { code?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const detail = error instanceof Error ? (cause instanceof Error ? cause.message : error.message) : 'unknown error';
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return new McpLocalError(LocalErrorCode.Unreachable, `Could not reach ${url.origin}: ${detail}`, { cause: error });
  }
  // The fetch resent what provably never reached the server (connection-reuse.ts); this may
  // have been processed, so only the caller (or its retry policy) may send it again.
  const what = method === undefined ? 'HTTP request' : `HTTP request ${method}`;
  return new McpLocalError(LocalErrorCode.ConnectionClosed, `${what} failed (${detail}); it may have reached the server and been processed, so it was not sent again`, { cause: error });
}

/** An answer (result or error) to one of the server's requests. */
function isAnswer(message: JsonRpcMessage): boolean {
  const kind = classify(message);
  return kind === MessageKind.Result || kind === MessageKind.Error;
}

/** Waits `ms`; resolves false at once if `signal` aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The refusal of an answer larger than `limit` bytes (boundedText's `tooLarge`). */
function answerTooLarge(declared: number | undefined, limit: number): McpLocalError {
  const answer = declared === undefined ? 'HTTP answer' : `HTTP answer of ${declared} bytes`;
  return new McpLocalError(LocalErrorCode.MessageTooLarge, `${answer} exceeds the limit of ${limit} bytes`);
}
