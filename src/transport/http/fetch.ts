/**
 * The web-standard face of Streamable HTTP: `(Request) => Promise<Response>`, for runtimes and
 * frameworks built on fetch (Hono, Bun, Deno, Cloudflare Workers, Next.js route handlers).
 * The same core as the node:http face; only the response plumbing differs.
 */
import type { AuthInfo } from '../exchange.ts';
import type { Headers as HeaderRecord } from './modern-headers.ts';
import type { OutgoingHeaders, ResponseSink } from './sink.ts';
import { StreamableHttp, type McpEndpoint, type StreamableHttpOptions } from './streamable-http.ts';

const encoder = new TextEncoder();

class FetchSink implements ResponseSink {
  readonly response: Promise<Response>;
  #resolve!: (response: Response) => void;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #done: boolean;
  #abortListeners: Array<() => void>;

  constructor(signal: AbortSignal) {
    this.response = new Promise((resolve) => (this.#resolve = resolve));
    this.#controller = undefined;
    this.#done = false;
    this.#abortListeners = [];
    signal.addEventListener('abort', () => this.#aborted(), { once: true });
  }

  get done(): boolean {
    return this.#done;
  }

  send(status: number, headers: OutgoingHeaders, body: string): void {
    if (this.#done) return;
    if (this.#controller !== undefined) return this.end();
    this.#done = true;
    this.#resolve(new Response(body.length === 0 || status === 204 ? null : body, { status, headers }));
  }

  open(headers: OutgoingHeaders): void {
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      cancel: () => this.#aborted(),
    });
    this.#resolve(new Response(stream, { status: 200, headers }));
  }

  write(chunk: string): boolean {
    if (this.#done || this.#controller === undefined) return false;
    this.#controller.enqueue(encoder.encode(chunk));
    return (this.#controller.desiredSize ?? 1) > 0;
  }

  end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#controller?.close();
  }

  onAbort(listener: () => void): void {
    this.#abortListeners.push(listener);
  }

  #aborted(): void {
    if (this.#done) return;
    this.#done = true;
    for (const listener of this.#abortListeners) listener();
  }
}

export interface FetchHandlerOptions extends StreamableHttpOptions {
  authenticate?: (request: Request) => AuthInfo | undefined | Promise<AuthInfo | undefined>;
}

export type FetchHandler = ((request: Request) => Promise<Response>) & { readonly transport: StreamableHttp };

function headerRecord(headers: globalThis.Headers): HeaderRecord {
  const record: HeaderRecord = {};
  headers.forEach((value, name) => (record[name] = value));
  return record;
}

/**
 * @example
 * const handle = createFetchHandler(server);
 * Bun.serve({ fetch: (request) => handle(request) });
 */
export function createFetchHandler(endpoint: McpEndpoint, options: FetchHandlerOptions = {}): FetchHandler {
  const transport = new StreamableHttp(endpoint, options);
  const handler = async (request: Request): Promise<Response> => {
    const sink = new FetchSink(request.signal);
    const headers = headerRecord(request.headers);
    const refusal = transport.preflight(request.method, headers);
    if (refusal !== undefined) {
      transport.refuse(sink, refusal);
      return sink.response;
    }
    if (request.method === 'GET') transport.get(headers, sink);
    else if (request.method === 'DELETE') transport.delete(headers, sink);
    else {
      const bytes = new Uint8Array(await request.arrayBuffer());
      if (bytes.byteLength > transport.maxBodyBytes) transport.refuse(sink, transport.tooLarge());
      else transport.post(headers, new TextDecoder().decode(bytes), sink, await options.authenticate?.(request));
    }
    return sink.response;
  };
  return Object.assign(handler, { transport });
}
