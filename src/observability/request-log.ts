/**
 * One `info` line per request served, and the request's ids on every line written while it
 * is served, fed by the `mcp-core:dispatch` diagnostics channel: with the logger above `info`
 * nothing subscribes, and requests pay nothing.
 *
 * A line looks like:
 * {"level":30,"time":1767225600000,"pid":7,"requestId":"k3f9a1-1","traceId":"0af7651916cd43dd8448eb211c80319c",
 *  "method":"tools/call","tool":"echo","era":"modern","outcome":"ok","durationMs":0.21,"id":1,"msg":"request"}
 *
 * On a file descriptor (the CLI's stderr), a request's line is made late: when the request
 * settles, what its line will say is copied into a table of pending lines (numbers, and
 * strings the request already had), and the lines are made together when the batch they join
 * is written (line-batcher.ts), or when 128 are waiting. Serving a request then runs none of
 * the line's code: made one after another, the lines cost less than made each between two
 * requests' parsing and writing (docs/ARCHITECTURE.md has the figures). A destination stream
 * gets each line at once.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { dispatchChannel, whenSettled, type DispatchMessage } from '../server/diagnostics.ts';
import { lineSink, logContext, type LineSink, type LogFields } from './logger.ts';
import type { LineBatcher } from './line-batcher.ts';
import { errorCodeOf, eraIndex, eraOf, ERAS, methodLabel, outcomeIndex, outcomeOf, OUTCOMES, toolLabel } from './request-facts.ts';
import { terminalJson } from '../protocol/terminal-text.ts';
import { newTraceId, SPAN, traceIdFromMeta, type SpanIds } from './trace-ids.ts';

/** Request ids: this process's prefix (unique across workers and restarts), then a counter. */
const PREFIX = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}-`;
let counter = 0;

/** Client-chosen ids are cut to this length in log lines. */
const MAX_ID_LENGTH = 128;

/**
 * A request's log fields, resolved on the first line that needs them (by then its span
 * exists, if tracing is on). The request id is this process's prefix and a counter.
 *
 * The context outlives its request in whatever the request started and left running (a
 * task's work, an upstream call waiting for the caller's answer, a timer): each keeps the
 * async context it was started in, with this value. So once the request's line is written,
 * the context lets go of the request (its message, and through it the exchange, the HTTP
 * request with its headers, the response and the socket), keeping only its ids.
 */
class RequestLogContext implements LogFields {
  /** The request, until its line is written. */
  message: DispatchMessage | undefined;
  /** The request id's counter. */
  readonly counter: number;
  /** The span's or the client's trace id; '' when there is neither (one is made from the counter). */
  #givenTraceId: string | undefined;

  constructor(message: DispatchMessage) {
    this.message = message;
    this.counter = ++counter;
    this.#givenTraceId = undefined;
  }

  get requestId(): string {
    return PREFIX + this.counter;
  }

  get traceId(): string {
    // Only undefined while the request is held: letGo resolves it first.
    const given = (this.#givenTraceId ??= givenTraceId(this.message!));
    return given === '' ? newTraceId(`${this.counter}`) : given;
  }

  fields(): LogFields {
    return this;
  }

  /**
   * The request was logged: keeps its ids (the given trace id read now, while the request is
   * here) and drops the rest. Returns the given trace id ('' for none).
   */
  letGo(): string {
    const given = (this.#givenTraceId ??= givenTraceId(this.message!));
    this.message = undefined;
    return given;
  }
}

/** The request's span's trace id, else the one its client sent, else ''. */
function givenTraceId(message: DispatchMessage): string {
  const span = (message as unknown as Record<symbol, SpanIds | undefined>)[SPAN];
  if (span !== undefined) return span.spanContext().traceId;
  return traceIdFromMeta(message.request.params?._meta) ?? '';
}

/** JSON strings of labels (a bounded set: known methods and tools), made once each. */
const quoted = new Map<string, string>();

function quote(label: string): string {
  let text = quoted.get(label);
  if (text === undefined) quoted.set(label, (text = JSON.stringify(label)));
  return text;
}

/** `,"pid":…,"requestId":"<prefix>`: what follows the time on every line, up to the request's counter. */
const PID_AND_ID_PREFIX = `,"pid":${process.pid},"requestId":"${PREFIX}`;

/**
 * The text between the trace id and the duration, by method label, then era and outcome:
 * `","method":"tools/call","era":"modern","outcome":"ok","durationMs":`. A line is built from
 * a dozen pieces instead of two dozen: every piece of a string built by `+` is an object of its
 * own until the line is written, and the request line is built for every request.
 */
