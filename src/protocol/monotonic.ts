/**
 * The clock for lengths of time the process measures itself (a timeout, a backoff, a window, a
 * pause): milliseconds that only go forward, as timers count them. `Date.now()` is the wall
 * clock, which NTP or a virtual machine's resume can set back or forward by hours: set back, a
 * breaker opened just before would stay open that long and a rate-limited client stay refused;
 * set forward, every long timeout in flight would fire at once. The wall clock stays for what
 * other processes read or people see (a record's `lastActive` in Redis, a token's `exp`, a
 * log line's time).
 */
import { performance } from 'node:perf_hooks';

/** Milliseconds since the process started, never going back. */
export function monotonicNow(): number {
  return performance.now();
}
