/**
 * Fixed-window counts in this process's memory, as rate-limiter-flexible's RateLimiterMemory
 * keeps them (a key's window starts at its first count and lasts the limit's window), without
 * its timer per key: a timer keeps the async context it was started in, so one started while
 * a request was served held that request, with every AsyncLocalStorage value of it, for the
 * whole window. Ended windows are swept by the counting itself, at most once a window.
 *
 * The number of keys is bounded: a client picks its key (its address, one per IPv6 /64), so a
 * client with many addresses could otherwise make the process hold one count per address for
 * a window. Past `maxKeys` live windows, new keys share one count until windows end: the
 * clients a flood brings are limited together, and those already counted keep their own.
 */
import { performance } from 'node:perf_hooks';

/** Live windows kept at most, by default: about 10 MB. */
export const MAX_KEYS = 100_000;
/** The count new keys share while `maxKeys` windows are live (no key of a caller holds a NUL first). */
const OVERFLOW = '\0overflow';
/** While full, ended windows are looked for at most this often: a sweep walks every window. */
const FULL_SWEEP_MS = 1000;

interface Window {
  count: number;
  /** `performance.now()` when the window ends. */
  endsAt: number;
}

/** What a count says: the key's count in its window, and the time left in it. */
export interface Counted {
  readonly count: number;
  readonly msLeft: number;
}

export class WindowCounts {
  readonly #windows = new Map<string, Window>();
  readonly #windowMs: number;
  readonly #maxKeys: number;
  #sweptAt: number;

  constructor(windowSeconds: number, maxKeys = MAX_KEYS) {
    this.#windowMs = windowSeconds * 1000;
    this.#maxKeys = maxKeys;
    this.#sweptAt = performance.now();
  }

  /** Live windows now held (the overflow's included). */
  get size(): number {
    return this.#windows.size;
  }

  /** Counts one for `key`. */
  add(key: string): Counted {
    const now = performance.now();
    if (now - this.#sweptAt >= this.#windowMs) this.#sweep(now);
    let window = this.#windows.get(key);
    if (window === undefined && this.#windows.size >= this.#maxKeys) {
      if (now - this.#sweptAt >= FULL_SWEEP_MS) this.#sweep(now);
      if (this.#windows.size >= this.#maxKeys) window = this.#windows.get((key = OVERFLOW));
    }
    if (window === undefined) this.#windows.set(key, (window = { count: 0, endsAt: now + this.#windowMs }));
    else if (window.endsAt <= now) {
      window.count = 0;
      window.endsAt = now + this.#windowMs;
    }
    return { count: ++window.count, msLeft: window.endsAt - now };
  }

  #sweep(now: number): void {
    this.#sweptAt = now;
    for (const [key, window] of this.#windows) if (window.endsAt <= now) this.#windows.delete(key);
  }
}