const middles = new Map<string, string[]>();

function middle(method: string, era: number, outcome: number): string {
  let texts = middles.get(method);
  if (texts === undefined) middles.set(method, (texts = []));
  const index = era * OUTCOMES.length + outcome;
  return (texts[index] ??= `","method":${quote(method)},"era":"${ERAS[era]}","outcome":"${OUTCOMES[outcome]}","durationMs":`);
}

/** The end of a line with a tool and nothing more to say (the common case), by tool label. */
const toolEnds = new Map<string, string>();
const END = ',"msg":"request"}\n';

function toolEnd(tool: string): string {
  let text = toolEnds.get(tool);
  if (text === undefined) toolEnds.set(tool, (text = `,"tool":${quote(tool)}${END}`));
  return text;
}

/** Request lines waiting at most: about a 32 KiB batch of them. */
const PENDING_ROWS = 128;

/**
 * Request lines not made yet, one row each, with what each will say: taken when its request
 * settled, as numbers and strings the request already held (a string id's text, cut to 128
 * characters, is made then), so that a row allocates nothing for most requests and keeps
 * nothing else of the request. A line is made as pino would write it for a logger of
 * createLogger's (level, time, pid, the mixin's ids, the fields, msg), serialized directly: a
 * quarter of the cost of pino's generic serializer.
 */
class PendingLines {
  readonly #write: (line: string) => void;
  readonly #batcher: LineBatcher | undefined;
  readonly #makeLines: () => void;
  #size: number;
  readonly #counter: number[];
  /** The given trace id, '' for one made from the counter. */
  readonly #traceId: string[];
  readonly #method: string[];
  readonly #tool: string[];
  readonly #era: Uint8Array;
  readonly #outcome: Uint8Array;
  readonly #code: Array<number | undefined>;
  /** A number, or the JSON text of a string (cut to 128 characters, made now: a cut string keeps the whole). */
  readonly #id: Array<string | number>;
  readonly #subject: Array<string | undefined>;
  readonly #time: Float64Array;
  readonly #micros: Float64Array;

  constructor(sink: LineSink) {
    this.#write = sink.write;
    this.#batcher = sink.batcher;
    this.#makeLines = () => this.make();
    this.#size = 0;
    this.#counter = new Array<number>(PENDING_ROWS).fill(0);
    this.#traceId = new Array<string>(PENDING_ROWS).fill('');
    this.#method = new Array<string>(PENDING_ROWS).fill('');
    this.#tool = new Array<string>(PENDING_ROWS).fill('');
    this.#era = new Uint8Array(PENDING_ROWS);
    this.#outcome = new Uint8Array(PENDING_ROWS);
    this.#code = new Array<number | undefined>(PENDING_ROWS).fill(undefined);
    this.#id = new Array<string | number>(PENDING_ROWS).fill(0);
    this.#subject = new Array<string | undefined>(PENDING_ROWS).fill(undefined);
    this.#time = new Float64Array(PENDING_ROWS);
    this.#micros = new Float64Array(PENDING_ROWS);
  }

  /** The request's line, made now without a batch, else when the batch is written. */
  add(message: DispatchMessage, context: RequestLogContext): void {
    const { server, request, exchange, result } = message;
    const row = this.#size++;
    this.#counter[row] = context.counter;
    this.#traceId[row] = context.letGo();
    this.#method[row] = methodLabel(server, request);
    this.#tool[row] = toolLabel(server, request);
    this.#era[row] = eraIndex(exchange);
    this.#outcome[row] = outcomeIndex(result);
    this.#code[row] = errorCodeOf(result);
    const id = request.id;
    this.#id[row] = typeof id === 'number' ? id : terminalJson(JSON.stringify(clipId(id)));
    const subject = exchange.auth?.subject;
    this.#subject[row] = typeof subject === 'string' ? subject : undefined;
    this.#time[row] = Date.now();
    this.#micros[row] = durationMicros(message);
    if (this.#batcher === undefined || this.#size === PENDING_ROWS) this.make();
    else if (row === 0) this.#batcher.defer(this.#makeLines);
  }

  /** Makes and writes the lines waiting. */
  make(): void {
    const size = this.#size;
    // Emptied first: a write that fills the batch makes the batcher ask for more lines.
    this.#size = 0;
    for (let row = 0; row < size; row++) {
      this.#write(this.#line(row));
      // The client's strings are let go of.
      this.#id[row] = 0;
      this.#subject[row] = undefined;
    }
  }

  #line(row: number): string {
    const tool = this.#tool[row];
    const code = this.#code[row];
    const subject = this.#subject[row];
    const id = this.#id[row];
    let end: string;
    if (code === undefined && subject === undefined) end = tool === '' ? END : toolEnd(tool);
    else {
      end = tool === '' ? '' : `,"tool":${quote(tool)}`;
      if (code !== undefined) end += `,"code":${code}`;
      if (subject !== undefined) end += `,"principal":${terminalJson(JSON.stringify(subject))}`;
      end += END;
    }
    const counter = `${this.#counter[row]}`;
    const traceId = this.#traceId[row];
    return `{"level":30,"time":${timeText(this.#time[row])}${PID_AND_ID_PREFIX}${counter}","traceId":"${traceId === '' ? newTraceId(counter) : traceId}${middle(
      this.#method[row],
      this.#era[row],
      this.#outcome[row],
    )}${millisecondsText(this.#micros[row])},"id":${id}${end}`;
  }
}

