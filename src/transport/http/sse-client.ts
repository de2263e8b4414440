/**
 * The HTTP+SSE transport of the 2024-11-05 revision, client side: for servers that never moved
 * to Streamable HTTP, which replaced it in 2025-03-26 (whose "Backwards Compatibility" section
 * tells clients how to reach them). One GET opens an SSE stream; its first event, `endpoint`,
 * names the URL to POST messages to. Everything the server sends comes as `message` events
 * on that stream; each POST is only acknowledged (202), its answer, if any, coming on the stream.
 *
 * The stream is the session: when it ends, the transport closes (a gateway reconnects, and
 * initializes anew). The endpoint must be on the stream's own origin: a server naming another
 * would have the client send its messages, and their credentials, elsewhere.
 */
import { messagesOf } from '../../protocol/batches.ts';
import { boundedText } from '../../protocol/bounded-body.ts';
import { encodeMessage } from '../../protocol/encode.ts';
import { classify, MessageKind, type JsonRpcMessage } from '../../protocol/jsonrpc.ts';
import { LocalErrorCode, McpLocalError, type LocalErrorCodeValue } from '../../protocol/local-errors.ts';
import { BaseTransport } from '../base-transport.ts';
import { defaultFetch, sendFailure } from './client.ts';
import { authorizedFetch, type HttpClientAuth } from './client-auth.ts';
import { SseParser } from './sse-parser.ts';
import { parseJson } from '../../protocol/long-strings.ts';

export interface SseClientTransportOptions {
  /** Extra headers on every request (e.g. Authorization). */
  headers?: Record<string, string>;
  /** A fetch implementation. Default: the one the Streamable HTTP client transport uses. */
  fetch?: typeof fetch;
  /** Authenticates every request and answers 401/403 challenges. */
  auth?: HttpClientAuth;
  /** Largest SSE event accepted, in bytes. Default 64 MiB. */
  maxMessageBytes?: number;
}

const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Messages sent before the server named its endpoint, at most (the first is `initialize`). */
const MAX_WAITING = 1024;
/** How much of a refused POST's body is quoted in its error. */
const QUOTED_BYTES = 4096;

/** What a refusal is, as the Streamable HTTP client reads the same statuses (client-answer.ts). */
function refusalCode(status: number): LocalErrorCodeValue {
  if (status === 401 || status === 403) return LocalErrorCode.Unauthorized;
  if (status === 429 || status === 503) return LocalErrorCode.Overloaded;
  return LocalErrorCode.ProtocolViolation;
}

/**
 * @example
 * const transport = new SseClientTransport('http://127.0.0.1:8080/sse');
 * await client.connect(transport); // use era: 'legacy' to skip the 2026-07-28 probe
 */
export class SseClientTransport extends BaseTransport {
  readonly url: URL;
  readonly #fetch: typeof fetch;
  readonly #headers: Record<string, string>;
  readonly #maxBytes: number;
  readonly #closing: AbortController;
  /** Where messages are POSTed, once the server named it. */
  #endpoint: URL | undefined;
  /** Messages sent before that. */
  #waiting: JsonRpcMessage[];

  constructor(url: string | URL, options: SseClientTransportOptions = {}) {
    super();
    this.url = new URL(url);
    const base = options.fetch ?? defaultFetch();
    this.#fetch = options.auth ? authorizedFetch(base, options.auth) : base;
    this.#headers = options.headers ?? {};
    this.#maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.#closing = new AbortController();
    this.#endpoint = undefined;
    this.#waiting = [];
  }

