/**
 * WebSocket keep-alive: one timer beats for every connection that joins it, rather than a
 * timer per socket (undici's coarse shared timers). On each beat a member pings its peer and
 * checks that the peer was heard from since the previous beat.
 */

/** What a heartbeat calls on each beat. */
export interface Beating {
  beat(now: number): void;
}

/**
 * @example
 * const heartbeat = new Heartbeat(30_000);
 * heartbeat.add(transport);    // beats every 30 s while it has members
 * heartbeat.delete(transport);
 */
export class Heartbeat {
  readonly intervalMs: number;
  readonly #members: Set<Beating>;
  #timer: NodeJS.Timeout | undefined;

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
    this.#members = new Set();
    this.#timer = undefined;
  }

  get size(): number {
    return this.#members.size;
  }

  add(member: Beating): void {
    this.#members.add(member);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#beat(), this.intervalMs);
      // Keep-alive never keeps the process alive.
      this.#timer.unref();
    }
  }

  delete(member: Beating): void {
    this.#members.delete(member);
    if (this.#members.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #beat(): void {
    const now = Date.now();
    // A member may leave during its beat; a Set visits every remaining member once.
    for (const member of this.#members) member.beat(now);
  }
}

const shared = new Map<number, Heartbeat>();

/** The heartbeat every client transport with this interval shares. */
export function sharedHeartbeat(intervalMs: number): Heartbeat {
  let heartbeat = shared.get(intervalMs);
  if (heartbeat === undefined) {
    heartbeat = new Heartbeat(intervalMs);
    shared.set(intervalMs, heartbeat);
  }
  return heartbeat;
}
