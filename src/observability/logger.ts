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
import { LineBatcher } from './line-batcher.ts';
import { terminalJson, terminalLine } from '../protocol/terminal-text.ts';

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
 * The bytes of log lines written at once, at most (see line-batcher.ts): about a hundred
 * request lines a write. Half a pipe's default 64 KiB, so a reader that keeps up leaves room
 * for a whole batch; 8 KiB wrote four times as often, a fifth of the logs' cost.
 */
const BATCH_BYTES = 32 * 1024;
/**
 * A write of at most PIPE_BUF (4,096 bytes on Linux) to a pipe is atomic (POSIX `write`). The
 * workers of `--workers` share the primary's stderr, so there batches stay within it and one
 * worker's lines never split another's (a single line longer than that goes alone).
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
  // Pretty lines are made from the JSON ones; JSON lines get what JSON.stringify leaves raw
  // and a terminal obeys escaped (see terminal-text.ts). The request log's lines skip that:
  // their only values not of the server's making are escaped where they are written.
  const format = pretty ? prettyLines(isTerminal(destination)) : terminalJson;
  let stream: DestinationStream;
  /** How a line serialized ahead of pino (the request log's) is written. */
  let sink: LineSink;
  if (typeof destination === 'number') {
    // Batched, written synchronously (see line-batcher.ts). node:cluster is read here, not
    // imported: importing it costs a stdio server's start several milliseconds (it loads
    // child_process and net).
    const worker = (process.getBuiltinModule('node:cluster') as unknown as Cluster).isWorker;
    const batcher = new LineBatcher(destination, worker ? SHARED_WRITE_BYTES : BATCH_BYTES, format);
    if (destination === 2) keepFatalError();
    stream = batcher as unknown as DestinationStream;
    sink = { write: pretty ? (line) => batcher.append(format(line)) : (line) => batcher.append(line), batcher };
  } else {
    // pino's own calls on a stream (flushSync by flushLogs, flush) still reach it.
    const target = destination as NodeJS.WritableStream & { flushSync?: () => void; flush?: (callback?: (error?: Error) => void) => void };
    const write = (line: string) => target.write(format(line));
    stream = {
      write,
      flushSync: () => target.flushSync?.(),
      flush: (callback?: (error?: Error) => void) => (target.flush === undefined ? callback?.() : target.flush(callback)),
    } as unknown as DestinationStream;
    sink = { write, batcher: undefined };
  }
  const logger = pino.default(settings, stream);
  ownFormat.set(logger, sink);
  return logger;
}

/**
 * pino-pretty's lines, safe for a terminal. pino-pretty drops control characters from the
 * message but keeps newlines, so a peer's text in a message (an upstream's error) could start
 * a line that passes for a record of ours: the message is written on one line, its control
 * characters shown escaped. Fields are written as JSON, stacks indented under their record;
 * what either leaves raw (C1, bidirectional controls) is escaped in the finished text, which
 * holds no such character of pino-pretty's own (its colours are ESC sequences, C0).
 */
function prettyLines(colorize: boolean): (line: string) => string {
  const { prettyFactory } = load('pino-pretty') as typeof import('pino-pretty');
  const prettify = prettyFactory({
    colorize,
    messageFormat: (log, messageKey) => {
      const message = log[messageKey];
      return typeof message === 'string' ? terminalLine(message) : '';
    },
  });
  return (line) => terminalJson(prettify(line));
}

/**
 * Loggers made by createLogger, and how to write a finished line to each. Their format is
 * fixed (pino's, with `pid` as the only base field and the request mixin), so a line can be
 * serialized ahead of pino where that is measurably cheaper: the request log does it.
 */
const ownFormat = new WeakMap<Logger, LineSink>();

/** Where lines serialized ahead of pino go, for a logger of createLogger's. */
export interface LineSink {
  /** Writes a complete JSON line (newline included) to the logger's destination. */
  write(line: string): void;
  /** The batch lines go through on a file descriptor (where they may be made late), else undefined. */
  readonly batcher: LineBatcher | undefined;
}

/** The logger's line sink, if it is one of ours. */
export function lineSink(logger: Logger): LineSink | undefined {
  return ownFormat.get(logger);
}

let keepingFatalError = false;

/**
 * Once process.stderr exists, its file descriptor is non-blocking (a pipe, as to a log
 * collector), and the error Node prints when an uncaught exception ends the process is lost
 * whenever the pipe is full, which a reader lagging behind the log lines makes likely. Just
 * before Node prints it, the descriptor is made blocking again: the print waits for room, as
 * every log line does.
 */
function keepFatalError(): void {
  if (keepingFatalError) return;
  keepingFatalError = true;
  process.on('uncaughtExceptionMonitor', () => {
    (process.stderr as unknown as { _handle?: { setBlocking?: (blocking: boolean) => unknown } })._handle?.setBlocking?.(true);
  });
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
