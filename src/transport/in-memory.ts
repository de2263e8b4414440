/**
 * A linked pair of transports in one process, for tests: every message is serialized and
 * parsed as it would be on a wire, so nothing passes that a real transport would not carry.
 */
import type { JsonRpcMessage } from '../protocol/jsonrpc.ts';
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import type { MessageReceiver, Transport, TransportState } from './transport.ts';

export class InMemoryTransport implements Transport {
  #state: TransportState = 'new';
  #receiver: MessageReceiver | undefined = undefined;
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

  get state(): TransportState {
    return this.#state;
  }

  start(receiver: MessageReceiver): void {
    if (this.#state !== 'new') throw new McpLocalError(LocalErrorCode.InvalidState, 'Transport already started');
    this.#receiver = receiver;
    this.#state = 'open';
    this.#flush();
  }

  send(message: JsonRpcMessage): boolean {
    const peer = this.#peer;
    if (this.#state === 'closed' || !peer || peer.#state === 'closed') return false;
    const text = JSON.stringify(message);
    queueMicrotask(() => peer.#deliver(text));
    return true;
  }

  #deliver(text: string): void {
    this.#inbox.push(text);
    this.#flush();
  }

  #flush(): void {
    while (this.#receiver && !this.#paused && this.#inbox.length > 0) {
      this.#receiver.onMessage(JSON.parse(this.#inbox.shift()!));
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
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    const receiver = this.#receiver;
    this.#receiver = undefined;
    receiver?.onClose();
    const peer = this.#peer;
    if (peer && peer.#state !== 'closed') queueMicrotask(() => void peer.close());
  }
}
