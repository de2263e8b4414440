/**
 * Bounds on what HTTP requests in flight hold: how many run at once and how many body bytes
 * they keep, in all and per client (principal, or address without authentication). A POST
 * holds its share from admission, before its body is read, until its response ends (sent
 * whole, stream ended, or client gone); a GET holds one (with no bytes) while its stream is
 * open, so the streams one client keeps open are bounded too. A request whose work outlives
 * its turn holds its share until the work is done, even once its client has left: a legacy
 * request's work goes on (2025-11-25, transports: disconnection is not cancellation), and a
 * modern one's is cancelled but its handler may not listen; either way a client that hung up
 * on each call could run any number at once. Past a bound the request is refused
 * at once with 503 and Retry-After, before its body is buffered: an unbounded queue is never
 * the answer.
 *
 * Cheap on the hot path: a response gives its share back when it ends; a client that goes
 * away first is noticed by a sweep once a second (one shared timer), not by a listener per
 * request. A GET stream is the exception: its close is listened for (streams are few and long,
 * and their end must be known anyway), and gives its share back at once, so a client that
 * drops and reopens its stream is not refused for a share it no longer holds. Clients' entries
 * outlive their last request until the table grows, so a client that keeps one request at a
 * time in flight does not churn the table.
 */
import { ErrorCode } from '../../protocol/wire-errors.ts';
import { Refusal } from '../../security/edge.ts';

export interface InflightLimitOptions {
  /** Requests in flight at once (POSTs, and GET streams while open). Default 1024 (as stdio). */
  maxRequests?: number;
  /** Requests in flight at once from one client (POSTs, and GET streams while open). Default 256. */
  maxRequestsPerClient?: number;
  /** Body bytes held by requests in flight. Default 64 MiB. */
  maxBytes?: number;
  /** Body bytes held by one client's requests in flight. Default 16 MiB. */
  maxBytesPerClient?: number;
  /** The Retry-After of a refusal, in seconds. Default 1. */
  retryAfterSeconds?: number;
}

/** The response a ticket belongs to: `done` once it ended or its client is gone. */
export interface TicketHolder {
  readonly done: boolean;
}

/** The holder of a ticket its request's work keeps: only an explicit release gives it back. */
const WORK: TicketHolder = Object.freeze({ done: false });

/** Clients remembered before idle ones are forgotten. */
const FORGET_IDLE_AT = 1024;
/** How often tickets of responses whose client went away are given back. */
const SWEEP_MS = 1000;

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
  readonly load: ClientLoad;
  holder: TicketHolder;
  bytes: number;
  /** Where it sits among the held tickets; -1 once released. */
  slot: number;
  readonly #limits: InflightLimits;

  constructor(limits: InflightLimits, load: ClientLoad, bytes: number, holder: TicketHolder, slot: number) {
    this.load = load;
    this.holder = holder;
    this.bytes = bytes;
    this.slot = slot;
    this.#limits = limits;
  }

  /** Holds `more` body bytes (a body without Content-Length, as it arrives); false past a bound. */
  grow(more: number): boolean {
    return this.slot !== -1 && this.#limits.grow(this, more);
  }

  release(): void {
    if (this.slot !== -1) this.#limits.release(this);
  }

  /**
   * Held until `release`, whether or not the client is still there: for a request whose work
   * may go on once its client has left (a legacy request's does: the client may resume its
   * stream, and cancels explicitly; a modern request's handler may ignore its cancellation).
   */
  keepForWork(): void {
    this.holder = WORK;
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
  /** The refusal written when a bound is reached. */
  readonly refusal: Refusal;
  readonly #clients: Map<string, ClientLoad>;
  #forgetIdleAt: number;
  /** Tickets not yet released, each knowing its index (swap-remove). */
  readonly #held: InflightTicket[];
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: InflightLimitOptions = {}) {
    this.maxRequests = options.maxRequests ?? 1024;
    this.maxRequestsPerClient = options.maxRequestsPerClient ?? 256;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.maxBytesPerClient = options.maxBytesPerClient ?? 16 * 1024 * 1024;
    this.requests = 0;
    this.bytes = 0;
    this.refusal = new Refusal(
      503,
      { code: ErrorCode.BadRequest, message: 'Service Unavailable: too many requests in flight; retry later' },
      { 'retry-after': String(options.retryAfterSeconds ?? 1) },
    );
    this.#clients = new Map();
    this.#forgetIdleAt = FORGET_IDLE_AT;
    this.#held = [];
    this.#sweeper = undefined;
  }

  /** How many clients have requests in flight (for tests and metrics). */
  get clients(): number {
    let count = 0;
    for (const load of this.#clients.values()) if (load.requests > 0) count++;
    return count;
  }

  /** Admits one request of `client` declaring `bytes` of body, for the response `holder`, or refuses it. */
  admit(client: string, bytes: number, holder: TicketHolder): InflightTicket | Refusal {
    if (this.requests >= this.maxRequests || this.bytes + bytes > this.maxBytes || bytes > this.maxBytesPerClient) return this.refusal;
    let load = this.#clients.get(client);
    if (load === undefined) {
      if (this.#clients.size >= this.#forgetIdleAt) this.#forgetIdle();
      load = new ClientLoad();
      this.#clients.set(client, load);
    } else if (load.requests >= this.maxRequestsPerClient || load.bytes + bytes > this.maxBytesPerClient) {
      return this.refusal;
    }
    load.requests++;
    load.bytes += bytes;
    this.requests++;
    this.bytes += bytes;
    const held = this.#held;
    const ticket = new InflightTicket(this, load, bytes, holder, held.length);
    held.push(ticket);
    if (this.#sweeper === undefined) {
      this.#sweeper = setInterval(() => this.sweep(), SWEEP_MS);
      this.#sweeper.unref();
    }
    return ticket;
  }

  /** @internal */
  grow(ticket: InflightTicket, more: number): boolean {
    const load = ticket.load;
    if (this.bytes + more > this.maxBytes || load.bytes + more > this.maxBytesPerClient) return false;
    this.bytes += more;
    load.bytes += more;
    ticket.bytes += more;
    return true;
  }

  /** @internal */
  release(ticket: InflightTicket): void {
    const held = this.#held;
    const last = held.pop()!;
    if (last !== ticket) {
      held[ticket.slot] = last;
      last.slot = ticket.slot;
    }
    ticket.slot = -1;
    const load = ticket.load;
    load.requests--;
    load.bytes -= ticket.bytes;
    this.requests--;
    this.bytes -= ticket.bytes;
  }

  /** Gives back the shares of responses that are over (their client went away); runs on the timer. */
  sweep(): void {
    const held = this.#held;
    for (let i = held.length - 1; i >= 0; i--) {
      // A release moves the last ticket into the freed slot; going backwards visits each once.
      const ticket = held[i];
      if (ticket !== undefined && ticket.holder.done) ticket.release();
    }
    if (held.length === 0 && this.#sweeper !== undefined) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }

  /** Forgets idle clients; the next time waits until the table has doubled. */
  #forgetIdle(): void {
    for (const [client, load] of this.#clients) if (load.requests === 0) this.#clients.delete(client);
    this.#forgetIdleAt = Math.max(FORGET_IDLE_AT, this.#clients.size * 2);
  }
}
