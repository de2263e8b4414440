/**
 * Why a call to an upstream failed, in the few categories a caller (or a model) can act on,
 * and the `isError` result that says so in place of the upstream's answer.
 */
import { BrokenCircuitError, BulkheadRejectedError, IsolatedCircuitError, TaskCancelledError } from 'cockatiel';
import { LocalErrorCode, MalformedAnswerError, McpLocalError, type LocalErrorCodeValue } from '../protocol/local-errors.ts';
import { ErrorCode, McpError } from '../protocol/wire-errors.ts';
import { SlotWaitTimeout } from './wait-line.ts';

/**
 * - `dead`: not connected (crashed, unreachable, reconnecting), or the connection broke mid-call;
 * - `slow`: no answer (or progress) within the timeout;
 * - `breaker_open`: too many recent failures, calls fail fast until a probe succeeds;
 * - `auth`: the upstream refused the credentials (HTTP 401/403);
 * - `overloaded`: every slot and the whole queue of the upstream are taken, or the call waited
 *   its whole timeout for a slot.
 */
export type FailureReason = 'dead' | 'slow' | 'breaker_open' | 'auth' | 'overloaded';

const CODES: Record<FailureReason, LocalErrorCodeValue> = {
  dead: LocalErrorCode.ConnectionClosed,
  slow: LocalErrorCode.Timeout,
  breaker_open: LocalErrorCode.CircuitOpen,
  auth: LocalErrorCode.Unauthorized,
  overloaded: LocalErrorCode.Overloaded,
};

const DESCRIPTIONS: Record<FailureReason, string> = {
  dead: 'is unavailable',
  slow: 'did not answer in time',
  breaker_open: 'is failing; its circuit breaker is open',
  auth: 'refused the credentials',
  overloaded: 'is overloaded',
};

const brand = Symbol.for('mcp-core.UpstreamFailure');

/** A call that failed because of its upstream, with the reason category. */
export class UpstreamFailure extends McpLocalError {
  readonly upstream: string;
  readonly reason: FailureReason;
  /** What happened, without the upstream's name and the reason the message starts with. */
  readonly detail: string;

  constructor(upstream: string, reason: FailureReason, detail: string, options?: { cause?: unknown }) {
    super(CODES[reason], `Upstream "${upstream}" ${DESCRIPTIONS[reason]} (${reason}): ${detail}`, options);
    this.name = 'UpstreamFailure';
    this.upstream = upstream;
    this.reason = reason;
    this.detail = detail;
    (this as unknown as Record<symbol, boolean>)[brand] = true;
  }

  /** Its own brand: McpLocalError's would make every local error an UpstreamFailure. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

/** The `_meta` key of a fallback result naming the upstream and the reason. */
export const FAILURE_META_KEY = 'mcp-core/upstreamFailure';

/** The `isError` result a failed call answers with: the model reads what happened. */
export function fallbackResult(failure: UpstreamFailure): Record<string, unknown> {
  return {
    content: [{ type: 'text', text: failure.message }],
    isError: true,
    _meta: { [FAILURE_META_KEY]: { upstream: failure.upstream, reason: failure.reason } },
  };
}

/**
 * Rethrows what a gateway method without an `isError` result (resources/read, prompts/get,
 * completion/complete, tasks/*) failed with, as its caller gets it: an UpstreamFailure as -32603
 * with its message (naming the upstream and the reason) and `{ upstream, reason }` in `data`;
 * anything else as it is. Thrown out as they were, the server took them for its own bug: the
 * caller got a bare "Internal error", and every such call was logged as an unexpected error.
 *
 * @example
 * promise.catch(rethrowForCaller); // -32603 'Upstream "files" did not answer in time (slow): ...'
 */
export function rethrowForCaller(error: unknown): never {
  if (error instanceof UpstreamFailure) throw new McpError(ErrorCode.InternalError, error.message, { upstream: error.upstream, reason: error.reason });
  throw error;
}

const HTTP_AUTH = /^HTTP 40[13]\b/;

/**
 * Turns what a call threw into an UpstreamFailure, or returns undefined for what is not the
 * upstream's fault: its own JSON-RPC errors (it is alive and answered, if malformedly: see
 * Upstream.request) and cancellation by the caller.
 */
export function classify(upstream: string, error: unknown): UpstreamFailure | undefined {
  if (error instanceof UpstreamFailure) return error;
  if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
    return new UpstreamFailure(upstream, 'breaker_open', 'calls fail fast until a probe call succeeds', { cause: error });
  }
  if (error instanceof BulkheadRejectedError) return new UpstreamFailure(upstream, 'overloaded', 'every call slot and queue place is taken', { cause: error });
  if (error instanceof SlotWaitTimeout) {
    return new UpstreamFailure(upstream, 'overloaded', error.message, { cause: error });
  }
  if (error instanceof McpError || error instanceof TaskCancelledError || error instanceof MalformedAnswerError) return undefined;
  if (!(error instanceof McpLocalError)) return undefined;
  switch (error.code) {
    case LocalErrorCode.Timeout:
      return new UpstreamFailure(upstream, 'slow', error.message, { cause: error });
    case LocalErrorCode.ConnectionClosed:
    case LocalErrorCode.Unreachable:
    case LocalErrorCode.SessionExpired:
      return new UpstreamFailure(upstream, 'dead', error.message, { cause: error });
    case LocalErrorCode.Unauthorized:
      return new UpstreamFailure(upstream, 'auth', error.message, { cause: error });
    case LocalErrorCode.ProtocolViolation:
      return new UpstreamFailure(upstream, HTTP_AUTH.test(error.message) ? 'auth' : 'dead', error.message, { cause: error });
    default:
      return undefined;
  }
}

/** Whether a failure says something about the upstream's health (the breaker counts these). */
export function isFault(error: unknown): boolean {
  if (error instanceof UpstreamFailure) return error.reason === 'slow' || error.reason === 'dead' || error.reason === 'auth';
  const failure = classify('', error);
  return failure !== undefined && failure.reason !== 'overloaded' && failure.reason !== 'breaker_open';
}
