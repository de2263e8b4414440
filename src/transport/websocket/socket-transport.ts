/**
 * A message-stream {@link Transport} over one WebSocket (the `ws` library), the same on both
 * sides: one JSON-RPC message per text frame, subprotocol `mcp` (as the official SDK's
 * WebSocket transports speak it).
 *
 * - A binary frame, or a text frame that is not JSON, is a frame error: the receiver answers
 *   it and the connection goes on. A frame over the size limit closes the connection with
 *   1009 (`ws` enforces `maxPayload` while reading, before buffering the rest).
 * - Backpressure: `send` returns false once more than {@link HIGH_WATER_BYTES} wait to be
 *   written; the receiver hears `onDrain` once all of it has been. `pause` stops reading.
 * - Keep-alive: with a {@link Heartbeat}, each beat pings the peer and closes a peer not heard
 *   from (a frame, a pong, or written bytes taken) since the previous beat.
 */
import type { RawData, WebSocket } from 'ws';
import { encodeMessage } from '../../protocol/encode.ts';
import { describeValue } from '../../protocol/guards.ts';
import type { JsonRpcMessage } from '../../protocol/jsonrpc.ts';
import { LocalErrorCode, McpLocalError } from '../../protocol/local-errors.ts';
import { BaseTransport } from '../base-transport.ts';
import type { Beating, Heartbeat } from './heartbeat.ts';
import { parseJson } from '../../protocol/long-strings.ts';

/** The WebSocket subprotocol of MCP. */
export const SUBPROTOCOL = 'mcp';

/** Close codes used here (RFC 6455, section 7.4.1). */
export const CloseCode = {
  Normal: 1000,
  /** The server is shutting down. */
  GoingAway: 1001,
  /** The credential the connection was opened with expired. */
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  InternalError: 1011,
  /** Over a connection bound: try again later. */
  TryAgainLater: 1013,
} as const;

/** Bytes waiting to be written past which `send` reports backpressure. */
export const HIGH_WATER_BYTES = 64 * 1024;

/** `WebSocket.OPEN` and `WebSocket.CLOSING`, without loading `ws` for a constant. */
const OPEN = 1;
const CLOSING = 2;

const BINARY_REFUSED = new McpLocalError(
  LocalErrorCode.Unsupported,
  'Binary frames are not accepted: send each JSON-RPC message as one text frame of UTF-8 JSON',
);

/** One message as `ws` gave it. */
interface Frame {
  data: Buffer;
  binary: boolean;
}

export interface WebSocketTransportOptions {
  /** Pings the peer on each beat and closes it when it was not heard from since the previous beat. */
  heartbeat?: Heartbeat;
  /** The size limit the socket enforces (`maxPayload`), for the message of a 1009 close. */
  maxMessageBytes?: number;
}

/**
 * @example
 * // server side, with a socket `ws` accepted by a WebSocketServer:
 * server.connect(new WebSocketTransport(ws));
 */
export class WebSocketTransport extends BaseTransport implements Beating {
  /** Size in bytes of the frame being delivered, for bounds on bytes held by requests in flight. */
  frameBytes: number;
  protected socket: WebSocket | undefined;
  readonly #heartbeat: Heartbeat | undefined;
  readonly #maxMessageBytes: number | undefined;
  /** Messages sent before the socket exists (a client still connecting), in order, with their text. */
  #queue: Array<{ message: JsonRpcMessage; text: string }>;
  /** The length of the texts in {@link #queue}. */
  #queuedLength: number;
  /**
   * Frames read but not yet delivered because reading is paused: `ws` pauses the socket, but
   * the frames of a chunk already read still arrive. Held here, the pause is exact (at most
   * one read's worth waits).
   */
  #inbox: Array<Frame>;
  /** The peer was heard from since the last beat. */
  #heard: boolean;
  #paused: boolean;
  /** `send` reported backpressure; cleared once every frame sent since then is written. */
  #blocked: boolean;
  #unwritten: number;
  /** Why the connection ended, when this side knows better than the close code. */
  #failure: Error | undefined;
  /** close() was called: the end is this side's own. */
  #closeRequested: boolean;
  readonly #ended: PromiseWithResolvers<void>;
  readonly #written: (error?: Error | null) => void;

