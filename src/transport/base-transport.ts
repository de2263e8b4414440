/** What every message-stream transport shares: its state, its receiver, and closing once. */
import type { JsonRpcMessage } from '../protocol/jsonrpc.ts';
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import type { MessageReceiver, Transport, TransportState } from './transport.ts';

export abstract class BaseTransport implements Transport {
  #state: TransportState = 'new';
  protected receiver: MessageReceiver | undefined = undefined;

  get state(): TransportState {
    return this.#state;
  }

  start(receiver: MessageReceiver): void {
    if (this.#state !== 'new') throw new McpLocalError(LocalErrorCode.InvalidState, 'Transport already started');
    this.receiver = receiver;
    this.#state = 'open';
    this.opened();
  }

  /** Called once the receiver is in place. */
  protected opened(): void {}

  /** Marks the transport closed and tells the receiver, once. */
  protected finish(error?: Error): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    const receiver = this.receiver;
    this.receiver = undefined;
    receiver?.onClose(error);
  }

  abstract send(message: JsonRpcMessage): boolean;
  abstract pause(): void;
  abstract resume(): void;
  abstract close(): Promise<void>;
}
