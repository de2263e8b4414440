/**
 * The calls waiting for a slot of a bulkhead (bulkhead.ts), oldest first, each leaving its line
 * at once when its caller cancels it: a cancelled call must not keep its place (it would count
 * against the queue's bound, and others be refused as overloaded, until a slot came to it,
 * which with a hung upstream is until the busy calls time out), as a cancelled call leaves
 * cockatiel's bulkhead queue.
 *
 * Taking the oldest moves a head index on (no shift of the array); a call that leaves makes a
 * hole that taking skips. The array is made anew once its holes are more than the calls
 * waiting, or its head is past half of it, so each step costs O(1) amortised and the array
 * stays within about twice the calls waiting however many come and leave.
 *
 * A wait may also be bounded in time: a call still waiting after its limit leaves its line and
 * rejects with {@link SlotWaitTimeout}. Nothing else bounds it (a call's own timeout starts when
 * its request is sent), and a hung upstream would keep it waiting as long as its busy calls.
 */
import { TaskCancelledError } from 'cockatiel';
import { isCancelled, type RequestOptions } from '../client/requests.ts';
import type { CancelListener } from '../protocol/cancellation.ts';
import { timerHolds } from '../protocol/timer-limit.ts';

/** What a call's cancellation is read from (a request's options). */
export type Cancellable = Pick<RequestOptions, 'signal' | 'cancellation'>;

/**
 * A call waited its whole limit in a {@link WaitLine} and was not let in. Its message is the
 * detail of the `overloaded` failure it becomes (failures.ts), worded once here.
 */
export class SlotWaitTimeout extends Error {
  readonly waitedMs: number;

  constructor(waitedMs: number) {
    super(`the call waited ${waitedMs} ms for a call slot and was not started`);
    this.name = 'SlotWaitTimeout';
    this.waitedMs = waitedMs;
  }
}

/** The head index from which an array mostly taken is made anew. */
const COMPACT_FROM = 1024;

/**
 * One call waiting in a {@link WaitLine}: settled by a slot ({@link granted}) or by its
 * cancellation, whichever comes first. Made only for a call that waits; it listens to the
 * call's cancellation only while it waits.
 */
class Waiter implements CancelListener {
  readonly line: WaitLine;
  readonly call: Cancellable | undefined;
  /** Its index in its line's array; -1 once it left it (given a slot, or cancelled). */
  at: number;
  resolve: () => void;
  reject: (error: Error) => void;
  /** Armed only for a wait with a limit. */
  timer: NodeJS.Timeout | undefined;

  constructor(line: WaitLine, call: Cancellable | undefined) {
    this.line = line;
    this.call = call;
    this.at = -1;
    this.resolve = noop;
    this.reject = noop;
    this.timer = undefined;
  }

  listen(): void {
    this.call?.cancellation?.addListener(this);
    this.call?.signal?.addEventListener('abort', this);
  }

  /** A slot came: the call stops listening, and goes on. */
  granted(): void {
    this.#unlisten();
    this.resolve();
  }

  /** The call's Cancellation (CancelListener). */
  onCancel(): void {
    this.#cancelled();
  }

  /** The call's AbortSignal (an EventTarget listener object: no closure per call). */
  handleEvent(): void {
    this.#cancelled();
  }

  /** Leaves the line now and rejects as a cancelled call (not the upstream's failure: failures.ts). */
  #cancelled(): void {
    this.leave(new TaskCancelledError());
  }

  /** Leaves the line now, if it is still in it, and rejects with `error`. */
  leave(error: Error): void {
    if (this.at === -1) return;
    this.#unlisten();
    this.line.remove(this);
    this.reject(error);
  }

  #unlisten(): void {
    this.call?.cancellation?.removeListener(this);
    this.call?.signal?.removeEventListener('abort', this);
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}

/**
 * @example
 * const line = new WaitLine();
 * const waiting = line.wait(options); // rejects with TaskCancelledError if options' cancellation fires first
 * line.take()?.granted();             // the oldest still waiting gets the slot
 */
export class WaitLine {
  /** The calls waiting, oldest first from `#head`; undefined where one left. */
  #items: Array<Waiter | undefined>;
  #head: number;
  #size: number;

  constructor() {
    this.#items = [];
    this.#head = 0;
    this.#size = 0;
  }

  /** Calls waiting (holes not counted). */
  get size(): number {
    return this.#size;
  }

  /**
   * Puts a call in line: the promise resolves when {@link take} hands it a slot, or rejects with
   * cockatiel's `TaskCancelledError` when `call` is cancelled first (at once if it already is),
   * or with {@link SlotWaitTimeout} when `limitMs` (if positive, and within what a timer holds) passes first.
   */
  wait(call: Cancellable | undefined, limitMs?: number): Promise<void> {
    if (call !== undefined && isCancelled(call)) return Promise.reject(new TaskCancelledError());
    const waiter = new Waiter(this, call);
    const promise = new Promise<void>((resolve, reject) => {
      waiter.resolve = resolve;
      waiter.reject = reject;
    });
    waiter.at = this.#items.length;
    this.#items.push(waiter);
    this.#size++;
    waiter.listen();
    // Unref'd: a call waiting for a slot must not keep a process alive that would otherwise end.
    // A limit past what a timer holds (about 24.8 days) is none: setTimeout would fire it at once.
    if (limitMs !== undefined && limitMs > 0 && timerHolds(limitMs)) waiter.timer = setTimeout(timedOut, limitMs, waiter, limitMs).unref();
    return promise;
  }

  /** The oldest call still waiting, out of the line (the caller calls its `granted()`). */
  take(): Waiter | undefined {
    if (this.#size === 0) return undefined;
    const items = this.#items;
    let next = items[this.#head];
    while (next === undefined) next = items[++this.#head];
    items[this.#head++] = undefined;
    next.at = -1;
    this.#left();
    return next;
  }

  /** A cancelled call leaves its place now. */
  remove(waiter: Waiter): void {
    this.#items[waiter.at] = undefined;
    waiter.at = -1;
    this.#left();
  }

  #left(): void {
    const items = this.#items;
    if (--this.#size === 0) {
      items.length = 0;
      this.#head = 0;
    } else if (items.length - this.#head - this.#size > this.#size || (this.#head >= COMPACT_FROM && this.#head * 2 >= items.length)) {
      this.#compact();
    }
  }

  /** The array anew with the calls waiting only, each told its new place. */
  #compact(): void {
    const kept: Waiter[] = [];
    const items = this.#items;
    for (let i = this.#head; i < items.length; i++) {
      const waiter = items[i];
      if (waiter === undefined) continue;
      waiter.at = kept.length;
      kept.push(waiter);
    }
    this.#items = kept;
    this.#head = 0;
  }
}

function noop(): void {}

/** A waiter's limit passed (a function of its own: no closure per waiter). */
function timedOut(waiter: Waiter, limitMs: number): void {
  waiter.leave(new SlotWaitTimeout(limitMs));
}
