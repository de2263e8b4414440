/**
 * The error of a shared store that cannot be reached (Redis down, a command timed out). It is
 * a wire error: a request that needed the store is answered with it (`-32603`, a message that
 * says what is missing and that a retry may succeed), never left hanging. Over HTTP, requests
 * naming a session get it with status 503 and `Retry-After`.
 */
import { ErrorCode, McpError } from '../protocol/wire-errors.ts';

/** Which store: what the message names. */
export type StoreKind = 'session' | 'task' | 'event';

/** Clients are told to wait this long before retrying (`Retry-After`, `data.retryAfterMs`). */
export const RETRY_AFTER_MS = 1000;

/**
 * @example
 * try { await store.get(id); }
 * catch (error) { throw new StoreUnavailableError('task', error); }
 */
export class StoreUnavailableError extends McpError {
  readonly store: StoreKind;

  constructor(store: StoreKind, cause?: unknown) {
    super(ErrorCode.InternalError, `Service unavailable: the ${store} store cannot be reached; retry shortly`, { retryAfterMs: RETRY_AFTER_MS });
    this.store = store;
    if (cause !== undefined) this.cause = cause;
  }
}
