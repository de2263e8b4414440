/**
 * A `fetch` for the HTTP client transport built on undici's `request` and a keep-alive
 * connection pool of its own: the transport's default, and what the gateway gives each upstream.
 *
 * Why: Node's built-in fetch costs most of a small MCP call on loopback. Measured against an
 * mcp-core server on the same machine, one call at a time: the built-in fetch about 1,250 calls/s,
 * undici's `request` behind a web `Response` about 3,000, undici's `request` alone 3,900,
 * node:http 6,100. A gateway sends every call of its callers to its upstreams, so that cost is
 * paid on each of them.
 *
 * So the answer is a {@link UndiciResponse}: a `Response` whose parts are made only when asked
 * for. `text()` and `json()` read undici's body directly in one go (no web stream), and
 * `headers.get()` reads undici's header object; the web `ReadableStream` body (an SSE answer
 * that is read as it comes), a full `Headers` or a real `Response` (for `clone()`, `blob()`,
 * `formData()`) are built on first use.
 *
 * Keep-alive without its race: idle connections are let go after 4 s (below the 5 s after which
 * Node's http server, and uvicorn, close them), or sooner when the server's `Keep-Alive` header
 * says so; and a request written on a reused connection that the server closed before the first
 * byte of an answer is sent once more on a fresh connection (connection-reuse.ts).
 *
 * It covers what the transport uses: the method, headers, a string body, the signal. Redirects
 * are followed as fetch follows them. Network failures reject as the built-in fetch does: a
 * TypeError whose `cause` carries the error code.
 */
import type { Dispatcher } from 'undici';
import { createReusePool } from './connection-reuse.ts';

export interface UndiciFetchOptions {
  /**
   * Idle keep-alive connections are closed after this long, or sooner when the server's
   * `Keep-Alive` header asks for less. Default 4 s: below the idle timeout of common servers
   * (Node's 5 s), so the client lets go first.
   */
  keepAliveTimeoutMs?: number;
}

type RawHeaders = Record<string, string | string[] | undefined>;

/** Statuses whose answers carry no body (a Response cannot be made with one). */
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * The answer's headers: `get` and `has` read undici's header object (names arrive lower-case);
 * every other member uses a full `Headers`, made on first use.
 */
class UndiciHeaders implements Headers {
  readonly #raw: RawHeaders;
  #full: Headers | undefined;

  constructor(raw: RawHeaders) {
    this.#raw = raw;
    this.#full = undefined;
  }

  get(name: string): string | null {
    if (this.#full !== undefined) return this.#full.get(name);
    const value = this.#raw[name.toLowerCase()];
    if (value === undefined) return null;
    // Repeated headers read as one, as Headers.get joins them (set-cookie aside, which no MCP answer needs).
    return typeof value === 'string' ? value : value.join(', ');
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }

  #headers(): Headers {
    if (this.#full === undefined) {
      const full = new Headers();
      for (const [name, value] of Object.entries(this.#raw)) {
        if (typeof value === 'string') full.append(name, value);
        else if (Array.isArray(value)) for (const item of value) full.append(name, item);
      }
      this.#full = full;
    }
    return this.#full;
  }

  append(name: string, value: string): void {
    this.#headers().append(name, value);
  }

  delete(name: string): void {
    this.#headers().delete(name);
  }

  set(name: string, value: string): void {
    this.#headers().set(name, value);
  }

  getSetCookie(): string[] {
    return this.#headers().getSetCookie();
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    this.#headers().forEach((value, key) => callback.call(thisArg, value, key, this));
  }

  entries(): ReturnType<Headers['entries']> {
    return this.#headers().entries();
  }

  keys(): ReturnType<Headers['keys']> {
    return this.#headers().keys();
  }

  values(): ReturnType<Headers['values']> {
    return this.#headers().values();
  }

  [Symbol.iterator](): ReturnType<Headers['entries']> {
    return this.#headers()[Symbol.iterator]();
  }
}

/**
 * undici's answer as a `Response`. The body is read once, whichever way: `text()`/`json()`/
 * `arrayBuffer()`/`bytes()` straight from undici, anything else through a web `Response` made
 * then (which takes the body over).
 */
export class UndiciResponse implements Response {
  readonly status: number;
  readonly statusText: string;
  readonly url: string;
  readonly headers: UndiciHeaders;
  readonly redirected = false;
  readonly type: Response['type'] = 'basic';
  readonly #body: Dispatcher.ResponseData['body'];
  #web: Response | undefined;
  #used: boolean;

