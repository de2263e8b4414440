/**
 * One HTTP request of a client that may be hostile on purpose: on a connection of its own, its
 * answer read as it arrives (a JSON body, or SSE events one by one), and hung up at any point
 * (mid-body, mid-call, mid-stream). Every wait is bounded: a request that neither ends nor is
 * hung up is a hang, and the wait says which request it was.
 */
import { request, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import { SseParser } from '../../../src/transport/http/sse-parser.ts';

/** How long any wait on the server may take before it counts as a hang (generous: two busy cores). */
export const WAIT_MS = 15_000;

export type RequestState = 'waiting' | 'answering' | 'ended' | 'failed' | 'hung-up';

export interface LiveRequestOptions {
  method: 'POST' | 'GET' | 'DELETE';
  headers: Record<string, string>;
  body?: string;
  /** Sends the head and half the body (Content-Length names all of it), then waits to be hung up. */
  halfBody?: boolean;
  /** Sends the body in pieces without Content-Length (chunked). */
  chunked?: boolean;
}

export class LiveRequest {
  readonly label: string;
  state: RequestState;
  status: number | undefined;
  headers: IncomingHttpHeaders | undefined;
  /** The JSON body parsed, or each SSE event that carries data, parsed. */
  readonly messages: any[];
  /** The ids of the SSE events received, in order (the priming event's too). */
  readonly eventIds: string[];
  /** The body as text, for a JSON answer. */
  text: string;
  failure: Error | undefined;
  readonly #req: ClientRequest;
  /** The end of what the stream carried, to tell how it ended. */
  #tail: string;
  #sse: SseParser | undefined;

  constructor(url: string, label: string, options: LiveRequestOptions) {
    this.label = label;
    this.state = 'waiting';
    this.status = undefined;
    this.headers = undefined;
    this.messages = [];
    this.eventIds = [];
    this.text = '';
    this.failure = undefined;
    this.#tail = '';
    this.#sse = undefined;
    const headers = { ...options.headers };
    if (options.body !== undefined && !options.chunked) headers['content-length'] = String(Buffer.byteLength(options.body));
    const req = request(url, { method: options.method, headers, agent: false }, (res) => {
      this.status = res.statusCode;
      this.headers = res.headers;
      this.state = 'answering';
      if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) this.#sse = new SseParser();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => this.#received(chunk));
      res.on('end', () => this.#settle('ended'));
      res.on('error', (error) => this.#fail(error));
      res.on('aborted', () => this.#fail(new Error('the server cut the response short')));
    });
    req.on('error', (error) => this.#fail(error));
    this.#req = req;
    const half = options.body === undefined ? 0 : Math.floor(options.body.length / 2);
    if (options.body === undefined) req.end();
    else if (options.halfBody) req.write(options.body.slice(0, half));
    else if (options.chunked) {
      req.write(options.body.slice(0, half));
      req.end(options.body.slice(half));
    } else req.end(options.body);
  }

  /** Whether the request is over: answered whole, failed, or hung up. */
  get settled(): boolean {
    return this.state === 'ended' || this.state === 'failed' || this.state === 'hung-up';
  }

  get hungUp(): boolean {
    return this.state === 'hung-up';
  }

  /**
   * The server ended the connection, not the stream: its last words were a lone `retry` field,
   * asking the client to come back with Last-Event-ID (spec 2025-11-25, SEP-1699 polling).
   */
  get polled(): boolean {
    return this.state === 'ended' && /(^|\n\n)retry: \d+\n\n$/.test(this.#tail);
  }

  /** JSON-RPC responses received (messages with an id and no method). */
  get responses(): any[] {
    return this.messages.filter((message) => message !== null && typeof message === 'object' && 'id' in message && !('method' in message));
  }

  /** The client goes away, whatever the request is doing. */
  hangUp(): void {
    if (this.settled) return;
    this.#settle('hung-up');
    this.#req.destroy();
  }

  /** Resolves once `predicate` holds or the request is over; rejects after WAIT_MS. */
  until(what: string, predicate: () => boolean = () => false): Promise<void> {
    return eventually(`${this.label} (${this.state}, status ${this.status}) to ${what}`, () => predicate() || this.settled);
  }

  /** Resolves once the request is over. */
  ended(): Promise<void> {
    return this.until('end');
  }

  describe(): string {
    return `${this.label}: ${this.state} ${this.status ?? '-'} ${JSON.stringify(this.messages).slice(0, 400)}`;
  }

  #received(chunk: string): void {
    if (this.hungUp) return;
    const sse = this.#sse;
    if (sse === undefined) {
      this.text += chunk;
      return;
    }
    this.#tail = (this.#tail + chunk).slice(-64);
    for (const event of sse.push(chunk)) {
      if (event.id !== undefined) this.eventIds.push(event.id);
      if (event.data !== '') this.messages.push(JSON.parse(event.data));
    }
  }

  #settle(state: RequestState): void {
    if (this.settled) return;
    if (state === 'ended' && this.#sse === undefined && this.text !== '') {
      try {
        this.messages.push(JSON.parse(this.text));
      } catch {
        this.failure = new Error(`a body that is not JSON: ${this.text.slice(0, 200)}`);
      }
    }
    this.state = state;
  }

  #fail(error: Error): void {
    if (this.settled) return;
    this.failure = error;
    this.#settle('failed');
  }
}

/** Waits for `predicate` (server state), polling; rejects after WAIT_MS naming `what`. */
export async function eventually(what: string, predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`hang: timed out after ${WAIT_MS} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
