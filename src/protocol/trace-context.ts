/**
 * W3C Trace Context values as MCP carries them (`traceparent`, `tracestate` in `_meta`, keys
 * the spec reserves for them in both eras), read by logs and traces and carried over from an
 * HTTP request's own headers.
 */

/** version-traceid-parentid-flags, lower-case hex (W3C Trace Context, 3.2). */
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;
const ZERO_TRACE = '0'.repeat(32);

/** The trace id of `traceparent`, when it is a valid one (not the all-zero id). */
export function traceIdOf(traceparent: unknown): string | undefined {
  if (typeof traceparent !== 'string') return undefined;
  const traceId = TRACEPARENT.exec(traceparent)?.[1];
  return traceId === ZERO_TRACE ? undefined : traceId;
}
