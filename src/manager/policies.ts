/**
 * Resilience of one upstream: a circuit breaker (open after N failures in a row, or a failure
 * rate over the last calls; one probe call when half-open), a bulkhead (calls at once, and a
 * bounded queue), and retries with exponential backoff for safe calls only. Each upstream has
 * its own, so one failing upstream never trips another's.
 *
 * The counting of failures, the backoff and the errors are cockatiel's; the composition is a
 * single async step per call (breaker.ts and bulkhead.ts say why), in cockatiel's order: the
 * breaker around the bulkhead around the retries.
 *
 * Timeouts are the client's (`timeoutMs` per request, restarted by progress): a long call that
 * keeps reporting progress is not slow, which a fixed cockatiel timeout could not tell.
 */
import { CircuitState, ConsecutiveBreaker, CountBreaker, ExponentialBackoff, type IBreaker } from 'cockatiel';
import { isCancelled } from '../client/requests.ts';
import { Breaker, type Admission, type BreakerState } from './breaker.ts';
import { Bulkhead, type CallSlot } from './bulkhead.ts';
import type { UpstreamSpec } from './config.ts';
import { classify, isFault } from './failures.ts';
import type { Cancellable } from './wait-line.ts';

export type { BreakerState } from './breaker.ts';

/** Opens when either of its breakers would: N failures in a row, or a failure rate. */
class EitherBreaker implements IBreaker {
  readonly #breakers: IBreaker[];

  constructor(breakers: IBreaker[]) {
    this.#breakers = breakers;
  }

  get state(): unknown {
    return this.#breakers.map((breaker) => breaker.state);
  }

  set state(value: unknown) {
    if (Array.isArray(value)) this.#breakers.forEach((breaker, index) => (breaker.state = value[index]));
  }

  success(state: CircuitState): void {
    for (const breaker of this.#breakers) breaker.success(state);
  }

  failure(state: CircuitState): boolean {
    let open = false;
    for (const breaker of this.#breakers) open = breaker.failure(state) || open;
    return open;
  }
}

/** The backoff between retries: cockatiel's exponential one, its first retry at once. */
const RETRY_BACKOFF = new ExponentialBackoff({ initialDelay: 100, maxDelay: 2000 });

export class UpstreamPolicies {
  readonly #breaker: Breaker;
  readonly #bulkhead: Bulkhead;
  readonly #retries: number;

  constructor(spec: UpstreamSpec, onBreakerChange?: (state: BreakerState) => void) {
    const { consecutiveFailures, failureRate, window, halfOpenAfterMs } = spec.breaker;
    const consecutive = new ConsecutiveBreaker(consecutiveFailures);
    const counting =
      failureRate === undefined
        ? consecutive
        : new EitherBreaker([consecutive, new CountBreaker({ threshold: failureRate, size: window, minimumNumberOfCalls: Math.min(window, 5) })]);
    this.#breaker = new Breaker(counting, halfOpenAfterMs, onBreakerChange);
    this.#bulkhead = new Bulkhead(spec.maxConcurrency, spec.maxQueue);
    this.#retries = spec.retries;
  }

  get breakerState(): BreakerState {
    return this.#breaker.state;
  }

  /** Calls running now. */
  get running(): number {
    return this.#bulkhead.running;
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.#bulkhead.queued;
  }

  /**
   * Runs `attempt` under the breaker and the bulkhead, and again after a lost connection (the
   * failure a new attempt may cure: the connection may be back by then) when `safe` (a list, a
   * read, a read-only or idempotent tool). A call cancelled while it waits (for a slot, or a
   * half-open probe's verdict) does not run: it leaves its wait at once, rejecting with
   * cockatiel's `TaskCancelledError`, which the breaker does not count. A call waits for a
   * slot at most its `timeoutMs` (then `SlotWaitTimeout`: overloaded, not counted either), and
   * one that waited asks the breaker again before it runs ({@link Breaker.readmit}). A call
   * that may ask its caller questions passes its `slot`, which gives the slot back while the
   * caller is asked (bulkhead.ts).
   */
  async run<T>(attempt: () => Promise<T>, safe: boolean, call: Cancellable & { timeoutMs?: number }, slot?: CallSlot): Promise<T> {
    const admitted = this.#breaker.admit(call);
    let admission = admitted instanceof Promise ? await this.#breaker.admitted(admitted, call) : admitted;
    let result: T;
    let ran = false;
    try {
      const waiting = this.#bulkhead.acquire(call, call.timeoutMs);
      if (waiting !== undefined) {
        await waiting;
        admission = this.#readmit(admission);
      }
      slot?.took(this.#bulkhead, call);
      ran = true;
      try {
        result = await attempt();
      } catch (error) {
        if (!safe || !this.#mayRetry(error, 0, call)) throw error;
        result = await this.#retrying(attempt, call);
      } finally {
        if (slot === undefined || slot.over()) this.#bulkhead.release();
      }
    } catch (error) {
      if (ran) this.#breaker.failed(admission, isFault(error));
      else this.#breaker.withdrawn(admission);
      throw error;
    }
    this.#breaker.succeeded(admission);
    return result;
  }

  /**
   * A call that waited for its slot asks the breaker again: if the circuit opened meanwhile, it
   * gives the slot back (to the next call waiting, which then fails fast the same way) and
   * fails as breaker open, which the breaker does not count.
   */
  #readmit(admission: Admission): Admission {
    try {
      return this.#breaker.readmit(admission);
    } catch (error) {
      this.#bulkhead.release();
      throw error;
    }
  }

  /** Whether a safe call that failed so, after `retries` retries, is tried again. */
  #mayRetry(error: unknown, retries: number, call: Cancellable): boolean {
    return retries < this.#retries && classify('', error)?.reason === 'dead' && !isCancelled(call);
  }

  /** The retries of a safe call after a lost connection: up to the upstream's `retries`, with backoff. */
  async #retrying<T>(attempt: () => Promise<T>, call: Cancellable): Promise<T> {
    let backoff = RETRY_BACKOFF.next();
    for (let retries = 1; ; retries++) {
      await delay(backoff.duration);
      try {
        return await attempt();
      } catch (error) {
        if (!this.#mayRetry(error, retries, call)) throw error;
        backoff = backoff.next(undefined);
      }
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
