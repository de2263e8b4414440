/**
 * Trace ids for log lines, with or without tracing on: the span's when the request has one,
 * else the one the client sent in `_meta.traceparent` (W3C Trace Context, which the MCP spec
 * reserves in `_meta`, both eras), else a new one, so the lines of one request always share
 * an id.
 */
import { randomBytes } from 'node:crypto';
import { isObject } from '../protocol/guards.ts';
import { traceIdOf } from '../protocol/trace-context.ts';

/**
 * Where the tracing subscriber leaves a request's span on its diagnostics message, for the
 * other subscribers (logs) to read.
 */
export const SPAN = Symbol.for('mcp-core.span');

/** A span as far as logs need it (an OpenTelemetry Span fits). */
export interface SpanIds {
  spanContext(): { traceId: string; spanId: string };
}

/** The trace id of a valid `traceparent` in `meta`, if there is one. */
export function traceIdFromMeta(meta: unknown): string | undefined {
  return isObject(meta) ? traceIdOf(meta.traceparent) : undefined;
}

/** This process's half of the ids made here, then the zeros a short counter is padded with. */
const PROCESS_HALF_AND_ZEROS = randomBytes(8).toString('hex') + '0'.repeat(16);

/**
 * A trace id for a request that came with none while tracing is off, in the W3C format (32
 * lowercase hex digits): this process's random half, then `counter`, the request's decimal
 * counter (decimal digits are hex digits), zero-padded to 16 digits. Unique and cheap: it
 * shares the request id's counter, one number made text per request where each made its own
 * (a conversion to hex costs three times one to decimal). It only ties log lines together and
 * is never sent anywhere as a trace.
 */
export function newTraceId(counter: string): string {
  return PROCESS_HALF_AND_ZEROS.slice(0, 32 - counter.length) + counter;
}
