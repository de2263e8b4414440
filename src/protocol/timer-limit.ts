/**
 * The longest delay a Node timer holds: 2^31 - 1 ms, about 24.8 days. setTimeout fires a
 * longer one after 1 ms (with a TimeoutOverflowWarning), so a duration meant as "about never"
 * would end at once: past this, a duration either bounds nothing or is refused as a setting.
 * The config schema bounds its own settings (config/schema.ts); a duration given in code goes
 * through one of the two checks below, whichever its doc promises.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Whether a timeout of `ms` is to be armed: past what a timer holds (Infinity included) it
 * means "never", for an option whose doc says so, and no timer is set.
 *
 * @example
 * if (timerHolds(timeoutMs)) timer = setTimeout(expire, timeoutMs);
 */
export function timerHolds(ms: number): boolean {
  return ms <= MAX_TIMER_MS;
}

/**
 * Refuses a duration given in code that a timer cannot hold (or that is no number), for an
 * option where "never" makes no sense (an interval, a grace period, a delay): thrown at
 * construction, naming the option, rather than the timer firing at once later.
 *
 * @example
 * checkTimerMs('shutdownGraceMs', options.shutdownGraceMs);
 * // RangeError: shutdownGraceMs is 1000000000000 ms, longer than a timer holds (at most ...)
 */
export function checkTimerMs(option: string, ms: number | undefined): void {
  if (ms === undefined || ms <= MAX_TIMER_MS) return;
  throw new RangeError(`${option} is ${ms} ms, longer than a timer holds (at most ${MAX_TIMER_MS} ms, about 24.8 days)`);
}
