/**
 * McpClient: speaks to any MCP server over any message-stream transport, modern first with a
 * fallback to the legacy handshake (spec 2026-07-28, basic/versioning: dual-era clients).
 *
 * Input the server asks for is answered by the handlers given in the options, in both eras:
 * as replies to server-to-client requests (legacy), or by retrying the request with
 * `inputResponses` (modern multi round-trip requests).
 */
import {
  classify,
  errorResponse,
  malformedAnswer,
  MessageKind,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type Params,
  type RequestId,
} from '../protocol/jsonrpc.ts';
import { describeValue, isObject, quoteValue } from '../protocol/guards.ts';
import { jsonSizeWithin } from '../protocol/json-size.ts';
import { warnOfPeer } from '../protocol/peer-warning.ts';
import { reportError } from '../protocol/error-report.ts';
import { OAuthError } from './auth/oauth-error.ts';
import { clientRequestChannel, type ClientRequestMessage } from './diagnostics.ts';
import { extractHeaderParams } from '../protocol/header-params.ts';
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import type { MessagePeek } from '../protocol/message-peek.ts';
import { MetaKey } from '../protocol/meta.ts';
import { Method, Notification } from '../protocol/methods.ts';
import type {
  CallToolResult,
  ClientCapabilities,
  Implementation,
  InputRequests,
  LoggingLevel,
  ServerCapabilities,
  Tool,
} from '../protocol/types.ts';
import { isLegacyVersion, LATEST_LEGACY_VERSION, MODERN_VERSION } from '../protocol/versions.ts';
import { ErrorCode, McpError } from '../protocol/wire-errors.ts';
import type { MessageReceiver, Transport } from '../transport/transport.ts';
import { withHandlerCapabilities, type InputHandlers } from './input.ts';
import { checkInputRequests, checkRequestState, InputAnswers } from './input-answers.ts';
import { isCancelled, PendingRequests, signalOf, type Progress, type RequestOptions } from './requests.ts';
import { ResultCache } from './result-cache.ts';
import { checkRetryDelays, RETRY_SAFE_METHODS, withRetries, type RetryOptions } from './retry.ts';

export type Era = 'modern' | 'legacy';

/**
 * Options of a client. The input handlers answer the server's questions in both eras; a
 * request's own handlers (`RequestOptions`) win over these for the questions of that request.
 */
/** Options of {@link McpClient.connect}. */
export interface ConnectOptions {
  /** Milliseconds each request of the handshake may take; default the client's `requestTimeoutMs`. */
  timeoutMs?: number;
}

export interface ClientOptions extends InputHandlers {
  name: string;
  version: string;
  title?: string;
  /**
   * Extra capabilities; elicitation, sampling and roots are declared from the handlers given.
   * Legacy servers learn capabilities once, at `initialize`: a client that answers questions
   * only with per-request handlers declares them here (e.g. `{ elicitation: {} }`).
   */
  capabilities?: ClientCapabilities;
  /** 'auto' (default) probes with server/discover and falls back to initialize. */
  era?: Era | 'auto';
  /**
   * Default per-request timeout. Default 60 s. Any length holds, longer than a timer does too
   * (past 2^31 - 1 ms, about 24.8 days, requests are timed by a shared coarse tick); Infinity:
   * none.
   */
  requestTimeoutMs?: number;
  /** How long the server/discover probe may take before assuming a legacy server. Default 5 s. */
  probeTimeoutMs?: number;
  /** Every notification from the server that is not progress for a request. */
  onNotification?: (notification: JsonRpcNotification) => void;
  /**
   * The error a question of the server's is refused with when several requests in flight could
   * answer it and nothing says which it belongs to (see input.ts), given the question's method.
   * Default: -32603 saying so. The server may pass its message on to whoever it serves: a
   * gateway names its upstream in it.
   */
  ambiguousQuestion?: (method: string) => McpError;
  /**
   * What the server sent that is not a message, as the transport found it: a line that is not
   * JSON, a message over `maxMessageBytes`, or text a stdio server wrote before a message (a
   * banner without its newline; the message itself is read: see stdio-client.ts). The client
   * goes on reading. Unreported by default.
   */
  onFrameError?: (error: Error) => void;
  /** Modern era: how many input rounds one request may take. Default 8. */
  maxInputRounds?: number;
  /**
   * Called once when the connection ends: `error` says why (the server process exited, the
   * connection broke, `connect()` failed); it is undefined after {@link McpClient.close}.
   * Requests in flight have already been failed with MCP_ERR_CONNECTION_CLOSED.
   */
  onClose?: (error?: Error) => void;
  /**
   * Retries for every request (a request's own `retry` overrides it). None by default. Only
   * safe retries happen: see {@link RetryOptions}.
   */
  retry?: RetryOptions;
  /**
   * Serves list and `resources/read` results from a cache while their `ttlMs` says they are
   * fresh, and drops them on list_changed (spec 2026-07-28, server/utilities/caching).
   * Default true.
   */
  cache?: boolean;
  /**
   * Legacy sessions over HTTP: when the server answers 404 for the session (it restarted or
   * expired it), run `initialize` again and send the request once more, unseen by the caller
   * (nothing was served: the server did not know the session). Default true.
   */
  reinitialize?: boolean;
  /**
   * The most pages a `list*` convenience follows before failing the listing: a server whose
   * cursors never end cannot keep the client listing, or growing its list, forever.
   * Default 1,000.
   */
  maxListPages?: number;
  /**
   * The most a `list*` convenience holds of one listing, over all its pages, measured as the
   * length of the items' JSON: each page may be as large as one message, and a server whose
   * pages never end would otherwise have the client hold `maxListPages` of them before it
   * failed (a gigabyte for pages of a mebibyte). Default 64 MiB.
   */
  maxListBytes?: number;
}

