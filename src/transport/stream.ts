/**
 * A {@link Transport} over a pair of byte streams with newline-delimited JSON framing: the
 * stdio binding, and any socket that reuses its framing.
 */
import type { Readable, Writable } from 'node:stream';
import type { JsonRpcMessage } from '../protocol/jsonrpc.ts';
import { encodeParts } from '../protocol/encode.ts';
import { peekMessage } from '../protocol/message-peek.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, messageTooLarge, NdjsonDecoder, type CutMessage, type FrameSink } from './ndjson.ts';
import { BaseTransport } from './base-transport.ts';
import { JoinedWrites } from './joined-writes.ts';
import { parseJson } from '../protocol/long-strings.ts';

export interface StreamTransportOptions {
  /** Largest accepted message in bytes; larger ones are discarded with a frame error. */
  maxMessageBytes?: number;
  /**
   * Messages sent outside an input chunk in one turn of the event loop leave in one write
   * (held until the turn's I/O callbacks have run). For a client whose requests come from
   * callbacks of their own (a gateway forwarding HTTP calls): one write per request was a fifth
   * of the gateway's time with 64 calls in flight. Default false.
   */
  coalesceWrites?: boolean;
}

/** Frames at least this long are written in pieces rather than joined into one string. */
const LARGE_FRAME = 64 * 1024;

/**
 * Replies to the requests of one input chunk go out in about this many writes. One write per
 * reply spends most of the time in syscalls once many requests are in flight; one write for
 * the whole chunk leaves the peer idle until the last reply is ready. Measured over pipes with
 * 4 to 256 requests in flight, eighths were best at every level.
 */
const WRITES_PER_CHUNK = 8;

export class StreamTransport extends BaseTransport implements FrameSink {
  readonly input: Readable;
  readonly output: Writable;
  #decoder: NdjsonDecoder;
  #closing: Promise<void> | undefined;
  /** While an input chunk is handled: frames per write, and frames since the last write. */
  #framesPerWrite: number;
  #unwritten: number;
  readonly #coalesce: boolean;
  /** Frames held for one write: a group of replies while an input chunk is handled, or this turn's (coalesceWrites). */
  readonly #writes: JoinedWrites;

  constructor(input: Readable, output: Writable, options: StreamTransportOptions = {}) {
    super();
    this.input = input;
    this.output = output;
    this.#decoder = new NdjsonDecoder(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
    this.#closing = undefined;
    this.#framesPerWrite = 0;
    this.#unwritten = 0;
    this.#coalesce = options.coalesceWrites === true;
    this.#writes = new JoinedWrites(output);
  }

  protected override opened(): void {
    this.input.on('data', (chunk: Buffer | string) => {
      // Replies made while the chunk is handled are held and written in groups.
      try {
        this.#decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, this);
      } finally {
        this.#framesPerWrite = 0;
        this.#writes.write();
      }
    });
    this.input.on('end', () => this.#inputEnded());
    this.input.on('error', (error) => this.finish(error));
    this.output.on('error', (error) => this.finish(error));
    this.output.on('drain', () => this.receiver?.onDrain?.());
  }

  #inputEnded(): void {
    // A last message without its newline is still a message: `printf REQ | mcp-core serve --stdio`.
    this.#decoder.end(this);
    const receiver = this.receiver;
    if (receiver?.onInputEnd !== undefined) receiver.onInputEnd();
    else this.finish();
  }

  frames(count: number): void {
    this.#framesPerWrite = Math.ceil(count / WRITES_PER_CHUNK);
    this.#unwritten = 0;
  }

  line(text: string): void {
    let value: unknown;
    try {
      value = parseJson(text);
    } catch (error) {
      this.notJson(text, error as Error);
      return;
    }
    this.receiver?.onMessage(value);
  }

  /** A line that is not JSON: a frame error (a server answers it with -32700 Parse error). */
  protected notJson(_text: string, error: Error): void {
    this.receiver?.onFrameError(error);
  }

  tooLarge(message: CutMessage): void {
    this.receiver?.onFrameError(messageTooLarge(message, this.#decoder.maxMessageBytes), peekMessage(message.head, message.tail));
  }

  /**
   * Writes one frame, or holds it for a joint write. Returns false when the peer is not keeping
   * up: only ever after the stream said so, so a 'drain' is sure to follow.
   */
  send(message: JsonRpcMessage): boolean {
    if (this.state === 'closed') return false;
    const parts = encodeParts(message);
    if (parts.length > 2 || parts[0].length >= LARGE_FRAME) {
      // A large frame goes out as its pieces in one writev: joining them would copy it.
      this.#writes.write();
      this.output.cork();
      const last = parts.length - 1;
      for (let i = 0; i < last; i++) this.output.write(parts[i]);
      const flowing = this.output.write(parts[last] + '\n');
      this.output.uncork();
      return flowing;
    }
    const frame = parts[0] + parts[1] + '\n';
    const writes = this.#writes;
    if (this.#framesPerWrite > 0) {
      // While an input chunk is handled: a write per group of frames.
      if (++this.#unwritten < this.#framesPerWrite) return writes.hold(frame);
      this.#unwritten = 0;
      writes.hold(frame);
      return writes.write();
    }
    // Outside an input chunk (replies of async handlers, notifications) frames go out at once,
    // or at the end of the turn (coalesceWrites).
    if (this.#coalesce) return writes.holdForTurn(frame);
    writes.hold(frame);
    return writes.write();
  }

  /** Characters of frames held for the next write, not yet in the stream. */
  protected get heldLength(): number {
    return this.#writes.length;
  }

  pause(): void {
    this.input.pause();
  }

  resume(): void {
    this.input.resume();
  }

  close(): Promise<void> {
    if (this.#closing === undefined && this.state !== 'closed') this.#writes.write();
    this.#closing ??= this.closeStreams();
    return this.#closing;
  }

  protected async closeStreams(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (this.output.writableEnded || this.output.destroyed) resolve();
      else this.output.end(resolve);
    });
    this.input.pause();
    this.finish();
  }
}
