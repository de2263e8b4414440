/**
 * Verified tokens, remembered: a token is verified (a signature check, or a request to the
 * authorization server) once, then served from memory until the earlier of its expiry and
 * `maxAgeMs`. Bounded in entries; the oldest entry goes first. A hit is a Map lookup and a
 * clock read, and keeps the request on the synchronous path.
 */

interface Entry<T> {
  readonly value: T;
  /** Epoch milliseconds after which the entry is not used. */
  readonly until: number;
}

export class TokenCache<T> {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  readonly #entries: Map<string, Entry<T>>;

  constructor(options: { maxEntries: number; maxAgeMs: number }) {
    this.maxEntries = options.maxEntries;
    this.maxAgeMs = options.maxAgeMs;
    this.#entries = new Map();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value remembered for `token`, unless it is past its time. */
  get(token: string): T | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    if (Date.now() < entry.until) return entry.value;
    this.#entries.delete(token);
    return undefined;
  }

  /** Remembers `value` until `expiresAtMs` at the latest (and `maxAgeMs` from now). */
  set(token: string, value: T, expiresAtMs = Infinity): void {
    if (this.maxEntries === 0 || this.maxAgeMs === 0) return;
    const until = Math.min(Date.now() + this.maxAgeMs, expiresAtMs);
    if (!(until > Date.now())) return;
    this.#entries.delete(token);
    if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(token, { value, until });
  }

  clear(): void {
    this.#entries.clear();
  }
}
