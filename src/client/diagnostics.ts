/**
 * What the client publishes through `node:diagnostics_channel`: `mcp-core:client:request`,
 * once for every request it sends, before it is written. A subscriber may add entries to
 * `meta`, the request's `_meta` (tracing adds `traceparent` and `tracestate` there: the MCP
 * spec reserves those keys in `_meta` for W3C Trace Context, in both eras). Nothing is
 * published, and no message made, without a subscriber.
 *
 * @example
 * import diagnostics_channel from 'node:diagnostics_channel';
 * diagnostics_channel.subscribe('mcp-core:client:request', (message) => {
 *   (message as ClientRequestMessage).meta['example.com/sent-at'] = Date.now();
 * });
 */
import diagnostics_channel from 'node:diagnostics_channel';

export interface ClientRequestMessage {
  /** The request's method. */
  readonly method: string;
  /** The `_meta` the request will carry; entries added here are sent. */
  readonly meta: Record<string, unknown>;
}

export const clientRequestChannel = diagnostics_channel.channel('mcp-core:client:request');
