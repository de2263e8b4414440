/**
 * Log lines for a file descriptor (stderr by default), gathered into a buffer of bytes and
 * written with one synchronous `write` per batch: a batch of up to 32 KiB (4 KiB in a worker of
 * `--workers`, see logger.ts), or what waits 25 ms after the first line, or at once with a line
 * of level warn or above. Every write to a file descriptor costs the event loop several
 * microseconds; each line is encoded once, straight into the batch (docs/ARCHITECTURE.md says
 * what both save).
 *
 * Lines may also be made late: a writer that {@link LineBatcher.defer}s gives a way to make its
 * lines, which the batcher calls before it takes any other line and before each write, so the
 * order of lines is the order they were logged in and none waits longer than a batch would.
 * The request log does this: a request's line is made with the lines of other requests, away
 * from serving it (request-log.ts says why).
 *
 * Writes are synchronous, as Node writes stderr to pipes and files: nothing is ever in flight,
 * so a process that ends loses no line (an asynchronous write still waiting on a full pipe dies
 * with the process), and a reader that stops reading holds the writer up rather than losing
 * lines. What is held is written on the process's `exit` event (process.exit(), the end of the
 * event loop, an uncaught exception), and by flushSync().
 */
import { writeSync } from 'node:fs';

/** How long after the first line waiting a batch is written, at the latest. */
const BATCH_MS = 25;
/** UTF-8 takes at most 3 bytes for one UTF-16 code unit (4 for a surrogate pair, 2 units). */
const MAX_BYTES_PER_UNIT = 3;
/** pino's `symbols.needsMetadataGsym`, a global symbol: read without loading pino. */
const PINO_METADATA = Symbol.for('pino.metadata');
/** pino's level number of `warn`. */
const URGENT_LEVEL = 40;

/** Waited on to sleep a millisecond while a non-blocking pipe is full (Atomics.wait never wakes early here). */
const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

/** Batchers holding lines, written out when the process exits (weakly held: a logger may be dropped). */
const holding = new Set<WeakRef<LineBatcher>>();
let exitHooked = false;

function flushAtExit(): void {
  for (const ref of holding) {
    try {
      ref.deref()?.flushSync();
    } catch {
      // Nothing can be done about a destination that is gone; the process is exiting.
    }
  }
}

/**
 * Writes `length` bytes of `bytes` whole. A full non-blocking pipe (EAGAIN) is waited on, a
 * millisecond at a time, as SonicBoom and Node's own stderr do; a destination that is gone
 * (EPIPE, EBADF: nobody reads any more) loses the batch, which nothing could deliver.
 */
function writeAll(fd: number, bytes: Uint8Array, length: number): void {
  let offset = 0;
  while (offset < length) {
    try {
      offset += writeSync(fd, bytes, offset, length - offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      Atomics.wait(SLEEPER, 0, 0, 1);
    }
  }
}

/**
 * A pino destination (`write`), and the request log's (`append`). Lines stay whole and in
 * order.
 *
 * @example
 * const batcher = new LineBatcher(2, 8192);
 * batcher.append('{"level":30,"msg":"request"}\n');
 * batcher.flushSync();
 */
export class LineBatcher {
  /**
   * Asks pino to set {@link lastLevel} (and its other `last*` fields) before each write, as it
   * does for its multistream: lines of level warn and above are written at once, with what
   * waits before them. They are few, and an operator (or a supervisor reading the output)
   * should see a shutdown notice or an error when it happens, even if the process is then
   * killed.
   */
  readonly [PINO_METADATA] = true;
  lastLevel = 0;
  readonly #fd: number;
  readonly #batch: Buffer;
  #size: number;
  #timer: NodeJS.Timeout | undefined;
  readonly #pass: () => void;
  /** What makes the lines deferred since the last write (see {@link defer}). */
  #deferred: Array<() => void>;
  readonly #format: ((line: string) => string) | undefined;

  /**
   * `limit`: the bytes a batch may hold, the most one write carries (a longer line goes alone).
   * `format`: what pino's lines become before they are batched (lines given to append are
   * batched as they are).
   */
  constructor(fd: number, limit: number, format?: (line: string) => string) {
    this.#fd = fd;
    this.#format = format;
    this.#batch = Buffer.allocUnsafeSlow(limit);
    this.#size = 0;
    this.#timer = undefined;
    this.#deferred = [];
    this.#pass = () => this.#passOn();
    for (const ref of holding) if (ref.deref() === undefined) holding.delete(ref);
    holding.add(new WeakRef(this));
    if (!exitHooked) {
      exitHooked = true;
      process.once('exit', flushAtExit);
    }
  }

  /** A line from pino, which set {@link lastLevel} first. */
  write(line: string): boolean {
    this.#makeDeferred();
    this.append(this.#format === undefined ? line : this.#format(line));
    if (this.lastLevel >= URGENT_LEVEL) this.#passOn();
    return true;
  }

  /** A line to batch, whatever its level (the request log's, always `info`). */
  append(line: string): void {
    const batch = this.#batch;
    // Room for the line's longest encoding, so that it is never cut.
    if (this.#size + line.length * MAX_BYTES_PER_UNIT > batch.length) {
      this.#passOn();
      if (line.length * MAX_BYTES_PER_UNIT > batch.length) {
        const bytes = Buffer.from(line);
        writeAll(this.#fd, bytes, bytes.length);
        return;
      }
    }
    this.#size += batch.write(line, this.#size);
    this.#passLater();
  }

  /**
   * Lines are waiting to be made: `make` appends them (with {@link append}). It is called once,
   * before the next line is taken from pino and before the next write, which is within
   * BATCH_MS; defer again for lines that wait after that.
   */
  defer(make: () => void): void {
    if (!this.#deferred.includes(make)) this.#deferred.push(make);
    this.#passLater();
  }

  /** pino's logger.flush(callback). */
  flush(callback?: (error?: Error) => void): void {
    this.#passOn();
    if (callback !== undefined) process.nextTick(callback);
  }

  flushSync(): void {
    this.#passOn();
  }

  #passLater(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(this.#pass, BATCH_MS);
    // Held lines never keep the process alive: the exit event writes them.
    this.#timer.unref();
  }

  #makeDeferred(): void {
    if (this.#deferred.length === 0) return;
    const makers = this.#deferred;
    this.#deferred = [];
    for (const make of makers) make();
  }

  #passOn(): void {
    // The deferred lines go first; a batch they fill is written by append, which lands here
    // again with nothing left to make.
    this.#makeDeferred();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const size = this.#size;
    if (size === 0) return;
    this.#size = 0;
    writeAll(this.#fd, this.#batch, size);
  }
}
