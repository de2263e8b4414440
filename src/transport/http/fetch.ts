/**
 * The web-standard face of Streamable HTTP: `(Request) => Promise<Response>`, for runtimes and
 * frameworks built on fetch (Hono, Bun, Deno, Cloudflare Workers, Next.js route handlers).
 * The same core as the node:http face; only the request and response plumbing differs.
 */
import type { InflightTicket } from './inflight.ts';
import type { Headers as HeaderRecord } from './modern-headers.ts';
import { BodyRefused, type HttpIo, type OutgoingHeaders } from './sink.ts';
import { StreamableHttp, type McpEndpoint, type StreamableHttpOptions } from './streamable-http.ts';

const encoder = new TextEncoder();

/**
 * Bytes a response stream holds unread before `write` reports that the client is not keeping
 * up: node:http's high-water mark, so both faces hold back at the same point.
 */
const STREAM_HIGH_WATER_BYTES = 16 * 1024;
const STREAM_QUEUING: QueuingStrategy<Uint8Array> = { highWaterMark: STREAM_HIGH_WATER_BYTES, size: (chunk) => chunk.byteLength };

class FetchIo implements HttpIo {
  readonly response: Promise<Response>;
  readonly #request: Request;
  #resolve!: (response: Response) => void;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #done: boolean;
  #abortListeners: Array<() => void>;
  /** Waiting for the client to read what the stream holds (see {@link onCaughtUp}). */
  #caughtUpListeners: Array<() => void> | undefined;
  #ticket: InflightTicket | undefined;
  extraHeaders: OutgoingHeaders | undefined;

  constructor(request: Request) {
    this.response = new Promise((resolve) => (this.#resolve = resolve));
    this.#request = request;
    this.#controller = undefined;
    this.#done = false;
    this.#abortListeners = [];
    this.#caughtUpListeners = undefined;
    this.#ticket = undefined;
    this.extraHeaders = undefined;
    request.signal.addEventListener('abort', () => this.#aborted(), { once: true });
  }

  get done(): boolean {
    return this.#done;
  }

  send(status: number, headers: OutgoingHeaders, body: string): void {
    if (this.#done) return;
    if (this.#controller !== undefined) return this.end();
    this.#finished();
    const all = this.extraHeaders === undefined ? headers : { ...headers, ...this.extraHeaders };
    this.#resolve(new Response(body.length === 0 || status === 204 ? null : body, { status, headers: all }));
  }

  open(headers: OutgoingHeaders): void {
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        // Called once the reader has taken the stream below its high-water mark.
        pull: () => this.#caughtUp(),
        cancel: () => this.#aborted(),
      },
      STREAM_QUEUING,
    );
    const all = this.extraHeaders === undefined ? headers : { ...headers, ...this.extraHeaders };
    this.#resolve(new Response(stream, { status: 200, headers: all }));
  }

  write(chunk: string): boolean {
    if (this.#done || this.#controller === undefined) return false;
    this.#controller.enqueue(encoder.encode(chunk));
    return (this.#controller.desiredSize ?? 1) > 0;
  }

  get backedUp(): boolean {
    return this.#controller !== undefined && !this.#done && (this.#controller.desiredSize ?? 1) <= 0;
  }

  onCaughtUp(listener: () => void): void {
    (this.#caughtUpListeners ??= []).push(listener);
  }

  #caughtUp(): void {
    const listeners = this.#caughtUpListeners;
    if (listeners === undefined) return;
    this.#caughtUpListeners = undefined;
    for (const listener of listeners) listener();
  }

  end(): void {
    if (this.#done) return;
    this.#finished();
    this.#controller?.close();
  }

  onAbort(listener: () => void): void {
    this.#abortListeners.push(listener);
  }

  hold(ticket: InflightTicket): void {
    if (this.#done) ticket.release();
    else this.#ticket = ticket;
  }

  takeTicket(): InflightTicket | undefined {
    const ticket = this.#ticket;
    this.#ticket = undefined;
    return ticket;
  }

  readBody(limit: number, ticket: InflightTicket, done: (body: string | BodyRefused) => void): void {
    readBody(this.#request, limit, ticket).then(done, () => this.#aborted());
  }

  discardBody(): void {
    // A body nobody reads is dropped with the Request.
  }

  #finished(): void {
    this.#done = true;
    this.#ticket?.release();
    this.#ticket = undefined;
  }

  #aborted(): void {
    if (this.#done) return;
    this.#finished();
    // The runtime gave up on the response: settle it so nothing waits on it.
    this.#resolve(new Response(null, { status: 499 }));
    for (const listener of this.#abortListeners) listener();
  }
}

/**
 * Reads a body chunk by chunk, stopping at `limit` bytes or past the in-flight bounds, so a
 * body without Content-Length is never buffered whole before it is refused.
 */
async function readBody(request: Request, limit: number, ticket: InflightTicket): Promise<string | BodyRefused> {
  if (request.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    const refused = size > limit ? BodyRefused.TooLarge : size > ticket.bytes && !ticket.grow(size - ticket.bytes) ? BodyRefused.OverBounds : undefined;
    if (refused !== undefined) {
      await reader.cancel().catch(() => {});
      return refused;
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(chunks.length === 1 ? chunks[0] : concat(chunks, size));
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

export type FetchHandlerOptions = StreamableHttpOptions;

/** What the runtime knows of the connection (Deno's `info.remoteAddr`, Bun's `server.requestIP`). */
export interface ConnectionInfo {
  /** The peer's IP address; per-client bounds key on it without authentication. */
  remoteAddress?: string;
}

export type FetchHandler = ((request: Request, connection?: ConnectionInfo) => Promise<Response>) & { readonly transport: StreamableHttp };

function headerRecord(headers: globalThis.Headers): HeaderRecord {
  const record: HeaderRecord = {};
  headers.forEach((value, name) => (record[name] = value));
  return record;
}

/**
 * The endpoint as a fetch handler; route only the MCP path to it. Pass the peer's address as
 * the second argument where the runtime has it, for per-client bounds.
 *
 * @example
 * const handle = createFetchHandler(server);
 * Bun.serve({ fetch: (request, bun) => handle(request, { remoteAddress: bun.requestIP(request)?.address }) });
 */
export function createFetchHandler(endpoint: McpEndpoint, options: FetchHandlerOptions = {}): FetchHandler {
  const transport = new StreamableHttp(endpoint, options);
  const handler = (request: Request, connection?: ConnectionInfo): Promise<Response> => {
    const io = new FetchIo(request);
    // The path matters to an edge hook only; parsing the URL is skipped without one.
    const path = transport.edge === undefined ? '' : new URL(request.url).pathname;
    transport.handle(request.method, path, headerRecord(request.headers), connection?.remoteAddress, io);
    return io.response;
  };
  return Object.assign(handler, { transport });
}
