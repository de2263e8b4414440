/**
 * Failures that may repeat on every request (a Redis or an authorization server that is down)
 * are reported at most once per interval, so that an outage is a line every 10 s in the logs,
 * not one per request.
 */

/** How often a repeating failure is reported at most. */
export const REPORT_INTERVAL_MS = 10_000;

/**
 * `report`, passed on at most once every `intervalMs`: the first call at once, then the first
 * call after each interval; the others are dropped.
 *
 * @example
 * const onError = atMostEvery(REPORT_INTERVAL_MS, (error: unknown) => console.error(error));
 */
export function atMostEvery<T extends unknown[]>(intervalMs: number, report: (...args: T) => void): (...args: T) => void {
  let last = -Infinity;
  return (...args) => {
    const now = performance.now();
    if (now - last < intervalMs) return;
    last = now;
    report(...args);
  };
}
