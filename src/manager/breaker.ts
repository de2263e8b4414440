/**
 * The circuit breaker of one upstream: the state machine of cockatiel's `circuitBreaker`
 * (closed, open, half-open with one probe call), driven by the call itself through two
 * synchronous steps, `admit()` before and `succeeded()`/`failed()` after, rather than by
 * wrapping the call in `execute(fn)`. The counting is cockatiel's own breakers'
 * (`ConsecutiveBreaker`, `CountBreaker`), and an open circuit refuses with its
 * `BrokenCircuitError`.
 *
 * Why not cockatiel's policy itself: every call through `execute` runs two async functions of
 * its own and a result wrapper (about 1.4 KB and two promise hops per call), a gateway's
 * every call pays it, and a breaker needs none of it to decide.
 */
import { BrokenCircuitError, CircuitState, TaskCancelledError, type IBreaker } from 'cockatiel';
import { isCancelled } from '../client/requests.ts';
import { WaitLine, type Cancellable } from './wait-line.ts';

/** `isolated` is cockatiel's manual hold-open, which the manager does not use. */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

/** What `admit()` lets through: a call in the closed state, or the half-open probe. */
export type Admission = typeof CLOSED | HalfOpen;

const CLOSED = Symbol('closed');

/**
 * A half-open period: its probe call, and the calls that wait for its verdict, each leaving at
 * once when it is cancelled (a WaitLine: the probe may hang as long as its timeout).
 */
class HalfOpen {
  #waiters: WaitLine | undefined;

  constructor() {
    this.#waiters = undefined;
  }

  wait(call: Cancellable | undefined): Promise<void> {
    return (this.#waiters ??= new WaitLine()).wait(call);
  }

  decided(): void {
    const waiters = this.#waiters;
    this.#waiters = undefined;
    if (waiters === undefined) return;
    for (let next = waiters.take(); next !== undefined; next = waiters.take()) next.granted();
  }
}

interface Open {
  openedAt: number;
}

/**
 * @example
 * const breaker = new Breaker(new ConsecutiveBreaker(5), 10_000);
 * // Throws BrokenCircuitError when open; waits while a half-open probe runs.
 * const admitted = breaker.admit(options);
 * const admission = admitted instanceof Promise ? await breaker.admitted(admitted, options) : admitted;
 * try {
 *   const result = await call();
 *   breaker.succeeded(admission);
 * } catch (error) {
 *   breaker.failed(admission, isFault(error));
 *   throw error;
 * }
 */
export class Breaker {
  readonly #counting: IBreaker;
  readonly #halfOpenAfterMs: number;
  readonly #onChange: ((state: BreakerState) => void) | undefined;
  #state: typeof CLOSED | Open | HalfOpen;

  constructor(counting: IBreaker, halfOpenAfterMs: number, onChange?: (state: BreakerState) => void) {
    this.#counting = counting;
    this.#halfOpenAfterMs = halfOpenAfterMs;
    this.#onChange = onChange;
    this.#state = CLOSED;
  }

  get state(): Exclude<BreakerState, 'isolated'> {
    const state = this.#state;
    return state === CLOSED ? 'closed' : state instanceof HalfOpen ? 'half-open' : 'open';
  }

  /**
   * Lets a call through (closed, or the half-open probe), refuses it (open: BrokenCircuitError),
   * or returns a promise to wait on while a probe runs (rejecting with cockatiel's
   * `TaskCancelledError` as soon as `call` is cancelled), after which the call asks again.
   */
  admit(call?: Cancellable): Admission | Promise<void> {
    const state = this.#state;
    if (state === CLOSED) return CLOSED;
    if (state instanceof HalfOpen) return state.wait(call);
    if (performance.now() - state.openedAt < this.#halfOpenAfterMs) throw new BrokenCircuitError();
    const probe = new HalfOpen();
    this.#set(probe, 'half-open');
    return probe;
  }

  /**
   * Waits out probes as they come, from `waiting` (what {@link admit} returned), and lets the
   * call through. A call cancelled meanwhile leaves at once and does not run.
   */
  async admitted(waiting: Promise<void>, call?: Cancellable): Promise<Admission> {
    for (;;) {
      await waiting;
      if (this.#state === CLOSED && call !== undefined && isCancelled(call)) throw new TaskCancelledError();
      const admission = this.admit(call);
      if (!(admission instanceof Promise)) return admission;
      waiting = admission;
    }
  }

  /**
   * Asks again for a call admitted before it waited (for a bulkhead slot): the circuit may have
   * opened meanwhile, and a call let in then would only wait its whole timeout on an upstream
   * already judged failing. Returns the call's admission now: closed, still the probe, or the
   * new probe (open long enough for one); throws BrokenCircuitError while open, and while
   * another call's probe runs (the call fails fast rather than wait again for a verdict).
   */
  readmit(admission: Admission): Admission {
    const state = this.#state;
    if (state === CLOSED) return CLOSED;
    if (state === admission) return admission;
    if (state instanceof HalfOpen) throw new BrokenCircuitError();
    return this.admit() as Admission;
  }

  /** The call succeeded. */
  succeeded(admission: Admission): void {
    if (admission === CLOSED) {
      this.#counting.success(CircuitState.Closed);
    } else if (admission === this.#state) {
      this.#counting.success(CircuitState.HalfOpen);
      this.#set(CLOSED, 'closed');
      admission.decided();
    }
  }

  /**
   * The call failed; `fault`: in a way that counts against the upstream. Another failure (the
   * upstream's own JSON-RPC error, a cancellation) is no evidence: nothing is counted, and a
   * probe that ends so closes the circuit (as cockatiel's does).
   */
  failed(admission: Admission, fault: boolean): void {
    const state = this.#state;
    if (admission === CLOSED) {
      if (!fault || !this.#counting.failure(CircuitState.Closed) || !(state === CLOSED || state instanceof HalfOpen)) return;
      this.#set({ openedAt: performance.now() }, 'open');
      if (state instanceof HalfOpen) state.decided();
    } else if (admission === state) {
      if (!fault) return this.succeeded(admission);
      this.#counting.failure(CircuitState.HalfOpen);
      this.#set({ openedAt: performance.now() }, 'open');
      admission.decided();
    }
  }

  /**
   * The call never ran (no slot: refused, cancelled or timed out in the queue, or refused by
   * {@link readmit}): no verdict either way. A probe so withdrawn leaves the circuit open as it
   * was, the next call the probe (closing it, as a probe that failed for another reason does,
   * would let every call through to an upstream no probe reached).
   */
  withdrawn(admission: Admission): void {
    if (admission === CLOSED || admission !== this.#state) return;
    this.#set({ openedAt: performance.now() - this.#halfOpenAfterMs }, 'open');
    admission.decided();
  }

  #set(state: typeof CLOSED | Open | HalfOpen, name: BreakerState): void {
    this.#state = state;
    this.#onChange?.(name);
  }
}
