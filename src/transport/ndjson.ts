/**
 * Newline-delimited JSON framing (the stdio binding's wire format).
 *
 * Linear in message size: each byte is scanned for a newline once, and a message split over
 * many chunks is joined with a single concat when its newline arrives. A 10 MB message costs
 * ten times a 1 MB one, not a hundred.
 */

import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Default ceiling on one message: generous, since stdio peers are local and trusted more. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** How many bytes of each end of a too-large message are kept: enough for its id and method. */
const END_BYTES = 1024;

/** A message past the limit, discarded: its size and its two ends (see message-peek.ts). */
export interface CutMessage {
  /** Its size in bytes; a lower bound when the input ended before the message did. */
  readonly bytes: number;
  /** Whether the message ended (a newline came): `bytes` is then exact. */
  readonly whole: boolean;
  readonly head: string;
  readonly tail: string;
}

export interface FrameSink {
  /** Called before the lines of one chunk, with how many end in it (at least one). */
  frames?(count: number): void;
  line(text: string): void;
  /**
   * A message exceeded the limit; its bytes were discarded. Called once the message ended (at
   * its newline, or the input's end), so that its last bytes can tell whose it was.
   */
  tooLarge(message: CutMessage): void;
}

/** The local error a discarded message stands for. */
export function messageTooLarge(message: CutMessage, limit: number): McpLocalError {
  const size = message.whole ? `${message.bytes}` : `at least ${message.bytes}`;
  return new McpLocalError(LocalErrorCode.MessageTooLarge, `Message of ${size} bytes exceeds the limit of ${limit} bytes`);
}

/** The ends of a message being discarded: its first bytes, and its last bytes so far. */
class Cut {
  readonly head: Buffer;
  tail: Buffer;
  bytes: number;

  constructor(pieces: readonly Buffer[]) {
    const first: Buffer[] = [];
    let kept = 0;
    for (const piece of pieces) {
      if (kept === END_BYTES) break;
      first.push(piece.subarray(0, END_BYTES - kept));
      kept += first[first.length - 1].length;
    }
    // Copies (as is the tail): a slice would keep the large chunk it came from alive.
    this.head = Buffer.concat(first);
    this.tail = Buffer.alloc(0);
    this.bytes = 0;
    for (const piece of pieces) this.add(piece);
  }

  add(piece: Buffer): void {
    this.bytes += piece.length;
    if (piece.length >= END_BYTES) this.tail = Buffer.from(piece.subarray(piece.length - END_BYTES));
    else if (piece.length > 0) this.tail = Buffer.concat([this.tail, piece]).subarray(-END_BYTES);
  }

  message(whole: boolean): CutMessage {
    return { bytes: this.bytes, whole, head: this.head.toString('utf8'), tail: this.tail.toString('utf8') };
  }
}

export class NdjsonDecoder {
  readonly maxMessageBytes: number;
  #chunks: Buffer[];
  #size: number;
  /** Set while discarding the rest of an oversized message. */
  #cut: Cut | undefined;

  constructor(maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {
    this.maxMessageBytes = maxMessageBytes;
    this.#chunks = [];
    this.#size = 0;
    this.#cut = undefined;
  }

  push(chunk: Buffer, sink: FrameSink): void {
    // One scan finds every newline; the sink hears how many frames end here before the first.
    const newlines: number[] = [];
    let newline = chunk.indexOf(NEWLINE);
    while (newline !== -1) {
      newlines.push(newline);
      newline = chunk.indexOf(NEWLINE, newline + 1);
    }
    if (newlines.length > 0) sink.frames?.(newlines.length);
    let start = 0;
    for (let i = 0; i < newlines.length; i++) {
      const end = newlines[i];
      const cut = this.#cut;
      if (cut !== undefined) {
        this.#cut = undefined;
        cut.add(chunk.subarray(start, end));
        sink.tooLarge(cut.message(true));
      } else {
        this.#emit(chunk, start, end, sink);
      }
      start = end + 1;
    }
    this.#keep(chunk, start);
  }

  /** The input ended: a buffered message without its final newline is emitted as a line. */
  end(sink: FrameSink): void {
    const cut = this.#cut;
    if (cut !== undefined) {
      this.#cut = undefined;
      sink.tooLarge(cut.message(false));
      return;
    }
    if (this.#size === 0) return;
    const rest = Buffer.concat(this.#chunks, this.#size);
    this.#chunks = [];
    this.#size = 0;
    this.#emit(rest, 0, rest.length, sink);
  }

  /** Whether a partial message is buffered (e.g. the peer closed mid-message). */
  get pending(): boolean {
    return this.#size > 0;
  }

  #keep(chunk: Buffer, start: number): void {
    const rest = chunk.length - start;
    if (rest === 0) return;
    const piece = start === 0 ? chunk : chunk.subarray(start);
    if (this.#cut !== undefined) {
      this.#cut.add(piece);
      return;
    }
    if (this.#size + rest > this.maxMessageBytes) {
      this.#chunks.push(piece);
      this.#cut = new Cut(this.#chunks);
      this.#chunks = [];
      this.#size = 0;
      return;
    }
    this.#chunks.push(piece);
    this.#size += rest;
  }

  #emit(chunk: Buffer, start: number, end: number, sink: FrameSink): void {
    const size = this.#size + (end - start);
    if (size > this.maxMessageBytes) {
      this.#chunks.push(chunk.subarray(start, end));
      const cut = new Cut(this.#chunks);
      this.#chunks = [];
      this.#size = 0;
      sink.tooLarge(cut.message(true));
      return;
    }
    let line: Buffer;
    if (this.#chunks.length === 0) {
      // The whole line is in this chunk (the common case): decoded in place, no Buffer made for it.
      line = chunk;
    } else {
      this.#chunks.push(chunk.subarray(start, end));
      line = Buffer.concat(this.#chunks, size);
      this.#chunks = [];
      this.#size = 0;
      start = 0;
      end = line.length;
    }
    if (end > start && line[end - 1] === CARRIAGE_RETURN) end--;
    if (end === start) return;
    sink.line(line.toString('utf8', start, end));
  }
}
