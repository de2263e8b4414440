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
  #closing: Promise<void> | undefined;

  constructor(input: Readable, output: Writable, options: StreamTransportOptions = {}) {
    super();
    this.input = input;
    this.output = output;
    this.#decoder = new NdjsonDecoder(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
    this.#closing = undefined;
  }

  protected override opened(): void {
    this.input.on('data', (chunk: Buffer | string) => {
      this.#decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, this);
    });
    this.input.on('end', () => this.finish());
    this.input.on('error', (error) => this.finish(error));
    this.output.on('error', (error) => this.finish(error));
    this.output.on('drain', () => this.receiver?.onDrain?.());
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
    // Each frame is written at once rather than batched per tick: the peer starts reading the
    // first response while the next is being computed, which measured faster over pipes
    // (writes to a pipe are synchronous on Linux) than fewer, larger writes.
    return this.output.write(encodeFrame(message));
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
    await new Promise<void>((resolve) => {
      if (this.output.writableEnded || this.output.destroyed) resolve();
      else this.output.end(resolve);
    });
    this.input.pause();
    this.finish();
  }
}
