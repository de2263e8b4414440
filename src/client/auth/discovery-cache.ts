/**
 * What discovery found, kept for a while so that each 401 or 403 does not fetch the protected
 * resource metadata and the authorization server metadata again. An answer is kept for as long
 * as its `Cache-Control` allows (RFC 9111 Section 5.2.2.1 `max-age`, less its `Age`), an hour
 * at most; five minutes when it says nothing; not at all with `no-store` or `no-cache` (which
 * would ask to check with the server on each use). A cache holds a bounded number of entries,
 * the oldest dropped first: the names it is keyed by come from servers.
 */

/** Kept this long when the answer says nothing. */
export const DEFAULT_LIFETIME_MS = 5 * 60_000;
/** Kept this long at most, whatever the answer says. */
export const MAX_LIFETIME_MS = 60 * 60_000;
/** Entries of one cache, at most. */
export const MAX_ENTRIES = 100;

/**
 * How long an answer may be kept, in milliseconds (0: not at all).
 *
 * @example
 * lifetimeOf(new Headers({ 'cache-control': 'public, max-age=600' })) // 600000
 */
export function lifetimeOf(headers: Headers): number {
  const control = headers.get('cache-control');
  if (control === null) return DEFAULT_LIFETIME_MS;
  let maxAge: number | undefined;
  for (const directive of control.toLowerCase().split(',')) {
    const [name, value] = directive.split('=', 2).map((part) => part.trim());
    if (name === 'no-store' || name === 'no-cache') return 0;
    if (name !== 'max-age') continue;
    // A max-age that is not a number makes the answer stale (RFC 9111 Section 4.2.1).
    const seconds = /^"?(\d{1,10})"?$/.exec(value ?? '');
    if (seconds === null) return 0;
    maxAge = Number(seconds[1]);
  }
  if (maxAge === undefined) return DEFAULT_LIFETIME_MS;
  const age = /^\d{1,10}$/.test(headers.get('age') ?? '') ? Number(headers.get('age')) : 0;
  return Math.min(Math.max(maxAge - age, 0) * 1000, MAX_LIFETIME_MS);
}

/**
 * A map whose entries expire and whose size is bounded.
 *
 * @example
 * const cache = new ExpiringCache<string>();
 * cache.set('https://mcp.example.com/mcp', 'found', lifetimeOf(response.headers));
 */
export class ExpiringCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  readonly #maxEntries: number;

  constructor(maxEntries = MAX_ENTRIES) {
    this.#maxEntries = maxEntries;
  }

  /** The entry, if it is there and not expired. */
  get(key: string): { value: V } | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (performance.now() < entry.expiresAt) return entry;
    this.#entries.delete(key);
    return undefined;
  }

  /** Keeps `value` for `lifetimeMs` (not at all when 0), replacing what `key` held. */
  set(key: string, value: V, lifetimeMs: number): void {
    this.#entries.delete(key);
    if (lifetimeMs <= 0) return;
    this.#entries.set(key, { value, expiresAt: performance.now() + lifetimeMs });
    // Oldest first: a Map iterates in insertion order, and set() re-inserts.
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break;
      this.#entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
