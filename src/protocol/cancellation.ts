/**
 * Cancellation that costs nothing until something is cancelled: a flag, the reason, and the
 * parties to tell, held as objects (no closure per listener); a web `AbortSignal` is made only
 * when one is asked for.
 *
 * Why not an AbortController at every link: on Node 24 a listener added to and removed from an
 * AbortSignal costs about 0.6 µs and 800 bytes (EventTarget bookkeeping), a signal that follows
 * another about 1.5 µs and 1.7 KB, and `AbortSignal.any` 2.5 µs. A gateway passes its caller's
 * cancellation on through several such links for every call, and nearly no call is ever
 * cancelled.
 */
import { reportError } from './error-report.ts';

/** Told once when a {@link Cancellation} it listens to is cancelled. */
export interface CancelListener {
  onCancel(reason: unknown): void;
}

/**
 * @example
 * const cancellation = new Cancellation();
 * cancellation.addListener({ onCancel: (reason) => console.log('cancelled:', reason) });
 * fetch(url, { signal: cancellation.signal }); // a real AbortSignal, made now
 * cancellation.cancel(new Error('the caller left'));
 */
export class Cancellation {
  /** Whether {@link cancel} was called. */
  cancelled: boolean;
  /** Why, once cancelled. */
  reason: unknown;
  #listeners: CancelListener | CancelListener[] | undefined;
  #controller: AbortController | undefined;

  constructor() {
    this.cancelled = false;
    this.reason = undefined;
    this.#listeners = undefined;
    this.#controller = undefined;
  }

  /** An AbortSignal that aborts with this cancellation (made on first use). */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.cancelled) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }

  /** Tells `listener` when this is cancelled: once, and at once when it already is. */
  addListener(listener: CancelListener): void {
    if (this.cancelled) {
      listener.onCancel(this.reason);
      return;
    }
    const listeners = this.#listeners;
    if (listeners === undefined) this.#listeners = listener;
    else if (Array.isArray(listeners)) listeners.push(listener);
    else this.#listeners = [listeners, listener];
  }

  removeListener(listener: CancelListener): void {
    const listeners = this.#listeners;
    if (listeners === listener) this.#listeners = undefined;
    else if (Array.isArray(listeners)) {
      const at = listeners.indexOf(listener);
      if (at !== -1) listeners.splice(at, 1);
    }
  }

  /** Cancels once: the signal (if made) aborts, then every listener is told, in order. */
  cancel(reason: unknown): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.reason = reason;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    this.#controller?.abort(reason);
    if (listeners === undefined) return;
    if (!Array.isArray(listeners)) return tell(listeners, reason);
    for (const listener of listeners) tell(listener, reason);
  }
}

/** A listener's failure is reported; the others are still told. */
function tell(listener: CancelListener, reason: unknown): void {
  try {
    listener.onCancel(reason);
  } catch (error) {
    reportError(error, { operation: 'cancellation listener' });
  }
}

/**
 * A cancellation that follows another (cancelled when its source is), and can be moved to
 * follow a different source: a call that becomes a task stops following its request.
 *
 * @example
 * const handlerCancellation = new FollowingCancellation(exchange.cancellation);
 * handlerCancellation.follow(taskExchange.cancellation);
 */
export class FollowingCancellation extends Cancellation implements CancelListener {
  #source: Cancellation | undefined;

  constructor(source?: Cancellation) {
    super();
    this.#source = undefined;
    if (source !== undefined) this.follow(source);
  }

  follow(source: Cancellation): void {
    this.#source?.removeListener(this);
    this.#source = source;
    source.addListener(this);
  }

  onCancel(reason: unknown): void {
    this.cancel(reason);
  }
}

/**
 * A cancellation that follows an AbortSignal: for a caller who gave a signal, where the rest of
 * the way takes a {@link Cancellation}. Costs one listener on the signal, removed by `release()`.
 *
 * @example
 * const link = SignalCancellation.of(options.signal);
 * try { await work(link) } finally { link?.release() }
 */
export class SignalCancellation extends Cancellation {
  readonly #source: AbortSignal;
  readonly #onAbort: () => void;

  constructor(source: AbortSignal) {
    super();
    this.#source = source;
    this.#onAbort = () => this.cancel(source.reason);
    if (source.aborted) this.cancel(source.reason);
    else source.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Undefined for no signal. */
  static of(signal: AbortSignal | undefined): SignalCancellation | undefined {
    return signal === undefined ? undefined : new SignalCancellation(signal);
  }

  /** Stops following the signal. */
  release(): void {
    this.#source.removeEventListener('abort', this.#onAbort);
  }
}
