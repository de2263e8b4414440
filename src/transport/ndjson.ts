/**
 * Newline-delimited JSON framing (the stdio binding's wire format).
 *
 * Linear in message size: each byte is scanned for a newline once, and a message split over
 * many chunks is joined with a single concat when its newline arrives. A 10 MB message costs
 * ten times a 1 MB one, not a hundred.
 */

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Default ceiling on one message: generous, since stdio peers are local and trusted more. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface FrameSink {
  /** Called before the lines of one chunk, with how many end in it (at least one). */
  frames?(count: number): void;
  line(text: string): void;
  /** A message exceeded the limit; its bytes are being discarded up to the next newline. */
  tooLarge(bytes: number): void;
}

export class NdjsonDecoder {
  readonly maxMessageBytes: number;
  #chunks: Buffer[];
  #size: number;
  /** Set while discarding the rest of an oversized message. */
  #skipping: boolean;

  constructor(maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {
    this.maxMessageBytes = maxMessageBytes;
    this.#chunks = [];
    this.#size = 0;
    this.#skipping = false;
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
      if (this.#skipping) {
        this.#skipping = false;
      } else {
        this.#emit(chunk, start, end, sink);
      }
      start = end + 1;
    }
    this.#keep(chunk, start, sink);
  }

  /** The input ended: a buffered message without its final newline is emitted as a line. */
  end(sink: FrameSink): void {
    if (this.#skipping || this.#size === 0) {
      this.#skipping = false;
      return;
    }
    const rest = Buffer.concat(this.#chunks, this.#size);
    this.#chunks = [];
    this.#size = 0;
    this.#emit(rest, 0, rest.length, sink);
  }

  /** Whether a partial message is buffered (e.g. the peer closed mid-message). */
  get pending(): boolean {
    return this.#size > 0;
  }

  #keep(chunk: Buffer, start: number, sink: FrameSink): void {
    const rest = chunk.length - start;
    if (rest === 0 || this.#skipping) return;
    if (this.#size + rest > this.maxMessageBytes) {
      sink.tooLarge(this.#size + rest);
      this.#chunks = [];
      this.#size = 0;
      this.#skipping = true;
      return;
    }
    this.#chunks.push(start === 0 ? chunk : chunk.subarray(start));
    this.#size += rest;
  }

  #emit(chunk: Buffer, start: number, end: number, sink: FrameSink): void {
    let line: Buffer;
    const size = this.#size + (end - start);
    if (size > this.maxMessageBytes) {
      sink.tooLarge(size);
      this.#chunks = [];
      this.#size = 0;
      return;
    }
    if (this.#chunks.length === 0) {
      line = chunk.subarray(start, end);
    } else {
      this.#chunks.push(chunk.subarray(start, end));
      line = Buffer.concat(this.#chunks, size);
      this.#chunks = [];
      this.#size = 0;
    }
    let length = line.length;
    if (length > 0 && line[length - 1] === CARRIAGE_RETURN) length--;
    if (length === 0) return;
    sink.line(line.toString('utf8', 0, length));
  }
}
