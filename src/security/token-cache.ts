/**
 * Verified tokens, remembered: a token is verified (a signature check, or a request to the
 * authorization server) once, then served from memory until the earlier of its expiry and
 * `maxAgeMs`. Bounded in entries; the oldest entry goes first. A hit is a Map lookup, a string
 * comparison and a clock read or two, and keeps the request on the synchronous path.
 *
 * The two ends are read on two clocks. `maxAgeMs` is time that passes (`performance.now()`):
 * it is how late a revocation at the authorization server is seen, and must not last an hour
 * because NTP set the wall clock back an hour. The expiry is a time of day the token names,
 * read on the wall clock as the token's own checks read it.
 *
 * Entries are keyed by the token's last characters, not by the whole token: a Map hashes every
 * character of a new string, and a request's token is always a new string, hundreds of
 * characters long (a JWT), so hashing it cost more than the rest of the lookup. The entry keeps
 * the whole token and a hit needs it equal, so two tokens that end alike only take each
 * other's place; they never stand for one another.
 */
import { performance } from 'node:perf_hooks';

/** Characters of a token that key its entry: the end of a JWT's signature, or of an opaque token. */
const KEY_LENGTH = 32;

function keyOf(token: string): string {
  return token.length <= KEY_LENGTH ? token : token.slice(-KEY_LENGTH);
}

interface Entry<T> {
  readonly token: string;
  readonly value: T;
  /** `performance.now()` after which the entry is not used (its `maxAgeMs`). */
  readonly freshUntil: number;
  /** Epoch milliseconds after which the entry is not used (its token's expiry; Infinity for none). */
  readonly expiresAtMs: number;
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
    const key = keyOf(token);
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.token !== token) return undefined;
    if (performance.now() < entry.freshUntil && (entry.expiresAtMs === Infinity || Date.now() < entry.expiresAtMs)) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  /** Remembers `value` until `expiresAtMs` at the latest (and `maxAgeMs` from now). */
  set(token: string, value: T, expiresAtMs = Infinity): void {
    if (this.maxEntries === 0 || this.maxAgeMs === 0) return;
    if (!(expiresAtMs > Date.now())) return;
    const key = keyOf(token);
    this.#entries.delete(key);
    if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { token, value, freshUntil: performance.now() + this.maxAgeMs, expiresAtMs });
  }

  clear(): void {
    this.#entries.clear();
  }
}