  protected override opened(): void {
    this.#listen().then(
      (error) => this.#end(error),
      (error: unknown) => this.#end(error instanceof McpLocalError ? error : new McpLocalError(LocalErrorCode.ConnectionClosed, `The SSE stream of ${this.url.href} broke: ${(error as Error).message}`, { cause: error })),
    );
  }

  /** Reads the stream until it ends; resolves with why, when that is an error. */
  async #listen(): Promise<McpLocalError | undefined> {
    let response: Response;
    try {
      response = await this.#fetch(this.url, { method: 'GET', headers: { accept: 'text/event-stream', ...this.#headers }, signal: this.#closing.signal });
    } catch (error) {
      return sendFailure(error, this.url, undefined);
    }
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok || !type.startsWith('text/event-stream')) {
      await response.body?.cancel();
      return new McpLocalError(refusalCode(response.status), `GET ${this.url.href} answered HTTP ${response.status}${type === '' ? '' : ` (${type})`}, not an HTTP+SSE stream`);
    }
    const parser = new SseParser();
    const decoder = new TextDecoder();
    const reader = response.body!.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return this.#endpoint === undefined ? new McpLocalError(LocalErrorCode.ProtocolViolation, `The SSE stream of ${this.url.href} ended before naming its endpoint`) : undefined;
        for (const event of parser.push(decoder.decode(value, { stream: true }))) {
          const problem = event.event === 'endpoint' ? this.#named(event.data) : this.#heard(event.event, event.data);
          if (problem !== undefined) return problem;
        }
        if (parser.buffered > this.#maxBytes) return new McpLocalError(LocalErrorCode.MessageTooLarge, `An SSE event exceeds the limit of ${this.#maxBytes} bytes`);
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
  }

  /** The `endpoint` event: where to POST. Named once; on this stream's origin only. */
  #named(data: string): McpLocalError | undefined {
    if (this.#endpoint !== undefined) return undefined;
    let endpoint: URL;
    try {
      endpoint = new URL(data.trim(), this.url);
    } catch {
      return new McpLocalError(LocalErrorCode.ProtocolViolation, `The endpoint event of ${this.url.href} names no URL: ${JSON.stringify(data.slice(0, 200))}`);
    }
    if (endpoint.origin !== this.url.origin) {
      return new McpLocalError(LocalErrorCode.ProtocolViolation, `The endpoint event of ${this.url.href} names another origin (${endpoint.origin}); messages are only sent to ${this.url.origin}`);
    }
    this.#endpoint = endpoint;
    for (const message of this.#waiting.splice(0)) this.#post(endpoint, message);
    return undefined;
  }

  /** A `message` event (the default type): one JSON-RPC message, or a batch. Other events are skipped. */
  #heard(event: string, data: string): McpLocalError | undefined {
    if (event !== 'message' || data === '') return undefined;
    let message: unknown;
    try {
      message = parseJson(data);
    } catch (error) {
      this.receiver?.onFrameError(error as Error);
      return undefined;
    }
    for (const one of messagesOf(message)) this.receiver?.onMessage(one);
    return undefined;
  }

  send(message: JsonRpcMessage): boolean {
    if (this.state !== 'open') throw new McpLocalError(LocalErrorCode.ConnectionClosed, 'The SSE transport is closed');
    const endpoint = this.#endpoint;
    if (endpoint !== undefined) this.#post(endpoint, message);
    else if (this.#waiting.length < MAX_WAITING) this.#waiting.push(message);
    else this.#failed(message, new McpLocalError(LocalErrorCode.Overloaded, `${MAX_WAITING} messages already wait for the server to name its endpoint`));
    return true;
  }

  /** POSTs one message; the server acknowledges it, and answers on the stream. */
  #post(endpoint: URL, message: JsonRpcMessage): void {
    const method = (message as { method?: string }).method;
    this.#fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', ...this.#headers }, body: encodeMessage(message), signal: this.#closing.signal })
      .then(async (response) => {
        if (response.ok) return void (await response.body?.cancel());
        const text = await boundedText(response, QUOTED_BYTES, () => new Error('(too long to quote)')).catch((error: Error) => error.message);
        this.#failed(message, new McpLocalError(refusalCode(response.status), `POST of ${method ?? 'an answer'} to ${endpoint.pathname} answered HTTP ${response.status}: ${JSON.stringify(text.trim().slice(0, 200))}`));
      })
      .catch((error: unknown) => {
        if (!this.#closing.signal.aborted) this.#failed(message, sendFailure(error, endpoint, method));
      });
  }

  /** A request that will get no answer fails at once; anything else has no one to tell. */
  #failed(message: JsonRpcMessage, error: McpLocalError): void {
    if (classify(message) === MessageKind.Request) this.receiver?.onSendError?.(message, error);
  }

  /**
   * The stream ended: the session with it. Requests still waiting for the endpoint fail with
   * the reason itself (a refusal of the GET: unauthorized, overloaded), not merely as closed.
   */
  #end(error: McpLocalError | undefined): void {
    if (this.state === 'closed') return;
    this.#closing.abort();
    const waiting = this.#waiting;
    this.#waiting = [];
    if (error !== undefined) for (const message of waiting) this.#failed(message, error);
    this.finish(error ?? new McpLocalError(LocalErrorCode.ConnectionClosed, `The server ended the SSE stream of ${this.url.href}`));
  }

  pause(): void {}

  resume(): void {}

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.#closing.abort();
    this.#waiting = [];
    this.finish();
  }
}
