/**
 * Retries of client requests, only where safe. A request is sent again after a failure only
 * when that cannot do harm twice:
 * - any request, when nothing reached the server or the server refused it before serving it
 *   (MCP_ERR_UNREACHABLE: connection refused, unknown host; MCP_ERR_OVERLOADED: HTTP 429/503);
 * - a request that is safe to repeat (list and read methods, `ping`, `completion/complete`,
 *   or one the caller marks `idempotent`) also after a timeout or a broken connection, when it
 *   may have been served.
 * Never after an answer from the server (a JSON-RPC error is the server's verdict), a
 * cancellation, or on a closed client. Backoff is exponential with full jitter.
 */
import { doublingDelay } from '../protocol/backoff.ts';
import { checkTimerMs } from '../protocol/timer-limit.ts';
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import { Method } from '../protocol/methods.ts';

/**
 * @example
 * new McpClient({ name: 'app', version: '1.0.0', retry: { retries: 3, minDelayMs: 100 } });
 * await client.callTool('get_weather', { city: 'Oslo' }, { idempotent: true });
 */
export interface RetryOptions {
  /** Attempts after the first. Default 2. */
  retries?: number;
  /** The first backoff; each retry doubles it, and a random part of it is waited. Default 200 ms. */
  minDelayMs?: number;
  /**
   * The longest backoff. Default 5,000 ms. This and `minDelayMs` are at most 2147483647 (2^31 -
   * 1 ms, about 24.8 days, the longest a timer holds): a longer one is refused with a RangeError.
   */
  maxDelayMs?: number;
}

/** Methods whose repetition changes nothing on the server (spec: list, read, get, ping). */
export const RETRY_SAFE_METHODS: ReadonlySet<string> = new Set([
  Method.Ping,
  Method.ServerDiscover,
  Method.ToolsList,
  Method.ResourcesList,
  Method.ResourcesTemplatesList,
  Method.ResourcesRead,
  Method.PromptsList,
  Method.PromptsGet,
  Method.CompletionComplete,
  Method.TasksGet,
]);

/** Whether `error` allows one more attempt of a request (`safe`: harmless to repeat). */
export function isRetryable(error: unknown, safe: boolean): boolean {
  if (!(error instanceof McpLocalError)) return false;
  switch (error.code) {
    case LocalErrorCode.Unreachable:
    case LocalErrorCode.Overloaded:
      return true;
    case LocalErrorCode.Timeout:
    case LocalErrorCode.ConnectionClosed:
      return safe;
    default:
      return false;
  }
}

/** Refuses backoffs a timer cannot hold: the client's policy when it is made, a request's own when it is sent. */
export function checkRetryDelays(policy: RetryOptions): void {
  checkTimerMs('retry.minDelayMs', policy.minDelayMs);
  checkTimerMs('retry.maxDelayMs', policy.maxDelayMs);
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the retries run out. `closed` tells
 * whether the client can still send (a closed one never can).
 */
export async function withRetries<T>(attempt: () => Promise<T>, policy: RetryOptions, safe: boolean, signal: AbortSignal | undefined, closed: () => boolean): Promise<T> {
  const retries = policy.retries ?? 2;
  const minDelayMs = policy.minDelayMs ?? 200;
  const maxDelayMs = policy.maxDelayMs ?? 5000;
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      if (retry >= retries || !isRetryable(error, safe) || closed()) throw error;
      const ceiling = doublingDelay(minDelayMs, retry, maxDelayMs);
      if (signal?.aborted || !(await backoff(Math.random() * ceiling, signal))) {
        throw new McpLocalError(LocalErrorCode.Cancelled, 'The request was cancelled while waiting to retry', { cause: error });
      }
    }
  }
}

function backoff(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
