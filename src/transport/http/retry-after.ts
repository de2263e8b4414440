/**
 * The `Retry-After` of a refusal (RFC 9110, 10.2.3): seconds, or an HTTP date. A client that
 * waits on it waits no longer than its own cap, whatever the server says.
 */

/** Milliseconds to wait, or undefined when there is no header or it cannot be read. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date ends in GMT; Date.parse alone reads far more than dates.
  const date = text.endsWith('GMT') ? Date.parse(text) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
