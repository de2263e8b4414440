/**
 * The client side of Streamable HTTP, both eras: each message is its own POST; answers come
 * back as JSON or as an SSE stream. Modern requests carry the mirrored headers
 * (MCP-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Param-*); legacy ones carry the session.
 */
import { reportError } from '../../protocol/error-report.ts';
import { encodeHeaderValue, extractHeaderParams, valueAt, type HeaderParam } from '../../protocol/header-params.ts';
import { classify, MessageKind, type JsonRpcMessage, type JsonRpcRequest, type RequestId } from '../../protocol/jsonrpc.ts';
import { LocalErrorCode, McpLocalError } from '../../protocol/local-errors.ts';
import { MetaKey } from '../../protocol/meta.ts';
import { Method, NAMED_METHODS, Notification } from '../../protocol/methods.ts';
import { BaseTransport } from '../base-transport.ts';
import { authorizedFetch, type HttpClientAuth } from './client-auth.ts';
import { SseParser } from './sse-parser.ts';

export interface HttpClientTransportOptions {
  /** Extra headers on every request (e.g. Authorization). */
  headers?: Record<string, string>;
  /** A fetch implementation; the global one by default. */
  fetch?: typeof fetch;
  /** Authenticates every request and answers 401/403 challenges (e.g. `new OAuthClientAuth(...)`). */
  auth?: HttpClientAuth;
  /** Legacy sessions: open the GET stream for server-initiated messages. Default true. */
  listen?: boolean;
  /** Resumptions of one broken stream before giving up. Default 3. */
  maxResumes?: number;
}

const TASK_METHODS = new Set<string>([Method.TasksGet, Method.TasksUpdate, Method.TasksCancel]);

export class StreamableHttpClientTransport extends BaseTransport {
  readonly url: URL;
  readonly #options: HttpClientTransportOptions;
  readonly #fetch: typeof fetch;
  /** In-flight modern requests, so cancelling one closes its stream (spec: cancellation). */
  readonly #inflight: Map<RequestId, AbortController>;
  readonly #closing: AbortController;
  /** x-mcp-header parameters per tool, learned from tools/list. */
  readonly #headerParams: Map<string, readonly HeaderParam[]>;
  sessionId: string | undefined;
  /** The negotiated legacy version, once `initialize` answered. */
  legacyVersion: string | undefined;

  constructor(url: string | URL, options: HttpClientTransportOptions = {}) {
    super();
    this.url = new URL(url);
    this.#options = options;
    this.#fetch = options.auth ? authorizedFetch(options.fetch ?? fetch, options.auth) : (options.fetch ?? fetch);
    this.#inflight = new Map();
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
    if (kind === MessageKind.Notification && (message as { method: string }).method === Notification.Cancelled && this.sessionId === undefined) {
      // Modern: closing the request's stream is the cancellation.
      const requestId = (message as { params?: { requestId?: RequestId } }).params?.requestId;
      if (requestId !== undefined) this.#inflight.get(requestId)?.abort();
      return true;
    }
    // Both report their failures to the receiver; what escapes that is a bug, reported.
    this.#post(message, kind).catch((error: unknown) => reportError(error, { operation: 'HTTP client send' }));
    if (kind === MessageKind.Notification && (message as { method: string }).method === Notification.Initialized && this.#options.listen !== false) {
      this.#listen().catch((error: unknown) => reportError(error, { operation: 'HTTP client GET stream' }));
    }
    return true;
  }