type Result = Record<string, unknown>;

const DEFAULT_MAX_LIST_PAGES = 1000;
const DEFAULT_MAX_LIST_BYTES = 64 * 1024 * 1024;

/**
 * @example
 * const client = new McpClient({ name: 'my-app', version: '1.0.0' });
 * await client.connect(new StdioClientTransport({ command: 'mcp-core', args: ['serve', '--stdio', '--demo'] }));
 * const { content } = await client.callTool('echo', { text: 'hi' });
 */
export class McpClient implements MessageReceiver {
  readonly info: Implementation;
  readonly capabilities: ClientCapabilities;
  readonly #options: ClientOptions;
  readonly #pending: PendingRequests;
  #transport: Transport | undefined;
  #era: Era | undefined;
  #protocolVersion: string;
  #serverInfo: Implementation | undefined;
  #serverCapabilities: ServerCapabilities;
  #instructions: string | undefined;
  #closeError: Error | undefined;
  /** Set by close() and by a failed connect(): the close that follows is the client's own. */
  #closeReason: { error: Error | undefined } | undefined;
  #resolveClosed!: (error: Error | undefined) => void;
  /** Aborted when the connection ends: the signal of every input handler follows it. */
  readonly #connection: AbortController;
  readonly #answers: InputAnswers;
  /**
   * Settles once the connection has ended, with the reason (as given to `onClose`): a manager
   * awaits it to learn at once that an upstream went away.
   *
   * @example
   * client.closed.then((error) => error && console.error(`upstream gone: ${error.message}`));
   */
  readonly closed: Promise<Error | undefined>;
  readonly #cache: ResultCache;
  /** Counts the legacy sessions opened, so one lost session is renewed once. */
  #sessions: number;
  /** The renewal of a lost legacy session, while it runs: requests wait for it. */
  #renewing: Promise<void> | undefined;
  /** Modern era: the capabilities a request declares, by which input handlers it has (see #requestCapabilities). */
  readonly #capabilitiesWith: ClientCapabilities[];

  constructor(options: ClientOptions) {
    if (options.retry !== undefined) checkRetryDelays(options.retry);
    this.#options = options;
    this.info = options.title === undefined ? { name: options.name, version: options.version } : { name: options.name, version: options.version, title: options.title };
    this.capabilities = withHandlerCapabilities({ ...options.capabilities }, options);
    this.#pending = new PendingRequests((id, reason) => this.#cancel(id, reason));
    this.#transport = undefined;
    this.#era = undefined;
    this.#protocolVersion = MODERN_VERSION;
    this.#serverInfo = undefined;
    this.#serverCapabilities = {};
    this.#instructions = undefined;
    this.#closeError = undefined;
    this.#closeReason = undefined;
    this.#connection = new AbortController();
    this.#answers = new InputAnswers(options, this.#pending, this.#connection.signal, options.ambiguousQuestion);
    this.#capabilitiesWith = [];
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#cache = new ResultCache();
    this.#sessions = 0;
    this.#renewing = undefined;
  }

