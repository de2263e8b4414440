/**
 * Structured logs with pino, on stderr by default (under stdio, stdout carries only MCP).
 * Every line written while a request is being served carries that request's `requestId` and
 * `traceId` (see request-log.ts); the server's own notices (unexpected errors, failures of
 * background work) are written here too once {@link logErrors} is on.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Cluster } from 'node:cluster';
import { createRequire } from 'node:module';
import type { DestinationStream, Logger, LoggerOptions } from 'pino';
import { errorChannel, type ErrorReport } from '../protocol/error-report.ts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggingOptions {
  /** Least severe level written. Default `warn`. */
  level?: LogLevel;
  /** `auto` (default): pretty when the destination is a terminal, JSON otherwise. */
  format?: 'auto' | 'json' | 'pretty';
  /** A file descriptor (default 2, stderr) or a stream to write to. */
  destination?: number | NodeJS.WritableStream;
}

/** What the lines of one request carry; set by the request log for the request's duration. */
export interface LogFields {
  requestId: string;
  traceId: string;
}

/** The fields of the request being served, read by the logger on every line. */
export const logContext = new AsyncLocalStorage<{ fields(): LogFields }>();

/**
 * Lines are handed to the destination in batches of about this many characters, or
 * {@link BATCH_MS} after the first one waiting, whichever comes first.
 */
const BATCH_CHARS = 8 * 1024;
const BATCH_MS = 25;
/**
 * A write of at most PIPE_BUF (4,096 bytes on Linux) to a pipe is atomic (POSIX `write`). The
 * workers of `--workers` share the primary's stderr, so there batches and the destination's own
 * writes stay within it and one worker's lines never split another's. Batches are counted in
 * characters: only lines of non-ASCII text could take one past it.
 */
const SHARED_WRITE_BYTES = 4096;

const load = createRequire(import.meta.url);

/**
 * The request's ids for a line (pino's `mixin`), so that a pino logger of your own carries them
 * too: `pino({ mixin: logMixin })`. A new object each time: pino merges the line's own fields
 * into what the mixin returns.
 */
export function logMixin(): object {
  const store = logContext.getStore();
  if (store === undefined) return {};
  const { requestId, traceId } = store.fields();
  return { requestId, traceId };
}

/**
 * @example
 * const logger = createLogger({ level: 'info' });
 * logger.info({ tool: 'forecast' }, 'registered');
 */
export function createLogger(options: LoggingOptions = {}): Logger {
  const pino = load('pino') as typeof import('pino');
  const destination = options.destination ?? 2;
  const pretty = options.format === 'pretty' || (options.format !== 'json' && isTerminal(destination));
  const settings: LoggerOptions = { level: options.level ?? 'warn', mixin: logMixin, base: { pid: process.pid } };
  let stream: DestinationStream | NodeJS.WritableStream;
  if (pretty) {
    const prettyStream = load('pino-pretty') as typeof import('pino-pretty').build;
    stream = prettyStream({ destination, sync: true, colorize: isTerminal(destination) });
  } else if (typeof destination === 'number') {
    // One synchronous write per batch, as Node writes stderr to pipes and files: nothing is
    // ever in flight, so a process that ends loses no line (an asynchronous write still
    // waiting on a full pipe dies with the process). What is held is written when the process
    // exits (see LineBatcher), and by flushLogs().
    // node:cluster is read here, not imported: importing it costs a stdio server's start
    // several milliseconds (it loads child_process and net).
    const maxWrite = (process.getBuiltinModule('node:cluster') as unknown as Cluster).isWorker ? SHARED_WRITE_BYTES : undefined;
    stream = new LineBatcher(pino.destination({ dest: destination, sync: true, maxWrite }), maxWrite ?? BATCH_CHARS);
  } else {
    stream = destination;
  }
  const logger = pino.default(settings, stream as DestinationStream);
  const target = stream;
  ownFormat.set(logger, target instanceof LineBatcher ? (line) => target.append(line) : (line) => (target as { write(text: string): unknown }).write(line));
  return logger;
}

/**
 * Loggers made by createLogger, and how to write a finished line to each. Their format is
 * fixed (pino's, with `pid` as the only base field and the request mixin), so a line can be
 * serialized ahead of pino where that is measurably cheaper: the request log does it.
 */
const ownFormat = new WeakMap<Logger, (line: string) => void>();