  constructor(socket?: WebSocket, options: WebSocketTransportOptions = {}) {
    super();
    this.frameBytes = 0;
    this.socket = socket;
    this.#heartbeat = options.heartbeat;
    this.#maxMessageBytes = options.maxMessageBytes;
    this.#queue = [];
    this.#queuedLength = 0;
    this.#inbox = [];
    this.#heard = true;
    this.#paused = false;
    this.#blocked = false;
    this.#unwritten = 0;
    this.#failure = undefined;
    this.#closeRequested = false;
    this.#ended = Promise.withResolvers<void>();
    this.#written = (error) => this.#onWritten(error);
  }

  protected override opened(): void {
    if (this.socket !== undefined) this.attach(this.socket);
  }

  /** Starts serving an open socket: listeners, keep-alive, and the frames queued meanwhile. */
  protected attach(socket: WebSocket): void {
    this.socket = socket;
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    socket.on('pong', () => (this.#heard = true));
    socket.on('error', (error) => (this.#failure ??= this.#describeError(error)));
    socket.on('close', (code, reason) => this.#onClose(code, reason));
    if (this.#paused) socket.pause();
    this.#heartbeat?.add(this);
    const queued = this.#queue;
    this.#queue = [];
    this.#queuedLength = 0;
    for (const { text } of queued) this.#write(socket, text);
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    this.#heard = true;
    // binaryType 'nodebuffer': a message is one Buffer, fragments already joined.
    const frame: Frame = { data: data as Buffer, binary: isBinary };
    if (this.#paused || this.#inbox.length > 0) {
      // Paused while closing, the socket is still read (see pause): what it brings is not kept.
      if (this.socket?.readyState === OPEN) this.#inbox.push(frame);
    } else {
      this.#deliver(frame);
    }
  }

  #deliver({ data, binary }: Frame): void {
    const receiver = this.receiver;
    if (receiver === undefined) return;
    if (binary) return receiver.onFrameError(BINARY_REFUSED);
    let value: unknown;
    try {
      value = parseJson(data.toString('utf8'));
    } catch (error) {
      return receiver.onFrameError(error as Error);
    }
    this.frameBytes = data.length;
    receiver.onMessage(value);
  }

  send(message: JsonRpcMessage): boolean {
    if (this.state === 'closed') return false;
    // Encoding throws on what JSON cannot carry, before anything is written: the caller answers instead.
    const text = encodeMessage(message);
    const socket = this.socket;
    if (socket === undefined) {
      this.#queue.push({ message, text });
      this.#queuedLength += text.length;
      return true;
    }
    if (socket.readyState !== OPEN) return false;
    return this.#write(socket, text);
  }

  #write(socket: WebSocket, text: string): boolean {
    if (!this.#blocked && socket.bufferedAmount + text.length < HIGH_WATER_BYTES) {
      socket.send(text);
      return true;
    }
    // Past the mark, frames are sent with a callback, so the last of them to be written says
    // when the peer has caught up.
    this.#blocked = true;
    this.#unwritten++;
    socket.send(text, this.#written);
    return false;
  }

  #onWritten(error: Error | null | undefined): void {
    if (error != null) return; // the connection ended; 'close' says the rest
    // Bytes the kernel took: the peer is reading.
    this.#heard = true;
    if (--this.#unwritten === 0 && this.#blocked) {
      this.#blocked = false;
      this.receiver?.onDrain?.();
    }
  }

  pause(): void {
    this.#paused = true;
    // A closing socket is read to its end (ws discards what comes): paused, the peer's close and
    // end go unseen, and the connection is held until ws drops it after its 30 s closing timeout.
    // An answer written to a closing socket returns false, which would pause it here.
    if (this.socket?.readyState === OPEN) this.socket.pause();
  }

  resume(): void {
    this.#paused = false;
    // What was read before the pause goes first; delivering it may pause reading again.
    const inbox = this.#inbox;
    while (inbox.length > 0 && !this.#paused && this.state === 'open') this.#deliver(inbox.shift()!);
    if (!this.#paused) this.socket?.resume();
  }

  beat(): void {
    const socket = this.socket;
    if (socket === undefined || socket.readyState !== OPEN) return;
    // Reading paused at the in-flight cap (not for output): the peer's pongs wait unread, so
    // its silence says nothing; TCP keep-alive watches the host meanwhile.
    const unjudged = this.#paused && !this.#blocked;
    if (!this.#heard && !unjudged) {
      const interval = this.#heartbeat === undefined ? '' : ` within ${this.#heartbeat.intervalMs} ms`;
      this.#failure = new McpLocalError(LocalErrorCode.ConnectionClosed, `The WebSocket peer answered no ping${interval}; connection closed`);
      socket.terminate();
      return;
    }
    this.#heard = false;
    socket.ping();
  }

  /**
   * Closes the connection with `code` (default 1000) and `reason` (at most 123 bytes), after
   * the frames already queued. Resolves once the socket has closed.
   */
  close(code: number = CloseCode.Normal, reason = ''): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    this.#closeRequested = true;
    const socket = this.socket;
    if (socket === undefined) {
      this.finish();
      return Promise.resolve();
    }
    if (socket.readyState === OPEN) {
      socket.close(code, reason);
      // Paused (at the in-flight cap), the peer's answer to the close would go unread until ws's
      // 30 s closing timeout; what else it brings now is dropped (see the message handler).
      if (this.#paused) socket.resume();
    } else if (socket.readyState !== CLOSING) {
      socket.terminate();
    }
    // Closing already: its handshake ends it, or ws's closing timeout (or the caller's own,
    // shorter, with terminate()). Dropped here, the socket lost what it had not yet written
    // (the last answers, the close frame itself), and a peer never had the grace it was given.
    return this.#ended.promise;
  }

  /**
   * The socket never opened (a client whose upgrade failed): the messages waiting for it were
   * never sent, and each request among them fails with `error` itself, as an HTTP request
   * that never reached its server does; then the transport closes with it.
   */
  protected failToOpen(error: Error): void {
    const queued = this.#queue;
    this.#queue = [];
    this.#queuedLength = 0;
    for (const { message } of queued) if ('method' in message && 'id' in message) this.receiver?.onSendError?.(message, error);
    this.finish(error);
  }

  /** Drops the connection at once, without a closing handshake (a peer that does not answer one). */
  terminate(): void {
    this.socket?.terminate();
  }

  /**
   * What waits to be written: the socket's buffered bytes, and the messages queued while it
   * opens (their length in UTF-16 units, about their bytes).
   */
  protected get unwrittenBytes(): number {
    return (this.socket?.bufferedAmount ?? 0) + this.#queuedLength;
  }

  /** Whether the connection is over: what the in-flight limits' sweep asks of a request's holder. */
  get done(): boolean {
    return this.state === 'closed';
  }

  /** Resolves once the socket has closed, however it closed. */
  get ended(): Promise<void> {
    return this.#ended.promise;
  }

  #onClose(code: number, reason: Buffer): void {
    this.#heartbeat?.delete(this);
    this.#queue = [];
    this.#queuedLength = 0;
    this.#inbox = [];
    this.finish(this.#closeRequested ? undefined : (this.#failure ?? closedByPeer(code, reason)));
    this.#ended.resolve();
  }

  #describeError(error: Error): Error {
    if ((error as { code?: unknown }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      const limit = this.#maxMessageBytes === undefined ? '' : ` of ${this.#maxMessageBytes} bytes`;
      return new McpLocalError(LocalErrorCode.MessageTooLarge, `A WebSocket message exceeded the size limit${limit}; connection closed (1009)`, { cause: error });
    }
    return new McpLocalError(LocalErrorCode.ConnectionClosed, `WebSocket failed: ${error.message}`, { cause: error });
  }
}

function closedByPeer(code: number, reason: Buffer): McpLocalError {
  const text = reason.length === 0 ? '' : ` ${describeValue(reason.toString('utf8'))}`;
  return new McpLocalError(LocalErrorCode.ConnectionClosed, `WebSocket closed by the peer (${code}${text})`);
}