  get era(): Era | undefined {
    return this.#era;
  }

  get protocolVersion(): string {
    return this.#protocolVersion;
  }

  get serverInfo(): Implementation | undefined {
    return this.#serverInfo;
  }

  get serverCapabilities(): ServerCapabilities {
    return this.#serverCapabilities;
  }

  get instructions(): string | undefined {
    return this.#instructions;
  }

  /**
   * Starts the transport and settles the era: modern via server/discover, else initialize.
   * When it fails, the transport is closed (a spawned server process is stopped) before the
   * error is thrown, so a failed connect leaves nothing running.
   *
   * `options.timeoutMs` bounds each request of the handshake instead of `requestTimeoutMs`: a
   * server may take longer to start than any of its calls may take (in `auto` era the
   * server/discover probe keeps `probeTimeoutMs` when that is shorter).
   *
   * @example
   * await client.connect(transport, { timeoutMs: 30_000 }); // a server that starts slowly; calls still get requestTimeoutMs
   */
  async connect(transport: Transport, options: ConnectOptions = {}): Promise<void> {
    this.#transport = transport;
    transport.start(this);
    try {
      await this.#negotiate(options.timeoutMs);
    } catch (error) {
      this.#closeReason ??= { error: error as Error };
      await transport.close();
      throw error;
    }
  }

