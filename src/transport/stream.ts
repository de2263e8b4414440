/**
 * A {@link Transport} over a pair of byte streams with newline-delimited JSON framing: the
 * stdio binding, and any socket that reuses its framing.
 */
import type { Readable, Writable } from 'node:stream';
import type { JsonRpcMessage } from '../protocol/jsonrpc.ts';
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, NdjsonDecoder, encodeFrame, type FrameSink } from './ndjson.ts';
import { BaseTransport } from './base-transport.ts';

export interface StreamTransportOptions {
  /** Largest accepted message in bytes; larger ones are discarded with a frame error. */
  maxMessageBytes?: number;
}

export class StreamTransport extends BaseTransport implements FrameSink {
  readonly input: Readable;
  readonly output: Writable;
  #decoder: NdjsonDecoder;
  #batch: string;
  #owesDrain: boolean;
  #closing: Promise<void> | undefined;

  constructor(input: Readable, output: Writable, options: StreamTransportOptions = {}) {
    super();
    this.input = input;
    this.output = output;
    this.#decoder = new NdjsonDecoder(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
    this.#batch = '';
    this.#owesDrain = false;
    this.#closing = undefined;
    this.flush = this.flush.bind(this);
  }

  protected override opened(): void {
    this.input.on('data', (chunk: Buffer | string) => {
      this.#decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, this);
    });
    this.input.on('end', () => this.finish());
    this.input.on('error', (error) => this.finish(error));
    this.output.on('error', (error) => this.finish(error));
    this.output.on('drain', () => {
      this.#owesDrain = false;
      this.receiver?.onDrain?.();
    });
  }

  line(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.receiver?.onFrameError(error as Error);
      return;
    }
    this.receiver?.onMessage(value);
  }

  tooLarge(bytes: number): void {
    this.receiver?.onFrameError(
      new McpLocalError(
        LocalErrorCode.MessageTooLarge,
        `Message of at least ${bytes} bytes exceeds the limit of ${this.#decoder.maxMessageBytes} bytes`,
      ),
    );
  }

  send(message: JsonRpcMessage): boolean {
    if (this.state === 'closed') return false;
    // Frames sent in the same tick are joined and leave in one write: one buffer and one
    // syscall for a burst of responses, instead of one each.
    if (this.#batch === '') process.nextTick(this.flush);
    this.#batch += encodeFrame(message);
    const ok = this.output.writableLength + this.#batch.length < this.output.writableHighWaterMark;
    if (!ok) this.#owesDrain = true;
    return ok;
  }

  flush(): void {
    const batch = this.#batch;
    if (batch === '') return;
    this.#batch = '';
    const accepted = this.output.write(batch);
    // A false from send() promises a later onDrain; the stream only emits 'drain' after a
    // write it refused, so keep the promise here when it took this one.
    if (accepted && this.#owesDrain) {
      this.#owesDrain = false;
      process.nextTick(() => this.receiver?.onDrain?.());
    }
  }

  pause(): void {
    this.input.pause();
  }

  resume(): void {
    this.input.resume();
  }

  close(): Promise<void> {
    this.#closing ??= this.closeStreams();
    return this.#closing;
  }

  protected async closeStreams(): Promise<void> {
    this.flush();
    await new Promise<void>((resolve) => {
      if (this.output.writableEnded || this.output.destroyed) resolve();
      else this.output.end(resolve);
    });
    this.input.pause();
    this.finish();
  }
}
