/**
 * Resilience of one upstream, built with cockatiel: a circuit breaker (open after N failures in
 * a row, or a failure rate over the last calls; one probe call when half-open), a bulkhead
 * (calls at once, and a bounded queue), and retries with exponential backoff for safe calls
 * only. Each upstream has its own, so one failing upstream never trips another's.
 *
 * Timeouts are the client's (`timeoutMs` per request, restarted by progress): a long call that
 * keeps reporting progress is not slow, which a fixed cockatiel timeout could not tell.
 */
import {
  bulkhead,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  CountBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
  type IBreaker,
  type RetryPolicy,
} from 'cockatiel';
import type { UpstreamSpec } from './config.ts';
import { isFault, UpstreamFailure } from './failures.ts';

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

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

/** A failure a new attempt may cure: the connection broke (and may be back by then). */
function isRetryable(error: unknown): boolean {
  return error instanceof UpstreamFailure && error.reason === 'dead';
}

export class UpstreamPolicies {
  readonly #breaker: CircuitBreakerPolicy;
  readonly #bulkhead: BulkheadPolicy;
  readonly #retry: RetryPolicy | undefined;
  readonly #maxConcurrency: number;
  readonly #maxQueue: number;

  constructor(spec: UpstreamSpec, onBreakerChange?: (state: BreakerState) => void) {
    const { consecutiveFailures, failureRate, window, halfOpenAfterMs } = spec.breaker;
    const consecutive = new ConsecutiveBreaker(consecutiveFailures);
    const breaker =
      failureRate === undefined
        ? consecutive
        : new EitherBreaker([consecutive, new CountBreaker({ threshold: failureRate, size: window, minimumNumberOfCalls: Math.min(window, 5) })]);
    this.#breaker = circuitBreaker(handleWhen(isFault), { breaker, halfOpenAfter: halfOpenAfterMs });
    if (onBreakerChange) this.#breaker.onStateChange((state) => onBreakerChange(STATE_NAMES[state]));
    this.#bulkhead = bulkhead(spec.maxConcurrency, spec.maxQueue);
    this.#retry =
      spec.retries > 0
        ? retry(handleWhen(isRetryable), { maxAttempts: spec.retries, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2000 }) })
        : undefined;
    this.#maxConcurrency = spec.maxConcurrency;
    this.#maxQueue = spec.maxQueue;
  }

  get breakerState(): BreakerState {
    return STATE_NAMES[this.#breaker.state];
  }

  /** Calls running now. */
  get running(): number {
    return this.#maxConcurrency - this.#bulkhead.executionSlots;
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.#maxQueue - this.#bulkhead.queueSlots;
  }

  /**
   * Runs `attempt` under the breaker and the bulkhead, and again after a lost connection when
   * `safe` (a list, a read, a read-only or idempotent tool). `signal` aborts a queued call too.
   */
  run<T>(attempt: (signal: AbortSignal) => Promise<T>, safe: boolean, signal?: AbortSignal): Promise<T> {
    const retrying = safe ? this.#retry : undefined;
    const limited = (context: { signal: AbortSignal }) =>
      this.#bulkhead.execute((inner) => (retrying === undefined ? attempt(inner.signal) : retrying.execute((again) => attempt(again.signal), inner.signal)), context.signal);
    return this.#breaker.execute(limited, signal);
  }
}
