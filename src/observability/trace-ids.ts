/**
 * Trace ids for log lines, with or without tracing on: the span's when the request has one,
 * else the one the client sent in `_meta.traceparent` (W3C Trace Context, which the MCP spec
 * reserves in `_meta`, both eras), else a fresh one, so the lines of one request always share
 * an id.
 */
import { randomUUID } from 'node:crypto';
import { isObject } from '../protocol/guards.ts';

/**
 * Where the tracing subscriber leaves a request's span on its diagnostics message, for the
 * other subscribers (logs) to read.
 */
export const SPAN = Symbol.for('mcp-core.span');

/** A span as far as logs need it (an OpenTelemetry Span fits). */
export interface SpanIds {
  spanContext(): { traceId: string; spanId: string };
}

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;
const ZERO_TRACE = '0'.repeat(32);

/** The trace id of a valid `traceparent` in `meta`, if there is one. */
export function traceIdFromMeta(meta: unknown): string | undefined {
  if (!isObject(meta)) return undefined;
  const traceparent = meta.traceparent;
  if (typeof traceparent !== 'string') return undefined;
  const traceId = TRACEPARENT.exec(traceparent)?.[1];
  return traceId === ZERO_TRACE ? undefined : traceId;
}

/** 32 random lowercase hex digits, the W3C trace id format. */
export function randomTraceId(): string {
  return randomUUID().replaceAll('-', '');
}