  constructor(url: string, answer: Dispatcher.ResponseData) {
    this.status = answer.statusCode;
    this.statusText = '';
    this.url = url;
    this.headers = new UndiciHeaders(answer.headers);
    this.#body = answer.body;
    this.#web = undefined;
    this.#used = false;
    if (NULL_BODY.has(this.status)) answer.body.resume();
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get bodyUsed(): boolean {
    return this.#web !== undefined ? this.#web.bodyUsed : this.#used;
  }

  /** The body as a web stream (made on first use; reading it is then the only way to the body). */
  get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    return this.#webResponse().body;
  }

  #webResponse(): Response {
    if (this.#web === undefined) {
      if (this.#used) throw new TypeError('Body has already been read');
      const empty = NULL_BODY.has(this.status);
      // The body as an async iterable (what a Response takes at run time, whatever its type
      // says): the Response pulls from it and, cancelled, ends it. Readable.toWeb throws
      // "Controller is already closed" from its listeners when the request is aborted after the
      // reader finished.
      this.#web = new Response(empty ? null : (this.#body as unknown as ReadableStream), { status: this.status, headers: [...this.headers] });
    }
    return this.#web;
  }

  /** Takes the body for a direct read; undefined when a web Response already owns it. */
  #take(): Dispatcher.ResponseData['body'] | undefined {
    if (this.#web !== undefined) return undefined;
    if (this.#used) throw new TypeError('Body has already been read');
    this.#used = true;
    return this.#body;
  }

  text(): Promise<string> {
    if (this.#used) return Promise.reject(new TypeError('Body has already been read'));
    const body = this.#take();
    return body === undefined ? this.#web!.text() : NULL_BODY.has(this.status) ? Promise.resolve('') : body.text();
  }

  async json(): Promise<any> {
    return JSON.parse(await this.text());
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    if (this.#used) return Promise.reject(new TypeError('Body has already been read'));
    const body = this.#take();
    return body === undefined ? this.#web!.arrayBuffer() : body.arrayBuffer();
  }

  async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return new Uint8Array(await this.arrayBuffer());
  }

  blob(): Promise<Blob> {
    return this.#webResponse().blob();
  }

  formData(): Promise<FormData> {
    return this.#webResponse().formData();
  }

  clone(): Response {
    return this.#webResponse().clone();
  }
}

/**
 * @example
 * const transport = new StreamableHttpClientTransport(url, { fetch: createUndiciFetch({ keepAliveTimeoutMs: 2000 }) });
 */
export function createUndiciFetch(options: UndiciFetchOptions = {}): typeof fetch & { close(): Promise<void> } {
  const pool = createReusePool(options.keepAliveTimeoutMs ?? 4000);
  const undiciFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = input instanceof Request ? input.url : input;
    let answer;
    try {
      answer = await pool.request(url, {
        method: (init.method ?? 'GET') as 'GET',
        headers: init.headers as Record<string, string> | undefined,
        body: init.body as string | undefined,
        signal: init.signal ?? undefined,
      });
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason;
      throw new TypeError('fetch failed', { cause: error });
    }
    return new UndiciResponse(String(url), answer);
  };
  return Object.assign(undiciFetch as typeof fetch, { close: () => pool.close() });
}
