/**
 * The engine's pipe: one pair of byte streams (the engine's stdin and stdout) carrying two
 * MCP connections, told apart line by line.
 *
 * - The **manager channel**: plain newline-delimited JSON-RPC, exactly the stdio binding. The
 *   program that started the engine is the MCP client; the engine is the server.
 * - The **tools channel**: every line starts with `@` (a character no JSON text starts with).
 *   Here the roles are reversed: the engine is the client and the program serves its own tools.
 *
 * A line prefix rather than a marker inside the JSON costs nothing to add or strip, and a relay
 * that passes another client's lines on to the manager channel (`python -m mcp_core serve
 * --stdio`) keeps that client out of the tools channel by refusing lines that start with `@`.
 *
 * On the manager channel, a question the engine asks the program while serving one of its
 * requests (an upstream's elicitation, sampling or roots request passed on) names that request
 * in `_meta` under {@link RELATED_REQUEST_META_KEY}, so the program can answer it with that
 * call's own handlers: the stdio binding has no other place for the tie, and calls are many.
 *
 * The first line the program sends, before either channel, is the engine's start message;
 * {@link PipeChannels.firstLine} yields it. A line `#end` says the manager channel's client has
 * nothing more to send (a relayed stdio client closed its stdin): its calls in flight finish
 * and the engine exits, while the tools channel, which those calls may need, stays open. A
 * line `#cut {...}` stands for a line of that client's the relay dropped as too long.
 */
import type { Readable, Writable } from 'node:stream';
import { encodeMessage } from '../protocol/encode.ts';
import type { JsonRpcMessage, JsonRpcRequest, RequestId } from '../protocol/jsonrpc.ts';
import { BaseTransport } from '../transport/base-transport.ts';
import { JoinedWrites } from '../transport/joined-writes.ts';
import { peekMessage, type MessagePeek } from '../protocol/message-peek.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, messageTooLarge, NdjsonDecoder, type CutMessage, type FrameSink } from '../transport/ndjson.ts';
import { parseJson } from '../protocol/long-strings.ts';

/** Starts every line of the tools channel. */
export const TOOLS_CHANNEL_PREFIX = '@';
const AT = 0x40;
/** Starts a control line of the pipe itself (`#end`, `#cut`). */
const HASH = 0x23;
const CUT = '#cut ';
/** The `_meta` key of a question to the program naming the program's request it belongs to. */
export const RELATED_REQUEST_META_KEY = 'mcp-core/relatedRequestId';

/**
 * `request` with the program's request it belongs to named in its `_meta`, or with no such
 * name when it belongs to none: a name an upstream wrote there itself never reaches the program,
 * which would give the question to another call's handlers.
 */
function withRelatedRequest(request: JsonRpcRequest, relatedRequestId: RequestId | undefined): JsonRpcRequest {
  const params = request.params ?? {};
  const meta = params._meta;
  if (relatedRequestId === undefined) {
    if (typeof meta !== 'object' || meta === null || !Object.hasOwn(meta, RELATED_REQUEST_META_KEY)) return request;
    const { [RELATED_REQUEST_META_KEY]: _spoofed, ...rest } = meta;
    return { ...request, params: { ...params, _meta: rest } };
  }
  return { ...request, params: { ...params, _meta: { ...meta, [RELATED_REQUEST_META_KEY]: relatedRequestId } } };
}

/**
 * One channel of the pipe, as a message-stream transport. Pausing a channel holds its messages
 * rather than pausing the pipe: the other channel may be carrying the answers the paused one
 * waits for (a manager call to one of the program's own tools). The peer is the program that
 * started the engine, so what it sends is not bounded here.
 */
export class PipeChannel extends BaseTransport {
  readonly #pipe: PipeChannels;
  readonly #prefix: string;
  /** Messages that arrived before start(), or while paused. */
  readonly #held: unknown[];
  #paused: boolean;
  /**
   * Sees each message first and keeps the ones it returns true for (the engine's own methods
   * on the manager channel); the rest go to the receiver.
   */
  intercept: ((value: unknown) => boolean) | undefined;

  constructor(pipe: PipeChannels, prefix: string) {
    super();
    this.intercept = undefined;
    this.#pipe = pipe;
    this.#prefix = prefix;
    this.#held = [];
    this.#paused = false;
  }

  protected override opened(): void {
    this.#flush();
  }

  /** @internal A message read from the pipe for this channel. */
  deliver(value: unknown): void {
    if (this.receiver === undefined || this.#paused || this.#held.length > 0) {
      if (this.state !== 'closed') this.#held.push(value);
      return;
    }
    this.#receive(value);
  }

  #receive(value: unknown): void {
    if (this.intercept?.(value) !== true) this.receiver?.onMessage(value);
  }

  /** @internal A frame of this channel that is not JSON, or too large (then `peek` says whose). */
  frameError(error: Error, peek?: MessagePeek): void {
    this.receiver?.onFrameError(error, peek);
  }

  /** @internal The pipe ended or broke. */
  ended(error?: Error): void {
    this.#flush();
    const receiver = this.receiver;
    if (error === undefined && receiver?.onInputEnd !== undefined) receiver.onInputEnd();
    else this.finish(error);
  }

  /** @internal Writes may resume. */
  drained(): void {
    this.receiver?.onDrain?.();
  }

  #flush(): void {
    while (this.receiver !== undefined && !this.#paused && this.#held.length > 0) this.#receive(this.#held.shift());
  }

  send(message: JsonRpcMessage, relatedRequestId?: RequestId): boolean {
    if (this.state === 'closed') return false;
    // Only questions carry the tie: notifications of a call name it already (progress tokens).
    if ('method' in message && 'id' in message) return this.#pipe.write(this.#prefix, withRelatedRequest(message, relatedRequestId));
    return this.#pipe.write(this.#prefix, message);
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#flush();
  }

  async close(): Promise<void> {
    this.#held.length = 0;
    this.finish();
  }
}