  async #negotiate(timeoutMs: number | undefined): Promise<void> {
    const era = this.#options.era ?? 'auto';
    if (era !== 'legacy') {
      try {
        const probeMs = this.#options.probeTimeoutMs ?? 5000;
        await this.#discover(era === 'auto' ? Math.min(probeMs, timeoutMs ?? probeMs) : timeoutMs);
        return;
      } catch (error) {
        if (era === 'modern' || !isLegacyFallback(error)) throw error;
      }
    }
    await this.#initialize(timeoutMs);
  }

  async #discover(timeoutMs: number | undefined): Promise<void> {
    this.#era = 'modern';
    let result: Result;
    try {
      result = await this.#discoverRequest(timeoutMs === undefined ? {} : { timeoutMs });
    } catch (error) {
      this.#era = undefined;
      throw error;
    }
    const versions = Array.isArray(result.supportedVersions) ? (result.supportedVersions as string[]) : [];
    if (!versions.includes(MODERN_VERSION)) {
      this.#era = undefined;
      throw new McpError(ErrorCode.UnsupportedProtocolVersion, 'Server does not support the modern revision', { supported: versions });
    }
    this.#serverCapabilities = (result.capabilities as ServerCapabilities) ?? {};
    this.#serverInfo = (result._meta as Result | undefined)?.[MetaKey.ServerInfo] as Implementation | undefined;
    this.#instructions = result.instructions as string | undefined;
  }

  /**
   * server/discover, sent once more when the server refuses the version yet lists it as
   * supported: the client retries with a mutually supported version (2026-07-28
   * basic/versioning), and the modern revision is the only one this request can carry.
   */
  async #discoverRequest(options: RequestOptions): Promise<Result> {
    try {
      return await this.#send(Method.ServerDiscover, {}, options);
    } catch (error) {
      const supported = error instanceof McpError && error.code === ErrorCode.UnsupportedProtocolVersion ? (error.data as { supported?: unknown } | undefined)?.supported : undefined;
      if (!Array.isArray(supported) || !supported.includes(MODERN_VERSION)) throw error;
      return this.#send(Method.ServerDiscover, {}, options);
    }
  }

  async #initialize(timeoutMs?: number): Promise<void> {
    this.#era = 'legacy';
    const result = await this.#send(Method.Initialize, {
      protocolVersion: LATEST_LEGACY_VERSION,
      capabilities: this.capabilities,
      clientInfo: this.info,
    }, timeoutMs === undefined ? {} : { timeoutMs });
    if (!isLegacyVersion(result.protocolVersion)) {
      throw new McpLocalError(LocalErrorCode.ProtocolViolation, `Server chose unsupported protocol version ${describeValue(result.protocolVersion)}`);
    }
    this.#protocolVersion = result.protocolVersion as string;
    this.#serverCapabilities = (result.capabilities as ServerCapabilities) ?? {};
    this.#serverInfo = result.serverInfo as Implementation | undefined;
    this.#instructions = result.instructions as string | undefined;
    this.#sessions++;
    this.#cache.clear();
    this.notify(Notification.Initialized);
  }

  // ---- requests -----------------------------------------------------------------------------

  /**
   * Sends a request and resolves with its result. In the modern era, an InputRequiredResult
   * is answered with the handlers and the request retried until it completes. A fresh cached
   * result is served without asking the server; failures are retried where `retry` allows it.
   */
  async request(method: string, params: Params = {}, options: RequestOptions = {}): Promise<Result> {
    const key = options.cache === 'no-store' || this.#options.cache === false ? undefined : this.#cache.key(method, params);
    if (key !== undefined && options.cache !== 'reload') {
      const cached = this.#cache.get(key);
      if (cached !== undefined) return cached;
    }
    let current = params;
    const rounds = this.#options.maxInputRounds ?? 8;
    for (let round = 0; ; round++) {
      const result = await this.#attempt(method, current, options);
      if (result.resultType !== 'input_required') {
        // Results of input rounds depend on the answers, which are not in the key (spec: Cache Key).
        if (key !== undefined && round === 0) this.#cache.set(key, result);
        return result;
      }
      if (round >= rounds) throw new McpLocalError(LocalErrorCode.ProtocolViolation, `${method} still needs input after ${rounds} rounds`);
      const requestState = checkRequestState(method, result.requestState);
      const inputResponses = await this.#answers.answerAll(checkInputRequests(method, result.inputRequests), options);
      current = { ...params, inputResponses };
      if (requestState !== undefined) current.requestState = requestState;
    }
  }

  /** One round of a request, with the retries its policy allows (see retry.ts). */
  #attempt(method: string, params: Params, options: RequestOptions): Promise<Result> {
    // The client's own policy was checked when it was made; a request's is checked here.
    if (options.retry !== undefined && options.retry !== false) checkRetryDelays(options.retry);
    const policy = options.retry === false ? undefined : (options.retry ?? this.#options.retry);
    if (policy === undefined) return this.#sendInSession(method, params, options);
    const safe = options.idempotent === true || RETRY_SAFE_METHODS.has(method);
    return withRetries(() => this.#sendInSession(method, params, options), policy, safe, signalOf(options), () => this.#closeError !== undefined);
  }

  /**
   * Sends a request in the current legacy session; when the server has lost that session, it
   * is renewed (one `initialize` for all the requests that found it gone) and the request sent
   * once more (spec 2025-11-25, basic/transports: Session Management). Modern requests, and
   * clients that do not renew, take the direct path.
   */
  #sendInSession(method: string, params: Params, options: RequestOptions): Promise<Result> {
    if (this.#era !== 'legacy' || this.#options.reinitialize === false) return this.#send(method, params, options);
    return this.#sendRenewing(method, params, options);
  }

  async #sendRenewing(method: string, params: Params, options: RequestOptions): Promise<Result> {
    if (this.#renewing !== undefined) await this.#renewing;
    const session = this.#sessions;
    try {
      return await this.#send(method, params, options);
    } catch (error) {
      if (!(error instanceof McpLocalError && error.code === LocalErrorCode.SessionExpired)) throw error;
      if (this.#sessions === session) {
        this.#renewing ??= this.#initialize().finally(() => (this.#renewing = undefined));
        await this.#renewing;
      }
      return this.#send(method, params, options);
    }
  }

  #send(method: string, params: Params, options: RequestOptions): Promise<Result> {
    const transport = this.#requireTransport();
    const id = this.#pending.nextId();
    const meta: Record<string, unknown> = { ...params._meta };
    if (this.#era === 'modern') {
      meta[MetaKey.ProtocolVersion] = this.#protocolVersion;
      const capabilities = this.#requestCapabilities(options);
      meta[MetaKey.ClientCapabilities] =
        options.extensions === undefined ? capabilities : { ...capabilities, extensions: { ...capabilities.extensions, ...options.extensions } };
      meta[MetaKey.ClientInfo] = this.info;
    }
    if (options.onProgress) meta[MetaKey.ProgressToken] = id;
    if (clientRequestChannel.hasSubscribers) clientRequestChannel.publish({ method, meta } satisfies ClientRequestMessage);
    const message: JsonRpcRequest = {
      jsonrpc: '2.0',
      id,
      method,
      params: Object.keys(meta).length > 0 ? { ...params, _meta: meta } : params,
    };
    const result = this.#pending.track(id, method, options, this.#options.requestTimeoutMs ?? 60_000);
    // Cancelled before it went out: it fails at once, and is not sent (no cancellation would follow it).
    if (isCancelled(options)) return result;
    try {
      transport.send(message);
    } catch (error) {
      // Not sent (params JSON.stringify cannot write): nothing will answer it. Left tracked, its
      // promise was rejected at its timeout or the connection's end with no one to catch it.
      this.#pending.fail(id, error as Error);
      return result;
    }
    options.onSent?.(id);
    return result;
  }

  /**
   * The client's capabilities plus those a request's own input handlers imply, made once for
   * each combination of handlers (a gateway gives every call its handlers).
   */
  #requestCapabilities(options: RequestOptions): ClientCapabilities {
    const mask = (options.onElicit === undefined ? 0 : 1) | (options.onSample === undefined ? 0 : 2) | (options.onListRoots === undefined ? 0 : 4);
    return (this.#capabilitiesWith[mask] ??= withHandlerCapabilities(this.capabilities, options));
  }

  #cancel(requestId: RequestId, reason: string): void {
    if (this.#transport?.state === 'open') this.notify(Notification.Cancelled, { requestId, reason });
  }

  /** Sends a notification. */
  notify(method: string, params?: Params): void {
    this.#requireTransport().send(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params });
  }

  // ---- conveniences for the spec's methods -----------------------------------------------------

  /**
   * Lists every tool, following pagination. Over HTTP, tools whose x-mcp-header annotations
   * break the spec's rules are left out, as the spec requires of HTTP clients.
   */
  async listTools(options?: RequestOptions): Promise<Tool[]> {
    const tools = await this.#collect<Tool>(Method.ToolsList, 'tools', options);
    if (!('setHeaderParams' in (this.#transport ?? {}))) return tools;
    return tools.filter((tool) => {
      // Items are the server's: hostile until checked (one that is no object declares no headers).
      const params = extractHeaderParams(isObject(tool) ? tool.inputSchema : undefined);
      if (typeof params === 'string') {
        const name = typeof tool.name === 'string' ? tool.name : describeValue(tool.name);
        warnOfPeer('MCP_INVALID_TOOL', name, `Ignoring tool ${quoteValue(name)}: ${quoteValue(params)}`);
      }
      return typeof params !== 'string';
    });
  }

  async callTool(name: string, args: Record<string, unknown> = {}, options?: RequestOptions): Promise<CallToolResult> {
    return (await this.request(Method.ToolsCall, { name, arguments: args }, options)) as unknown as CallToolResult;
  }

  async listResources(options?: RequestOptions): Promise<Result[]> {
    return this.#collect(Method.ResourcesList, 'resources', options);
  }

  async listResourceTemplates(options?: RequestOptions): Promise<Result[]> {
    return this.#collect(Method.ResourcesTemplatesList, 'resourceTemplates', options);
  }

  readResource(uri: string, options?: RequestOptions): Promise<Result> {
    return this.request(Method.ResourcesRead, { uri }, options);
  }

  async listPrompts(options?: RequestOptions): Promise<Result[]> {
    return this.#collect(Method.PromptsList, 'prompts', options);
  }

  getPrompt(name: string, args: Record<string, string> = {}, options?: RequestOptions): Promise<Result> {
    return this.request(Method.PromptsGet, { name, arguments: args }, options);
  }

  complete(ref: Params, argument: { name: string; value: string }, context?: Record<string, string>, options?: RequestOptions): Promise<Result> {
    return this.request(Method.CompletionComplete, context === undefined ? { ref, argument } : { ref, argument, context: { arguments: context } }, options);
  }

  /** Legacy only: `ping`. */
  ping(options?: RequestOptions): Promise<Result> {
    return this.request(Method.Ping, {}, options);
  }

  /** Legacy only: sets the minimum level of log notifications. */
  setLoggingLevel(level: LoggingLevel, options?: RequestOptions): Promise<Result> {
    return this.request(Method.LoggingSetLevel, { level }, options);
  }

  /**
   * Follows `nextCursor` to the last page. A server that keeps answering with a cursor it gave
   * before, with more than `maxListPages` pages, or with items of more than `maxListBytes` in
   * all, is failed instead of followed forever.
   */
  async #collect<T>(method: string, key: string, options?: RequestOptions): Promise<T[]> {
    const items: T[] = [];
    const maxPages = this.#options.maxListPages ?? DEFAULT_MAX_LIST_PAGES;
    const maxBytes = this.#options.maxListBytes ?? DEFAULT_MAX_LIST_BYTES;
    let bytes = 0;
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (;;) {
      const page = await this.request(method, cursor === undefined ? {} : { cursor }, options);
      const pageItems = page[key] ?? [];
      if (!Array.isArray(pageItems)) throw new McpLocalError(LocalErrorCode.ProtocolViolation, `${method}: "${key}" is ${describeValue(pageItems)}, not an array`);
      // Measured without being written out (the walk stops at the budget, at any depth).
      const size = jsonSizeWithin(pageItems, maxBytes - bytes);
      if (size === undefined) throw new McpLocalError(LocalErrorCode.ProtocolViolation, `${method}: the ${key} listed take more than ${maxBytes} bytes`);
      bytes += size;
      for (const item of pageItems) items.push(item as T);
      const next = page.nextCursor;
      if (typeof next !== 'string') return items;
      if (seen.has(next)) throw new McpLocalError(LocalErrorCode.ProtocolViolation, `${method}: the server gave the cursor ${quoteValue(next)} twice`);
      if (seen.size + 1 >= maxPages) throw new McpLocalError(LocalErrorCode.ProtocolViolation, `${method}: more than ${maxPages} pages`);
      seen.add(next);
      cursor = next;
    }
  }

  /** Closes the connection (stops a spawned server). `closed` then settles with undefined. */
  async close(): Promise<void> {
    this.#closeReason ??= { error: undefined };
    if (this.#transport === undefined) this.#ended(undefined);
    await this.#transport?.close();
  }

  // ---- MessageReceiver --------------------------------------------------------------------------

  onMessage(value: unknown, relatedRequestId?: RequestId): void {
    switch (classify(value)) {
      case MessageKind.Result:
      case MessageKind.Error:
        this.#pending.settle(value as JsonRpcResponse);
        return;
      case MessageKind.Notification:
        return this.#notification(value as JsonRpcNotification, relatedRequestId);
      case MessageKind.Request:
        this.#serverRequest(value as JsonRpcRequest, relatedRequestId).catch((error: unknown) => reportError(error, { method: (value as JsonRpcRequest).method }));
        return;
      case MessageKind.Invalid: {
        // An answer whose error is no JSON-RPC error fails its request now (it waited for the
        // timeout, or passed on a code JSON-RPC forbids); anything else invalid is dropped.
        const answer = malformedAnswer(value);
        if (answer !== undefined) this.#pending.failMalformed(answer);
      }
    }
  }

  onFrameError(error: Error, peek?: MessagePeek): void {
    this.#options.onFrameError?.(error);
    // A garbled frame from the server is dropped, and the request it answered times out. A
    // message too large to read whose ends show its id fails its request, or is refused, at once.
    if (peek?.id === undefined) return;
    if (peek.response) this.#pending.fail(peek.id, error);
    else if (peek.method !== undefined && this.#transport?.state === 'open') {
      this.#transport.send(errorResponse(peek.id, { code: ErrorCode.InvalidRequest, message: error.message }));
    }
  }

  /**
   * The transport found the legacy session gone outside a request (its GET stream answered
   * 404): renewed now, as a request finding it gone would (one `initialize` for all). Requests
   * sent meanwhile wait for it. The initialize starts after this turn, once the transport has
   * dropped the gone session; its failure is left to the next request to meet.
   */
  onSessionGone(): boolean {
    if (this.#era !== 'legacy' || this.#options.reinitialize === false || this.#renewing !== undefined || this.#transport?.state !== 'open') return false;
    const renewing = Promise.resolve()
      .then(() => this.#initialize())
      .finally(() => (this.#renewing = undefined));
    renewing.catch(() => undefined);
    this.#renewing = renewing;
    return true;
  }

  onSendError(message: JsonRpcMessage, error: Error): void {
    const id = (message as { id?: RequestId }).id;
    if (id !== undefined && (message as { method?: unknown }).method !== undefined) this.#pending.fail(id, error);
  }

  onClose(error?: Error): void {
    const closeError =
      error instanceof McpLocalError && error.code === LocalErrorCode.ConnectionClosed
        ? error
        : new McpLocalError(LocalErrorCode.ConnectionClosed, error ? `Connection closed: ${error.message}` : 'Connection closed', { cause: error });
    this.#closeError = closeError;
    this.#pending.rejectAll(closeError);
    this.#ended(this.#closeReason ? this.#closeReason.error : closeError);
  }

  /** The connection is over: abort pending answers, tell the owner once. */
  #ended(reason: Error | undefined): void {
    if (this.#connection.signal.aborted) return;
    this.#connection.abort(reason);
    this.#answers.clear();
    this.#resolveClosed(reason);
    this.#options.onClose?.(reason);
  }

  #notification(notification: JsonRpcNotification, relatedRequestId: RequestId | undefined): void {
    this.#cache.invalidate(notification.method, notification.params);
    if (notification.method === Notification.Cancelled) {
      // The server withdrew one of its questions: its handler's signal aborts, no answer goes back.
      const requestId = notification.params?.requestId;
      if ((typeof requestId === 'string' || typeof requestId === 'number') && this.#answers.withdraw(requestId, notification.params?.reason)) return;
    }
    if (notification.method === Notification.Progress) {
      const progress = progressOf(notification.params);
      if (progress !== undefined && this.#pending.progress(notification.params!.progressToken as RequestId, progress)) return;
    }
    // Sent on a request's own stream: that request's handler takes it, if it has one.
    const own = relatedRequestId === undefined ? undefined : this.#pending.optionsOf(relatedRequestId)?.onNotification;
    if (own !== undefined) return own(notification);
    this.#options.onNotification?.(notification);
  }

  /** Legacy: answers a server-to-client request with the handlers of the request it belongs to. */
  async #serverRequest(request: JsonRpcRequest, relatedRequestId: RequestId | undefined): Promise<void> {
    const response = await this.#answers.answerRequest(request, relatedRequestId);
    if (response !== undefined && this.#transport?.state === 'open') this.#transport.send(response);
  }

  #requireTransport(): Transport {
    if (this.#closeError) throw this.#closeError;
    if (!this.#transport) throw new McpLocalError(LocalErrorCode.InvalidState, 'Client is not connected');
    return this.#transport;
  }
}

/**
 * The progress a `notifications/progress` reports, or undefined when its fields are not of
 * the spec's types (basic/utilities/progress: `progress` and `total` finite numbers, `message` a
 * string): such a notification is no progress, and goes where other notifications go.
 */
function progressOf(params: Params | undefined): Progress | undefined {
  if (params === undefined) return undefined;
  const { progress, total, message } = params;
  // Finite: JSON carries 1e400, which parses to Infinity and is written out again as null.
  if (!Number.isFinite(progress) || (total !== undefined && !Number.isFinite(total)) || (message !== undefined && typeof message !== 'string')) return undefined;
  const reported: Progress = { progress: progress as number };
  if (total !== undefined) reported.total = total as number;
  if (message !== undefined) reported.message = message;
  return reported;
}

/** Whether a failed server/discover probe means "legacy server": anything but a modern error. */
function isLegacyFallback(error: unknown): boolean {
  // Authorization that failed (an authorization server that timed out included) says nothing
  // of the server's revision: initialize would meet the same failure.
  if (error instanceof OAuthError) return false;
  // A timeout, or (HTTP) a refusal without a modern JSON-RPC error in its body.
  if (error instanceof McpLocalError) return error.code === LocalErrorCode.Timeout || error.code === LocalErrorCode.ProtocolViolation;
  if (!(error instanceof McpError)) return false;
  if (error.code === ErrorCode.UnsupportedProtocolVersion) {
    const supported = (error.data as { supported?: unknown } | undefined)?.supported;
    return Array.isArray(supported) && supported.some(isLegacyVersion);
  }
  return error.code !== ErrorCode.HeaderMismatch && error.code !== ErrorCode.MissingRequiredClientCapability;
}
