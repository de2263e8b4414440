/**
 * Bounds on what HTTP requests in flight hold: how many run at once and how many body bytes
 * they keep, in all and per client (principal, or address without authentication). A POST
 * holds its share from admission, before its body is read, until its response ends (sent
 * whole, stream ended, or client gone). Past a bound the request is refused at once with
 * 503 and Retry-After, before its body is buffered: an unbounded queue is never the answer.
 */
import { ErrorCode } from '../../protocol/wire-errors.ts';
import { Refusal } from '../../security/edge.ts';

export interface InflightLimitOptions {
  /** POST requests in flight at once. Default 1024 (as stdio). */
  maxRequests?: number;
  /** POST requests in flight at once from one client. Default 256. */
  maxRequestsPerClient?: number;
  /** Body bytes held by requests in flight. Default 64 MiB. */
  maxBytes?: number;
  /** Body bytes held by one client's requests in flight. Default 16 MiB. */
  maxBytesPerClient?: number;
  /** The Retry-After of a refusal, in seconds. Default 1. */
  retryAfterSeconds?: number;
}

/** One client's share. */
class ClientLoad {
  requests: number;
  bytes: number;
  constructor() {
    this.requests = 0;
    this.bytes = 0;
  }
}

/** What one admitted request holds; released once, when its response ends. */
export class InflightTicket {
  readonly #limits: InflightLimits;
  readonly #load: ClientLoad;
  readonly #client: string;
  bytes: number;
  #released: boolean;

  constructor(limits: InflightLimits, client: string, load: ClientLoad, bytes: number) {
    this.#limits = limits;
    this.#client = client;
    this.#load = load;
    this.bytes = bytes;
    this.#released = false;
  }

  /** Holds `more` body bytes (a body without Content-Length, as it arrives); false past a bound. */
  grow(more: number): boolean {
    if (this.#released) return false;
    return this.#limits.grow(this.#load, this, more);
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#limits.release(this.#client, this.#load, this.bytes);
  }
}

export class InflightLimits {
  readonly maxRequests: number;
  readonly maxRequestsPerClient: number;
  readonly maxBytes: number;
  readonly maxBytesPerClient: number;
  /** Requests in flight now. */
  requests: number;
  /** Body bytes they hold now. */
  bytes: number;
  readonly #clients: Map<string, ClientLoad>;
  readonly #refusal: Refusal;

  constructor(options: InflightLimitOptions = {}) {
    this.maxRequests = options.maxRequests ?? 1024;
    this.maxRequestsPerClient = options.maxRequestsPerClient ?? 256;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.maxBytesPerClient = options.maxBytesPerClient ?? 16 * 1024 * 1024;
    this.requests = 0;
    this.bytes = 0;
    this.#clients = new Map();
    this.#refusal = new Refusal(
      503,
      { code: ErrorCode.BadRequest, message: 'Service Unavailable: too many requests in flight; retry later' },
      { 'retry-after': String(options.retryAfterSeconds ?? 1) },
    );
  }

  /** How many clients have requests in flight (for tests and metrics). */
  get clients(): number {
    return this.#clients.size;
  }

  /** Admits one request of `client` declaring `bytes` of body, or refuses it. */
  admit(client: string, bytes: number): InflightTicket | Refusal {
    if (this.requests >= this.maxRequests || this.bytes + bytes > this.maxBytes || bytes > this.maxBytesPerClient) return this.#refusal;
    let load = this.#clients.get(client);
    if (load === undefined) {
      load = new ClientLoad();
      this.#clients.set(client, load);
    } else if (load.requests >= this.maxRequestsPerClient || load.bytes + bytes > this.maxBytesPerClient) {
      return this.#refusal;
    }
    load.requests++;
    load.bytes += bytes;
    this.requests++;
    this.bytes += bytes;
    return new InflightTicket(this, client, load, bytes);
  }

  /** The refusal written when a bound is reached. */
  get refusal(): Refusal {
    return this.#refusal;
  }

  /** @internal */
  grow(load: ClientLoad, ticket: InflightTicket, more: number): boolean {
    if (this.bytes + more > this.maxBytes || load.bytes + more > this.maxBytesPerClient) return false;
    this.bytes += more;
    load.bytes += more;
    ticket.bytes += more;
    return true;
  }

  /** @internal */
  release(client: string, load: ClientLoad, bytes: number): void {
    this.requests--;
    this.bytes -= bytes;
    load.bytes -= bytes;
    if (--load.requests === 0) this.#clients.delete(client);
  }
}
