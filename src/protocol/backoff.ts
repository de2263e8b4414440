/**
 * The delay of an exponential backoff, shared by everything that tries again: the client's
 * retries, the HTTP client's GET stream, a gateway's reconnections and re-listening.
 */

/**
 * `baseMs` doubled `attempt` times (attempt 0 is `baseMs` itself), never past `maxMs`. The
 * exponent stops at 30, so a long run of failures never reaches Infinity.
 *
 * @example
 * doublingDelay(200, 3, 5000) // 1600
 * doublingDelay(200, 99, 5000) // 5000
 */
export function doublingDelay(baseMs: number, attempt: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
}