/** Writes a complete JSON line (newline included) to the logger's destination, if it is one of ours. */
export function lineWriter(logger: Logger): ((line: string) => void) | undefined {
  return ownFormat.get(logger);
}

/** What of pino's SonicBoom destination the batcher uses. */
interface SonicBoomLike {
  write(text: string): boolean;
  flush(callback: (error?: Error) => void): void;
  flushSync(): void;
}

/** pino's `symbols.needsMetadataGsym`, a global symbol: read without loading pino. */
const PINO_METADATA = Symbol.for('pino.metadata');
/** pino's level number of `warn`. */
const URGENT_LEVEL = 40;

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
 * Gathers whole lines and hands them to the destination up to 8 KiB at a time (4 KiB in a
 * worker of `--workers`: see SHARED_WRITE_BYTES), or 25 ms after the first one waiting, or at
 * once with a line of level warn or above (see PINO_METADATA): every write to a file descriptor
 * costs the event loop several microseconds, and SonicBoom measures its whole pending buffer
 * at each (see docs/ARCHITECTURE.md for what it saves). Lines stay whole and in order; the
 * process's `exit` event (process.exit(), the end of the event loop, an uncaught exception)
 * writes what is held, as pino's own exit handler does for SonicBoom's buffer.
 */
class LineBatcher {
  /**
   * Asks pino to set {@link lastLevel} (and its other `last*` fields) before each write, as it
   * does for its multistream: lines of level warn and above are written at once, with what
   * waits before them. They are few, and an operator (or a supervisor reading the output)
   * should see a shutdown notice or an error when it happens, even if the process is then
   * killed.
   */
  readonly [PINO_METADATA] = true;
  lastLevel = 0;
  readonly #destination: SonicBoomLike;
  readonly #limit: number;
  #parts: string[];
  #size: number;
  #timer: NodeJS.Timeout | undefined;
  readonly #pass: () => void;

  /** `limit`: the characters a batch may hold (a longer line goes alone). */
  constructor(destination: SonicBoomLike, limit: number) {
    this.#destination = destination;
    this.#limit = limit;
    this.#parts = [];
    this.#size = 0;
    this.#timer = undefined;
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
    this.append(line);
    if (this.lastLevel >= URGENT_LEVEL) this.#passOn();
    return true;
  }

  /** A line to batch, whatever its level (the request log's, always `info`). */
  append(line: string): void {
    if (this.#size + line.length > this.#limit) this.#passOn();
    this.#parts.push(line);
    this.#size += line.length;
    if (this.#size >= this.#limit) this.#passOn();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(this.#pass, BATCH_MS);
      // Held lines never keep the process alive: the exit event writes them.
      this.#timer.unref();
    }
  }

  /** pino's logger.flush(callback): what is held, then the destination's own buffer. */
  flush(callback: (error?: Error) => void): void {
    this.#passOn();
    this.#destination.flush(callback);
  }

  flushSync(): void {
    this.#passOn();
    this.#destination.flushSync();
  }

  #passOn(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const parts = this.#parts;
    if (parts.length === 0) return;
    this.#parts = [];
    this.#size = 0;
    this.#destination.write(parts.length === 1 ? parts[0] : parts.join(''));
  }
}

function isTerminal(destination: number | NodeJS.WritableStream): boolean {
  if (destination === 2) return process.stderr.isTTY === true;
  if (destination === 1) return process.stdout.isTTY === true;
  return typeof destination === 'object' && (destination as { isTTY?: boolean }).isTTY === true;
}

/** Writes what is still buffered; call before the process exits. */
export function flushLogs(logger: Logger): void {
  const pino = load('pino') as typeof import('pino');
  const stream = (logger as unknown as Record<symbol, { flushSync?: () => void } | undefined>)[pino.symbols.streamSym];
  try {
    stream?.flushSync?.();
  } catch {
    // Nothing can be done about a destination that is gone; the process is exiting.
  }
}

/**
 * Writes the errors reported on the `mcp-core:error` channel (unexpected handler failures,
 * background work that failed) as `error` lines; `logger` may be a function that makes the
 * logger on first need. Returns the way to stop.
 */
export function logErrors(logger: Logger | (() => Logger)): () => void {
  const onReport = (message: unknown) => {
    const { error, method, operation } = message as ErrorReport;
    (typeof logger === 'function' ? (logger as () => Logger)() : logger).error({ err: error, method, operation }, 'unexpected error');
  };
  errorChannel.subscribe(onReport);
  return () => errorChannel.unsubscribe(onReport);
}
