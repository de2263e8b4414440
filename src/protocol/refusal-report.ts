/**
 * Requests turned away before they are served (no credentials, a missing scope, a rate
 * limit, a full queue, shutdown) are reported on the `mcp-core:refusal` diagnostics channel,
 * wherever they are refused: at the HTTP edge, in an interceptor, in a transport. Metrics
 * count them (`mcp_refusals_total{reason}`); nothing is published without a subscriber.
 */
import diagnostics_channel from 'node:diagnostics_channel';

/**
 * Why a request was refused. A closed set: it becomes a metric label.
 * - `unauthenticated`: no or bad credentials (HTTP 401);
 * - `forbidden`: the caller may not do this (HTTP 403, insufficient scope, a hidden tool);
 * - `rate_limited`: over a rate limit (HTTP 429);
 * - `overloaded`: no capacity, the queue is full (HTTP 503);
 * - `draining`: the server is shutting down.
 */
export type RefusalReason = 'unauthenticated' | 'forbidden' | 'rate_limited' | 'overloaded' | 'draining';

/** The message of the `mcp-core:refusal` channel. */
export interface RefusalReport {
  reason: RefusalReason;
  /** The JSON-RPC method refused, when the refusal happened after the body was read. */
  method?: string;
  /**
   * What exactly, in fixed words safe to log (never a credential or a client value): "The
   * access token expired", "tool deploy needs scope deploy:write".
   */
  detail?: string;
  /** The caller's subject, when it is known. */
  subject?: string;
}

export const refusalChannel = diagnostics_channel.channel('mcp-core:refusal');

/**
 * @example
 * if (!limiter.tryTake(principal)) {
 *   reportRefusal('rate_limited', request.method);
 *   throw new McpError(-32000, 'Too many requests');
 * }
 */
export function reportRefusal(reason: RefusalReason, method?: string, detail?: string, subject?: string): void {
  if (refusalChannel.hasSubscribers) refusalChannel.publish({ reason, method, detail, subject } satisfies RefusalReport);
}
