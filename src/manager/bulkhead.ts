/**
 * The bulkhead of one upstream: at most `capacity` calls at once, then a bounded queue, then
 * refusal with cockatiel's `BulkheadRejectedError` (what cockatiel's bulkhead does). A slot is
 * taken synchronously when one is free, and handed straight to the next queued call when
 * released: no promise, closure or microtask for a call that does not wait.
 */
import { BulkheadRejectedError } from 'cockatiel';

/**
 * @example
 * const bulkhead = new Bulkhead(32, 256);
 * const waiting = bulkhead.acquire(); // throws BulkheadRejectedError when the queue is full
 * if (waiting !== undefined) await waiting;
 * try { await call(); } finally { bulkhead.release(); }
 */
export class Bulkhead {
  readonly capacity: number;
  readonly queueCapacity: number;
  #active: number;
  /** Resolvers of the queued calls, oldest first from `#head`. */
  #queue: Array<(() => void) | undefined>;
  #head: number;

  constructor(capacity: number, queueCapacity: number) {
    this.capacity = capacity;
    this.queueCapacity = queueCapacity;
    this.#active = 0;
    this.#queue = [];
    this.#head = 0;
  }

  /** Calls holding a slot. */
  get running(): number {
    return this.#active;
  }

  /** Calls waiting for one. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /**
   * Takes a slot: undefined when it is taken now, a promise that resolves once it is when the
   * call must wait. Throws when every slot and queue place is taken.
   */
  acquire(): Promise<void> | undefined {
    if (this.#active < this.capacity) {
      this.#active++;
      return undefined;
    }
    if (this.queued >= this.queueCapacity) throw new BulkheadRejectedError(this.capacity, this.queueCapacity);
    return new Promise((resolve) => this.#queue.push(resolve));
  }

  /** Gives a slot back: to the oldest queued call, if any. */
  release(): void {
    if (this.#head === this.#queue.length) {
      this.#active--;
      return;
    }
    const next = this.#queue[this.#head]!;
    this.#queue[this.#head++] = undefined;
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    next();
  }
}