let lastTime = 0;
let lastTimeText = '0';

/**
 * A `Date.now()` as text, made once per millisecond: the time is past what V8 holds as a small
 * integer, and a larger number's text costs as much as a fraction's, on every request's line.
 */
function timeText(time: number): string {
  if (time !== lastTime) {
    lastTime = time;
    lastTimeText = `${time}`;
  }
  return lastTimeText;
}

/** The request's duration in milliseconds, to the microsecond. */
function durationMs(message: DispatchMessage): number {
  return durationMicros(message) / 1000;
}

/** The request's duration in whole microseconds. */
function durationMicros(message: DispatchMessage): number {
  return Math.round((message.settledAt - message.startedAt) * 1000);
}

/**
 * `microseconds` in milliseconds as JSON writes the number (`JSON.stringify(microseconds /
 * 1000)`: "0.21", "3", "12.005"), made from whole numbers: writing a fraction's shortest form
 * costs several times more, on every request's line. `microseconds`: a whole number, >= 0.
 */
export function millisecondsText(microseconds: number): string {
  const ms = Math.floor(microseconds / 1000);
  const fraction = microseconds - ms * 1000;
  if (fraction === 0) return `${ms}`;
  if (fraction % 100 === 0) return `${ms}.${fraction / 100}`;
  if (fraction % 10 === 0) return `${ms}.${fraction < 100 ? '0' : ''}${fraction / 10}`;
  return `${ms}.${fraction < 10 ? '00' : fraction < 100 ? '0' : ''}${fraction}`;
}

function clipId(id: string | number): string | number {
  return typeof id === 'string' && id.length > MAX_ID_LENGTH ? `${id.slice(0, MAX_ID_LENGTH)}...` : id;
}

/**
 * Logs each request at `info` and gives the lines written while it is served its ids.
 * Returns the way to stop. Does nothing when `logger` is above `info`.
 *
 * @example
 * const stop = logRequests(createLogger({ level: 'info' }));
 */
export function logRequests(logger: Logger): () => void {
  if (!logger.isLevelEnabled('info')) return () => {};
  const sink = lineSink(logger);
  const pending = sink === undefined ? undefined : new PendingLines(sink);
  const write = (message: DispatchMessage) => {
    const store = logContext.getStore();
    const context = store instanceof RequestLogContext && store.message === message ? store : undefined;
    if (pending !== undefined && context !== undefined) {
      pending.add(message, context);
      return;
    }
    const { server, request, exchange, result } = message;
    const line: Record<string, unknown> = {
      method: methodLabel(server, request),
      era: eraOf(exchange),
      outcome: outcomeOf(result),
      durationMs: durationMs(message),
      id: clipId(request.id),
    };
    const tool = toolLabel(server, request);
    if (tool !== '') line.tool = tool;
    const code = errorCodeOf(result);
    if (code !== undefined) line.code = code;
    const subject = exchange.auth?.subject;
    if (subject !== undefined) line.principal = subject;
    logger.info(line, 'request');
    context?.letGo();
  };
  const subscribers = whenSettled(write);
  const transform = (message: DispatchMessage) => new RequestLogContext(message);
  dispatchChannel.start.bindStore(logContext, transform);
  dispatchChannel.subscribe(subscribers);
  return () => {
    dispatchChannel.unsubscribe(subscribers);
    dispatchChannel.start.unbindStore(logContext);
    pending?.make();
  };
}
