/**
 * Graceful shutdown, as every serving transport takes part in it: on `drain()` it stops taking
 * new requests (each is refused with {@link SHUTTING_DOWN}) while the requests it already
 * accepted run to their answer; what still runs at the deadline is ended with `abandon()`,
 * whose error its client receives in place of a result: never silence, never a hang.
 * Responses, notifications and cancellations from clients keep flowing while draining, since
 * the calls in flight may still need them (an elicitation's answer, a cancellation).
 */
import type { WireError } from '../protocol/wire-errors.ts';
import { ErrorCode } from '../protocol/wire-errors.ts';

export interface Drainable {
  /** Refuses new requests from now on; resolves once every accepted request has its answer. */
  drain(): Promise<void>;
  /** Answers every request still in flight with `error`, and cancels its handler. */
  abandon(error: WireError): void;
}

/** The refusal of a request that arrives during shutdown (HTTP: with status 503). */
export const SHUTTING_DOWN: WireError = Object.freeze({ code: ErrorCode.BadRequest, message: 'Service Unavailable: the server is shutting down' });

/** The answer of a request still running when the shutdown deadline passes. */
export function deadlinePassed(deadlineMs: number): WireError {
  return { code: ErrorCode.InternalError, message: `Server shutting down: the request did not finish within the shutdown deadline (${deadlineMs} ms)` };
}

/** The answer of a request still running when a second signal ends the wait before the deadline. */
export const STOPPED_AT_ONCE: WireError = Object.freeze({ code: ErrorCode.InternalError, message: 'Server shutting down: the server was told to stop at once (a second signal) before the request finished' });

/**
 * The draining state of one transport: whether it is draining, and the promise that settles
 * once its last request in flight is answered. The transport reports each answered request
 * with `settled(remaining)`.
 *
 * @example
 * if (this.#drain.draining) return refuse(SHUTTING_DOWN);
 * ...
 * this.#inflight.delete(id);
 * this.#drain.settled(this.#inflight.size);
 */
export class DrainState {
  draining: boolean;
  #done: PromiseWithResolvers<void> | undefined;

  constructor() {
    this.draining = false;
    this.#done = undefined;
  }

  /** Starts draining with `inflight` requests running. */
  start(inflight: number): Promise<void> {
    this.draining = true;
    this.#done ??= Promise.withResolvers<void>();
    if (inflight === 0) this.#done.resolve();
    return this.#done.promise;
  }

  settled(remaining: number): void {
    if (remaining === 0 && this.#done !== undefined) this.#done.resolve();
  }
}