/**
 * @example
 * const pipe = new PipeChannels(process.stdin, process.stdout);
 * const start = JSON.parse(await pipe.firstLine());
 * new ServerConnection(server, pipe.manager).start();
 * await client.connect(pipe.tools);
 */
export class PipeChannels implements FrameSink {
  readonly manager: PipeChannel;
  readonly tools: PipeChannel;
  readonly #input: Readable;
  readonly #output: Writable;
  readonly #decoder: NdjsonDecoder;
  #first: { resolve(line: string): void; reject(error: Error): void } | undefined;
  readonly #firstLine: Promise<string>;
  /** What the channels wrote in this turn, or while an input chunk was handled: one write. */
  readonly #writes: JoinedWrites;

  constructor(input: Readable, output: Writable, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {
    this.manager = new PipeChannel(this, '');
    this.tools = new PipeChannel(this, TOOLS_CHANNEL_PREFIX);
    this.#input = input;
    this.#output = output;
    this.#decoder = new NdjsonDecoder(maxMessageBytes);
    this.#writes = new JoinedWrites(output);
    this.#firstLine = new Promise((resolve, reject) => (this.#first = { resolve, reject }));
    this.#firstLine.catch(() => undefined);
    input.on('data', (chunk: Buffer | string) => {
      try {
        this.#decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, this);
      } finally {
        this.#writes.write();
      }
    });
    input.on('end', () => {
      this.#decoder.end(this);
      this.#ended();
    });
    input.on('error', (error) => this.#ended(error));
    output.on('error', (error) => this.#ended(error));
    output.on('drain', () => {
      this.manager.drained();
      this.tools.drained();
    });
  }

  /** The largest line the engine reads; longer ones are refused with a frame error. */
  get maxMessageBytes(): number {
    return this.#decoder.maxMessageBytes;
  }

  /** The first line of the pipe (the start message); rejects if the pipe ends before one. */
  firstLine(): Promise<string> {
    return this.#firstLine;
  }

  /** Writes a line straight to the pipe, outside both channels (the engine's answer to the start message). */
  writeLine(text: string, written?: () => void): void {
    this.#writes.write();
    this.#output.write(`${text}\n`, written);
  }

  /**
   * @internal Messages written in one turn of the event loop go out in one system call, once
   * the turn's I/O callbacks have run (calls that arrive over HTTP each come in a callback of
   * their own, and one write each cost a quarter of the engine's time in the Python tool
   * benchmark).
   */
  write(prefix: string, message: JsonRpcMessage): boolean {
    return this.#writes.holdForTurn(prefix + encodeMessage(message) + '\n');
  }

  /** Writes what is held now (before the process exits: stdout to a pipe is written synchronously). */
  flush(): void {
    this.#writes.write();
  }

  line(text: string): void {
    if (this.#first !== undefined) {
      const first = this.#first;
      this.#first = undefined;
      first.resolve(text);
      return;
    }
    const lead = text.charCodeAt(0);
    if (lead === HASH) {
      if (text === '#end') this.manager.ended();
      else if (text.startsWith(CUT)) this.#relayedCut(text.slice(CUT.length));
      return;
    }
    const tools = lead === AT;
    const channel = tools ? this.tools : this.manager;
    let value: unknown;
    try {
      value = parseJson(tools ? text.slice(1) : text);
    } catch (error) {
      channel.frameError(error as Error);
      return;
    }
    channel.deliver(value);
  }

  /**
   * `#cut {"bytes","whole","head","tail"}`: a relay (`python -m mcp_core serve --stdio`) read a
   * line of its client's past this pipe's limit and dropped it, keeping its ends, so that it is
   * answered here as if it had come whole (under its id when its ends show it).
   */
  #relayedCut(text: string): void {
    let cut: unknown;
    try {
      cut = JSON.parse(text);
    } catch {
      return;
    }
    const { bytes, whole, head, tail } = (cut ?? {}) as Record<string, unknown>;
    if (typeof bytes === 'number' && typeof whole === 'boolean' && typeof head === 'string' && typeof tail === 'string') this.tooLarge({ bytes, whole, head, tail });
  }

  tooLarge(message: CutMessage): void {
    // The line's first character says which channel the message was for.
    const tools = message.head.charCodeAt(0) === AT;
    const channel = tools ? this.tools : this.manager;
    channel.frameError(messageTooLarge(message, this.#decoder.maxMessageBytes), peekMessage(tools ? message.head.slice(1) : message.head, message.tail));
  }

  #ended(error?: Error): void {
    this.#first?.reject(error ?? new Error('the pipe closed before the start message'));
    this.#first = undefined;
    this.manager.ended(error);
    this.tools.ended(error);
  }
}
