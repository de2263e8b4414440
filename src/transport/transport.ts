/**
 * The contract of a message-stream transport (stdio, in-memory, WebSocket): one channel
 * carrying JSON-RPC messages both ways. Request/response transports (Streamable HTTP) do not
 * implement it; they hand each request to the server with an {@link Exchange}.
 */
import type { JsonRpcMessage, RequestId } from '../protocol/jsonrpc.ts';
import type { MessagePeek } from '../protocol/message-peek.ts';

export type TransportState = 'new' | 'open' | 'closed';

/** Receives what a transport reads. Given once, at {@link Transport.start}. */
export interface MessageReceiver {
  /**
   * One parsed JSON value; the receiver classifies it. Transports that can tell which of the
   * receiver's requests a message belongs to say so in `relatedRequestId` (Streamable HTTP: the
   * request whose response stream carried it). It is undefined when the transport cannot tell.
   */
  onMessage(value: unknown, relatedRequestId?: RequestId): void;
  /**
   * A frame that is not JSON, or too large; the transport goes on reading. For a message
   * discarded as too large, `peek` is what its two ends showed of it (its id, its method,
   * whether it is a response), so the request it belongs to can fail at once.
   */
  onFrameError(error: Error, peek?: MessagePeek): void;
  /** The transport closed; `error` is set when it closed abnormally. */
  onClose(error?: Error): void;
  /**
   * The peer stopped sending (stdin reached its end) while writes are still possible. A
   * receiver that implements this finishes what is in flight and then calls `close()`; without
   * it, the transport closes at once.
   */
  onInputEnd?(): void;
  /** Writes may resume after {@link Transport.send} returned false. */
  onDrain?(): void;
  /**
   * A message could not be delivered and no JSON-RPC answer will come for it (request/response
   * transports: the HTTP request failed). Receivers fail the matching request with `error`.
   */
  onSendError?(message: JsonRpcMessage, error: Error): void;
  /**
   * The server answered 404 to a stream of the legacy session (its GET stream, or a response
   * stream's resumption): the session is gone. Returns whether the receiver starts another now,
   * beginning its `initialize` after this turn (the transport drops the gone session before
   * then, so that it carries none); otherwise the receiver's next request finds it gone.
   */
  onSessionGone?(): boolean;
}

export interface Transport {
  readonly state: TransportState;
  start(receiver: MessageReceiver): void;
  /**
   * Queues one message. Returns false when the peer is not keeping up: the caller should
   * stop producing until `onDrain` (the message itself is queued, never dropped).
   * `relatedRequestId` is the peer's request the message belongs to, when the sender knows it
   * (a server's question asked while serving that request); a transport that can carry the
   * tie does (the engine pipe, see cli/engine-pipe.ts), the others ignore it, as the stdio
   * binding has no place for it.
   */
  send(message: JsonRpcMessage, relatedRequestId?: RequestId): boolean;
  /** Stops reading from the peer until {@link resume}, for backpressure on intake. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}