  #headers(message: JsonRpcMessage, kind: number): Record<string, string> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...this.#options.headers,
    };
    if (this.sessionId !== undefined) headers['mcp-session-id'] = this.sessionId;
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

  async #post(message: JsonRpcMessage, kind: number): Promise<void> {
    const id = kind === MessageKind.Request ? (message as JsonRpcRequest).id : undefined;
    const controller = new AbortController();
    if (id !== undefined) this.#inflight.set(id, controller);
    try {
      const response = await this.#fetch(this.url, {
        method: 'POST',
        headers: this.#headers(message, kind),
        body: JSON.stringify(message),
        signal: AbortSignal.any([controller.signal, this.#closing.signal]),
      });
      const sessionId = response.headers.get('mcp-session-id');
      if (sessionId !== null && (message as JsonRpcRequest).method === Method.Initialize) this.sessionId = sessionId;
      await this.#read(response, message, id);
    } catch (error) {
      if (controller.signal.aborted || this.#closing.signal.aborted) return;
      this.receiver?.onSendError?.(message, new McpLocalError(LocalErrorCode.ConnectionClosed, `HTTP request failed: ${(error as Error).message}`, { cause: error }));
    } finally {
      if (id !== undefined && this.#inflight.get(id) === controller) this.#inflight.delete(id);
    }
  }

  async #read(response: Response, message: JsonRpcMessage, id: RequestId | undefined): Promise<void> {
    if (response.status === 202 || response.status === 204) {
      await response.body?.cancel();
      return;
    }
    const type = response.headers.get('content-type') ?? '';
    if (response.ok && type.startsWith('text/event-stream')) {
      const parser = new SseParser();
      const answered = await this.#stream(response, id, parser);
      if (!answered && id !== undefined) await this.#resume(message, id, parser);
      return;
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (body !== undefined && classify(body) !== MessageKind.Invalid) {
      const kind = classify(body);
      // An error answer whose id could not be read still belongs to the request we sent.
      const answered = body as { id?: RequestId | null };
      if (kind === MessageKind.Error && (answered.id === undefined || answered.id === null) && id !== undefined) answered.id = id;
      this.#deliver(body as JsonRpcMessage, message);
      return;
    }
    if (!response.ok) {
      this.receiver?.onSendError?.(message, new McpLocalError(LocalErrorCode.ProtocolViolation, `HTTP ${response.status}: ${text.slice(0, 200)}`));
    }
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
    const tools = Array.isArray(result.tools) ? (result.tools as Array<{ name?: unknown; inputSchema?: unknown }>) : [];
    for (const tool of tools) {
      if (typeof tool.name !== 'string') continue;
      const params = extractHeaderParams(tool.inputSchema);
      if (typeof params !== 'string') this.setHeaderParams(tool.name, params);
    }
  }

  /** Reads an SSE response; returns whether the response to `id` arrived on it. */
  async #stream(response: Response, id: RequestId | undefined, parser: SseParser): Promise<boolean> {
    let answered = false;
    const decoder = new TextDecoder();
    const reader = response.body!.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of parser.push(decoder.decode(value, { stream: true }))) {
          if (event.event !== 'message' || event.data === '') continue;
          let message: unknown;
          try {
            message = JSON.parse(event.data);
          } catch (error) {
            this.receiver?.onFrameError(error as Error);
            continue;
          }
          const kind = classify(message);
          if ((kind === MessageKind.Result || kind === MessageKind.Error) && (message as { id?: RequestId }).id === id) answered = true;
          // A message on a request's stream belongs to that request (spec 2025-11-25,
          // basic/transports); one on the GET stream cannot be placed (see client/input.ts).
          this.receiver?.onMessage(message, id);
        }
      }
    } catch {
      // A broken stream: the caller decides whether to resume.
    }
    return answered;
  }

  /** Legacy resumable streams: reconnect with Last-Event-ID until the response arrives. */
  async #resume(message: JsonRpcMessage, id: RequestId, parser: SseParser): Promise<void> {
    const maxResumes = this.#options.maxResumes ?? 3;
    for (let attempt = 0; attempt < maxResumes && this.sessionId !== undefined && parser.lastEventId !== undefined; attempt++) {
      if (this.state !== 'open') return;
      await new Promise((resolve) => setTimeout(resolve, parser.retryMs ?? 1000));
      let resumed: Response;
      try {
        resumed = await this.#fetch(this.url, {
          method: 'GET',
          headers: { accept: 'text/event-stream', 'mcp-session-id': this.sessionId, 'last-event-id': parser.lastEventId, ...this.#options.headers },
          signal: this.#closing.signal,
        });
      } catch {
        continue;
      }
      if (!resumed.ok) break;
      if (await this.#stream(resumed, id, parser)) return;
    }
    this.receiver?.onSendError?.(message, new McpLocalError(LocalErrorCode.ConnectionClosed, 'The response stream ended before the response'));
  }

  /** Legacy: the standalone GET stream for server-initiated messages. */
  async #listen(): Promise<void> {
    if (this.sessionId === undefined) return;
    const parser = new SseParser();
    while (this.state === 'open' && this.sessionId !== undefined) {
      let response: Response;
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream', 'mcp-session-id': this.sessionId, ...this.#options.headers };
        if (this.legacyVersion !== undefined) headers['mcp-protocol-version'] = this.legacyVersion;
        if (parser.lastEventId !== undefined) headers['last-event-id'] = parser.lastEventId;
        response = await this.#fetch(this.url, { method: 'GET', headers, signal: this.#closing.signal });
      } catch {
        return;
      }
      if (!response.ok) {
        await response.body?.cancel();
        return;
      }
      await this.#stream(response, undefined, parser);
      if (this.state !== 'open') return;
      await new Promise((resolve) => setTimeout(resolve, parser.retryMs ?? 1000));
    }
  }

  pause(): void {}

  resume(): void {}

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.finish();
    this.#closing.abort();
    if (this.sessionId !== undefined) {
      await this.#fetch(this.url, { method: 'DELETE', headers: { 'mcp-session-id': this.sessionId, ...this.#options.headers } }).then(
        (response) => response.body?.cancel(),
        () => undefined,
      );
    }
  }
}
