/**
 * A linked pair of transports in one process, for tests: every message is serialized and
 * parsed as it would be on a wire, so nothing passes that a real transport would not carry.
 */
import type { JsonRpcMessage } from '../protocol/jsonrpc.ts';
import { BaseTransport } from './base-transport.ts';

export class InMemoryTransport extends BaseTransport {
  #peer: InMemoryTransport | undefined = undefined;
  /** Messages that arrived before start(), or while paused. */
  #inbox: string[] = [];
  #paused = false;

  /** @example const [clientSide, serverSide] = InMemoryTransport.createPair(); */
  static createPair(): [InMemoryTransport, InMemoryTransport] {
    const a = new InMemoryTransport();
    const b = new InMemoryTransport();
    a.#peer = b;
    b.#peer = a;
    return [a, b];
  }

  protected override opened(): void {
    this.#flush();
  }

  send(message: JsonRpcMessage): boolean {
    const peer = this.#peer;
    if (this.state === 'closed' || !peer || peer.state === 'closed') return false;
    const text = JSON.stringify(message);
    queueMicrotask(() => peer.#deliver(text));
    return true;
  }

  #deliver(text: string): void {
    this.#inbox.push(text);
    this.#flush();
  }

  #flush(): void {
    while (this.receiver && !this.#paused && this.#inbox.length > 0) {
      this.receiver.onMessage(JSON.parse(this.#inbox.shift()!));
    }
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#flush();
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.finish();
    const peer = this.#peer;
    if (peer && peer.state !== 'closed') queueMicrotask(() => void peer.close());
  }
}
