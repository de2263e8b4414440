/**
 * The trace context an HTTP request carries in its own headers, carried into `_meta`. The MCP
 * spec has a client put W3C Trace Context in `_meta` (`traceparent`, `tracestate`); a service
 * mesh, an instrumented ingress or an HTTP client under OpenTelemetry's auto-instrumentation
 * puts it in the request's `traceparent`/`tracestate` headers instead. A request whose `_meta`
 * has no `traceparent` takes the headers' (a valid one only), so that its span joins that trace
 * and its log lines name it, as with `_meta`; `_meta` wins when both are there.
 */
import { isObject } from '../../protocol/guards.ts';
import type { JsonRpcRequest } from '../../protocol/jsonrpc.ts';
import { traceIdOf } from '../../protocol/trace-context.ts';
import type { Headers } from './modern-headers.ts';

/** The longest `tracestate` carried over (W3C Trace Context asks to keep at least 512 characters). */
const MAX_TRACESTATE = 512;

/** Puts the headers' trace context into `request`'s `_meta` when it has none. */
export function traceHeadersIntoMeta(headers: Headers, request: JsonRpcRequest): void {
  // Several traceparent headers (node:http joins them) are no valid one.
  const traceparent = headers.traceparent;
  if (traceIdOf(traceparent) === undefined) return;
  const params = request.params ?? {};
  const meta = params._meta ?? {};
  // Params or _meta that are no object are the dispatcher's to refuse, as they came.
  if (!isObject(params) || !isObject(meta) || meta.traceparent !== undefined) return;
  meta.traceparent = traceparent;
  const tracestate = headers.tracestate;
  if (typeof tracestate === 'string' && tracestate.length <= MAX_TRACESTATE) meta.tracestate = tracestate;
  params._meta = meta;
  request.params = params;
}
