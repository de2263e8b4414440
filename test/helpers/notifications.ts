/** Notifications a test client received, with a way to wait for them instead of sleeping. */
import type { JsonRpcNotification } from '../../src/protocol/jsonrpc.ts';

export class Notifications extends Array<JsonRpcNotification> {
  #waiters: Array<{ count: number; resolve: () => void }> = [];

  static override get [Symbol.species]() {
    return Array;
  }

  override push(...items: JsonRpcNotification[]): number {
    const length = super.push(...items);
    this.#waiters = this.#waiters.filter((waiter) => (waiter.count <= length ? (waiter.resolve(), false) : true));
    return length;
  }

  /** Resolves once at least `count` notifications have arrived. */
  count(count: number): Promise<void> {
    if (this.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }
}
