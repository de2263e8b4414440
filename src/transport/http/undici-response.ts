/**
 * An undici answer as a web `Response` whose parts are made only when asked for: `text()` and
 * `json()` take the body's bytes in one piece (no stream, no copy for a body that came in one
 * chunk), `headers.get()` reads undici's header object; the web `ReadableStream` body (an SSE
 * answer read as it comes), a full `Headers`, or a real `Response` (for `clone()`, `blob()`,
 * `formData()`) are built on first use.
 */

type RawHeaders = Record<string, string | string[] | undefined>;

/** What the body's producer lets a reader do: slow it down, or stop it. */
export interface BodyControl {
  pause(): void;
  resume(): void;
  abort(reason: Error): void;
}

/** Statuses whose answers carry no body (a Response cannot be made with one). */
export const NULL_BODY = new Set([101, 204, 205, 304]);

const BOM = [0xef, 0xbb, 0xbf];

/**
 * The body of one answer as it arrives: kept until it is read, whole (`whole()`) or as a web
 * stream (`stream()`, which slows the connection down when its reader falls behind).
 */
export class AnswerBody {
  #control: BodyControl;
  #chunks: Buffer[];
  #size: number;
  #done: boolean;
  #error: Error | undefined;
  #whole: { resolve(bytes: Buffer): void; reject(error: Error): void } | undefined;
  #stream: ReadableStreamDefaultController<Uint8Array> | undefined;

  constructor(control: BodyControl) {
    this.#control = control;
    this.#chunks = [];
    this.#size = 0;
    this.#done = false;
    this.#error = undefined;
    this.#whole = undefined;
    this.#stream = undefined;
  }

  /** A chunk arrived. */
  push(chunk: Buffer): void {
    // Resumed after a pause, undici's parser may hand over an empty chunk first. Pausing on it
    // (the reader still behind) stopped the parser where it was, for good: the reader's next
    // read resumed it, the empty chunk paused it again, round and round in microtasks at full
    // CPU, never back to the socket (an SSE answer that came in a burst).
    if (chunk.length === 0) return;
    const stream = this.#stream;
    if (stream !== undefined) {
      stream.enqueue(chunk);
      if ((stream.desiredSize ?? 1) <= 0) this.#control.pause();
      return;
    }
    this.#chunks.push(chunk);
    this.#size += chunk.length;
  }

  /** The body is complete. */
  end(): void {
    this.#done = true;
    const whole = this.#whole;
    if (whole !== undefined) {
      this.#whole = undefined;
      whole.resolve(this.#take());
    }
    this.#stream?.close();
  }

  /** The body broke off. */
  fail(error: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    const whole = this.#whole;
    if (whole !== undefined) {
      this.#whole = undefined;
      whole.reject(error);
    }
    this.#stream?.error(error);
  }

  /**
   * Nobody will read the body: what is still to come is not waited for, and its connection,
   * which cannot serve another request before it came, is let go.
   */
  discard(): void {
    this.#chunks = [];
    this.#size = 0;
    if (!this.#done) this.#control.abort(new Error('An answer of this status carries no body'));
  }

  /** The whole body, once it is complete. */
  whole(): Promise<Buffer> {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#done) return Promise.resolve(this.#take());
    return new Promise((resolve, reject) => (this.#whole = { resolve, reject }));
  }

  /** The body as a web stream, from what arrived so far on. */
  stream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          for (const chunk of this.#chunks) controller.enqueue(chunk);
          this.#chunks = [];
          if (this.#error !== undefined) controller.error(this.#error);
          else if (this.#done) controller.close();
          else this.#stream = controller;
        },
        pull: () => this.#control.resume(),
        cancel: (reason: unknown) => {
          this.#stream = undefined;
          if (!this.#done) this.#control.abort(reason instanceof Error ? reason : new Error('The body was cancelled'));
        },
      },
      { highWaterMark: 16 },
    );
  }

  #take(): Buffer {
    const chunks = this.#chunks;
    this.#chunks = [];
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, this.#size);
  }
}

/** Bytes as text (UTF-8, a leading byte order mark dropped, as `Response.text()` does). */
function decode(bytes: Buffer): string {
  const bom = bytes.length >= 3 && bytes[0] === BOM[0] && bytes[1] === BOM[1] && bytes[2] === BOM[2];
  return bytes.toString('utf8', bom ? 3 : 0);
}

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
 * `arrayBuffer()`/`bytes()` whole, anything else through a web stream or `Response` made then
 * (which takes the body over).
 */
export class UndiciResponse implements Response {
  readonly status: number;
  readonly statusText: string;
  readonly url: string;
  readonly headers: UndiciHeaders;
  readonly redirected: boolean;
  readonly type: Response['type'] = 'basic';
  readonly #body: AnswerBody;
  #stream: ReadableStream<Uint8Array> | undefined;
  #web: Response | undefined;
  #used: boolean;

  constructor(url: string, redirected: boolean, status: number, statusText: string, headers: RawHeaders, body: AnswerBody) {
    this.status = status;
    this.statusText = statusText;
    this.url = url;
    this.redirected = redirected;
    this.headers = new UndiciHeaders(headers);
    this.#body = body;
    this.#stream = undefined;
    this.#web = undefined;
    this.#used = false;
    // A 205 is framed with whatever body its server sends (RFC 9112, 6.3), but a Response of
    // its status has none to read or cancel: unread, an endless one held its connection open
    // for good, after the client had closed.
    if (NULL_BODY.has(status)) body.discard();
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get bodyUsed(): boolean {
    return this.#web !== undefined ? this.#web.bodyUsed : this.#used;
  }

  /** The body as a web stream (made on first use; reading it is then the only way to the body). */
  get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    if (NULL_BODY.has(this.status)) return null;
    if (this.#web !== undefined) return this.#web.body;
    if (this.#stream === undefined) {
      if (this.#used) throw new TypeError('Body has already been read');
      this.#used = true;
      this.#stream = this.#body.stream();
    }
    return this.#stream as ReadableStream<Uint8Array<ArrayBuffer>>;
  }

  #webResponse(): Response {
    if (this.#web === undefined) {
      const body = this.body;
      this.#web = new Response(body, { status: this.status, headers: [...this.headers] });
    }
    return this.#web;
  }

  /** The whole body for a direct read; a web stream or Response already owning it reads through them. */
  #whole(): Promise<Buffer> | undefined {
    if (this.#web !== undefined || this.#stream !== undefined) return undefined;
    if (this.#used) throw new TypeError('Body has already been read');
    this.#used = true;
    return NULL_BODY.has(this.status) ? Promise.resolve(Buffer.alloc(0)) : this.#body.whole();
  }

  text(): Promise<string> {
    try {
      const whole = this.#whole();
      return whole === undefined ? this.#webResponse().text() : whole.then(decode);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async json(): Promise<any> {
    return JSON.parse(await this.text());
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    try {
      const whole = this.#whole();
      return whole === undefined ? this.#webResponse().arrayBuffer() : whole.then((bytes) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer);
    } catch (error) {
      return Promise.reject(error);
    }
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
