/**
 * The bulkhead of one upstream: at most `capacity` calls at once, then a bounded queue, then
 * refusal with cockatiel's `BulkheadRejectedError` (what cockatiel's bulkhead does). A slot is
 * taken synchronously when one is free, and handed straight to the next queued call when
 * released: no promise, closure or microtask for a call that does not wait. A call that waits
 * (queued, or resuming as below) leaves at once when its caller cancels it, and a queued one
 * when its time limit passes (wait-line.ts).
 *
 * A slot stands for work the upstream does. A call whose upstream asked its caller a question
 * (elicitation, sampling, roots) waits on the caller, who may take minutes or never answer (a
 * user closing a dialog), so it gives its slot back meanwhile ({@link CallSlot}): callers who
 * leave questions unanswered cannot keep the upstream from everyone else. Such calls are
 * bounded elsewhere (the gateway's `maxPendingInputs` and `inputTimeoutMs`; a 2025 caller's
 * own requests). When the answer comes the call takes a slot again before the upstream hears
 * it, ahead of the queue (it was let in before the calls queued there) and never refused, so
 * an answer is not lost to a full queue and the upstream still does at most `capacity` calls'
 * work at once.
 */
import { BulkheadRejectedError } from 'cockatiel';
import { WaitLine, type Cancellable } from './wait-line.ts';

/**
 * @example
 * const bulkhead = new Bulkhead(32, 256);
 * // throws BulkheadRejectedError when the queue is full; rejects with TaskCancelledError when
 * // the call is cancelled while it waits (it leaves the queue at once), SlotWaitTimeout after 5 s
 * const waiting = bulkhead.acquire(options, 5000);
 * if (waiting !== undefined) await waiting;
 * try { await call(); } finally { bulkhead.release(); }
 */
export class Bulkhead {
  readonly capacity: number;
  readonly queueCapacity: number;
  #active: number;
  /** The queued calls. */
  #queue: WaitLine;
  /** The answered calls waiting to take a slot again, served before the queue. */
  #resuming: WaitLine;

  constructor(capacity: number, queueCapacity: number) {
    this.capacity = capacity;
    this.queueCapacity = queueCapacity;
    this.#active = 0;
    this.#queue = new WaitLine();
    this.#resuming = new WaitLine();
  }

  /** Calls holding a slot. */
  get running(): number {
    return this.#active;
  }

  /** Calls waiting for one. */
  get queued(): number {
    return this.#queue.size + this.#resuming.size;
  }

  /**
   * Takes a slot: undefined when it is taken now, a promise that resolves once it is when the
   * call must wait. Throws when every slot and queue place is taken. A call waits only until
   * `call` is cancelled, or `limitMs` has passed: it then leaves the queue at once and the
   * promise rejects with cockatiel's `TaskCancelledError`, or with `SlotWaitTimeout`
   * (wait-line.ts says why).
   */
  acquire(call?: Cancellable, limitMs?: number): Promise<void> | undefined {
    if (this.#tookFree()) return undefined;
    if (this.#queue.size >= this.queueCapacity) throw new BulkheadRejectedError(this.capacity, this.queueCapacity);
    return this.#queue.wait(call, limitMs);
  }

  /**
   * Takes a slot again for a call that gave its own back while it waited for its caller: as
   * {@link acquire}, but ahead of the queue and never refused.
   */
  resume(call?: Cancellable): Promise<void> | undefined {
    if (this.#tookFree()) return undefined;
    return this.#resuming.wait(call);
  }

  /** Takes a free slot, if there is one. */
  #tookFree(): boolean {
    if (this.#active >= this.capacity) return false;
    this.#active++;
    return true;
  }

  /** Gives a slot back: to the oldest call resuming, else the oldest queued call, if any. */
  release(): void {
    const next = this.#resuming.take() ?? this.#queue.take();
    if (next === undefined) this.#active--;
    else next.granted();
  }
}

/**
 * One call's hold on its slot, which it gives back while its caller is asked (the client's
 * `InputWatch`: {@link asking} and {@link answered}) and takes again before the answer goes
 * upstream. While a call runs under a bulkhead, its slot is held, given back, or being taken
 * again; the run gives back at its end only a slot it holds then.
 *
 * @example
 * const slot = new CallSlot();
 * // UpstreamPolicies.run: after bulkhead.acquire(options)
 * slot.took(bulkhead, options);
 * // ... at its end: if (slot.over()) bulkhead.release();
 */
export class CallSlot {
  /** The bulkhead the call runs under, until its run ends. */
  #bulkhead: Bulkhead | undefined;
  /** The call's cancellation, which ends its wait to take a slot again. */
  #call: Cancellable | undefined;
  #held: boolean;
  /** Questions being answered: the slot is given back while there is any. */
  #open: number;
  /** Waiting to take a slot again. */
  #resuming: boolean;

  constructor() {
    this.#bulkhead = undefined;
    this.#call = undefined;
    this.#held = false;
    this.#open = 0;
    this.#resuming = false;
  }

  /** The call took a slot of `bulkhead`; `call` cancels it. */
  took(bulkhead: Bulkhead, call?: Cancellable): void {
    this.#bulkhead = bulkhead;
    this.#call = call;
    this.#held = true;
  }

  /** The call's run ended: whether it holds its slot (the run then gives it back). */
  over(): boolean {
    const held = this.#held;
    this.#bulkhead = undefined;
    this.#call = undefined;
    this.#held = false;
    return held;
  }

  /** A question of the call's goes to its caller: the first one gives the slot back. */
  asking(): void {
    if (this.#open++ > 0 || !this.#held) return;
    this.#held = false;
    this.#bulkhead!.release();
  }

  /**
   * The caller answered one: after the last, the call takes a slot again before going on. A
   * call cancelled while it waits for it leaves the wait at once, without a slot: the promise
   * rejects with cockatiel's `TaskCancelledError`, and the answer does not go upstream.
   */
  answered(): Promise<void> | undefined {
    const bulkhead = this.#bulkhead;
    if (--this.#open > 0 || this.#held || this.#resuming || bulkhead === undefined) return undefined;
    const waiting = bulkhead.resume(this.#call);
    if (waiting === undefined) {
      this.#held = true;
      return undefined;
    }
    this.#resuming = true;
    return waiting.then(
      () => this.#retook(bulkhead),
      (error: unknown) => {
        this.#resuming = false;
        throw error;
      },
    );
  }

  /** A slot came after the call's run ended, or after it asked again meanwhile: it goes back. */
  #retook(bulkhead: Bulkhead): void {
    this.#resuming = false;
    if (this.#bulkhead !== bulkhead || this.#open > 0) bulkhead.release();
    else this.#held = true;
  }
}
