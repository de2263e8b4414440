/**
 * A read that many requests share, for the endpoints outside authentication whose answer costs
 * far more than answering a request from memory does: a metrics gather (exposition.ts), the
 * readiness checks (health.ts). Asked in a loop, such a read would take the CPU (or the
 * database a check asks) from MCP traffic. So one read under way answers every request that
 * arrives meanwhile, and reads are budgeted: a burst of {@link BURST}, then one per `maxAgeMs`
 * (a token bucket). A request past the budget gets the last read, which is then less than
 * `maxAgeMs` old (a read takes a token when it begins, and a token comes back within
 * `maxAgeMs`). A prober or a Prometheus asking every few seconds, or a person with curl, always
 * gets a read of its own; a flood costs at most one read per `maxAgeMs`.
 */

/** Reads allowed in a row before the budget of one per maxAgeMs applies. */
export const BURST = 10;

/** Past its budget, how old the last read may be when answered again, by default. */
export const DEFAULT_MAX_AGE_MS = 1000;

export interface SharedReadOptions<T> {
  /** Past the burst, one read per this long; 0: no budget (reads are shared while under way only). Default 1000. */
  maxAgeMs?: number;
  /**
   * When the read that gave `value` began, in ms since the epoch (Date.now()); it may be
   * another process's (a cluster worker's last is the primary's gather).
   */
  readAt: (value: T) => number;
}

/**
 * @example
 * const pings = new SharedRead(async () => ({ ok: await ping(), at: Date.now() }), { readAt: (r) => r.at });
 * const answer = pings.current() ?? (await pings.next());
 */
export class SharedRead<T> {
  readonly #read: () => Promise<T>;
  readonly #maxAgeMs: number;
  readonly #readAt: (value: T) => number;
  #last: T | undefined;
  #reading: Promise<T> | undefined;
  /** Reads allowed now, up to BURST; one more every maxAgeMs. */
  #tokens: number;
  /** When #tokens was last topped up (performance.now(): a clock set back changes nothing). */
  #toppedUpAt: number;

  constructor(read: () => Promise<T>, options: SharedReadOptions<T>) {
    const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    if (!Number.isFinite(maxAgeMs) || maxAgeMs < 0) throw new RangeError(`maxAgeMs must be a number >= 0, not ${maxAgeMs}`);
    this.#read = read;
    this.#maxAgeMs = maxAgeMs;
    this.#readAt = options.readAt;
    this.#last = undefined;
    this.#reading = undefined;
    this.#tokens = BURST;
    this.#toppedUpAt = performance.now();
  }

  /**
   * The last read, when the budget allows no other and it is less than maxAgeMs old (it always
   * is when this process read it; one from another process may be older, and is not answered).
   * maxAgeMs 0: never (reads are shared while under way only).
   */
  current(): T | undefined {
    const last = this.#last;
    if (last === undefined || this.#maxAgeMs === 0 || this.#topUp() >= 1) return undefined;
    const age = Date.now() - this.#readAt(last);
    return age >= 0 && age < this.#maxAgeMs ? last : undefined;
  }

  /** The read under way, or a new one (taking a token). */
  next(): Promise<T> {
    if (this.#reading !== undefined) return this.#reading;
    this.#tokens = Math.max(0, this.#topUp() - 1);
    // A read forgotten while under way answers its own requests but is not kept.
    const reading: Promise<T> = this.#read().then(
      (value) => {
        if (this.#reading === reading) {
          this.#reading = undefined;
          this.#last = value;
        }
        return value;
      },
      (error: unknown) => {
        if (this.#reading === reading) this.#reading = undefined;
        throw error;
      },
    );
    return (this.#reading = reading);
  }

  /** What is read has changed (a readiness check added): the next request reads anew. */
  forget(): void {
    this.#last = undefined;
    this.#reading = undefined;
  }

  #topUp(): number {
    const now = performance.now();
    if (this.#maxAgeMs > 0) this.#tokens = Math.min(BURST, this.#tokens + (now - this.#toppedUpAt) / this.#maxAgeMs);
    this.#toppedUpAt = now;
    return this.#tokens;
  }
}
