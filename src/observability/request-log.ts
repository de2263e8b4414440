/**
 * One `info` line per request served, and the request's ids on every line written while it
 * is served, fed by the `mcp-core:dispatch` diagnostics channel: with the logger above `info`
 * nothing subscribes, and requests pay nothing.
 *
 * A line looks like:
 * {"level":30,"time":1767225600000,"pid":7,"requestId":"k3f9a1-1","traceId":"0af7651916cd43dd8448eb211c80319c",
 *  "method":"tools/call","tool":"echo","era":"modern","outcome":"ok","durationMs":0.21,"id":1,"msg":"request"}
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { dispatchChannel, whenSettled, type DispatchMessage } from '../server/diagnostics.ts';
import { lineWriter, logContext, type LogFields } from './logger.ts';
import { errorCodeOf, eraOf, methodLabel, outcomeIndex, outcomeOf, OUTCOMES, toolLabel } from './request-facts.ts';
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
  /** The request id's counter, in decimal (a radix conversion costs three times as much). */
  readonly counter: string;
  #traceId: string | undefined;

  constructor(message: DispatchMessage) {
    this.message = message;
    this.counter = `${++counter}`;
    this.#traceId = undefined;
  }

  get requestId(): string {
    return PREFIX + this.counter;
  }

  get traceId(): string {
    return (this.#traceId ??= this.#newTraceId());
  }

  fields(): LogFields {
    return this;
  }

  /** The request was logged: keeps its ids (the trace id read now, while the request is here) and drops the rest. */
  letGo(): void {
    this.#traceId ??= this.#newTraceId();
    this.message = undefined;
  }

  #newTraceId(): string {
    // Only read while the request is held: letGo resolves the trace id first.
    const message = this.message!;
    const span = (message as unknown as Record<symbol, SpanIds | undefined>)[SPAN];
    if (span !== undefined) return span.spanContext().traceId;
    return traceIdFromMeta(message.request.params?._meta) ?? newTraceId(this.counter);
  }
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
const ERA_INDEX = { modern: 0, legacy: 1 } as const;

/**
 * The text between the trace id and the duration, by method label, then era and outcome:
 * `","method":"tools/call","era":"modern","outcome":"ok","durationMs":`. A line is built from
 * a dozen pieces instead of two dozen: every piece of a string built by `+` is an object of its
 * own until the line is written, and the request line is built for every request.
 */
const middles = new Map<string, string[]>();

function middle(method: string, era: 'modern' | 'legacy', outcome: number): string {
  let texts = middles.get(method);
  if (texts === undefined) middles.set(method, (texts = []));
  const index = ERA_INDEX[era] * OUTCOMES.length + outcome;
  return (texts[index] ??= `","method":${quote(method)},"era":"${era}","outcome":"${OUTCOMES[outcome]}","durationMs":`);
}

/** The end of a line with a tool and nothing more to say (the common case), by tool label. */
const toolEnds = new Map<string, string>();
const END = ',"msg":"request"}\n';

function toolEnd(tool: string): string {
  let text = toolEnds.get(tool);
  if (text === undefined) toolEnds.set(tool, (text = `,"tool":${quote(tool)}${END}`));
  return text;
}

/**
 * The request line as pino would write it for a logger of createLogger's (level, time, pid,
 * the mixin's ids, the fields, msg), serialized directly: a quarter of the cost of going
 * through pino's generic serializer, on the one line written for every request.
 */
function requestLine(message: DispatchMessage, context: RequestLogContext): string {
  const { server, request, exchange, result } = message;
  const id = request.id;
  const tool = toolLabel(server, request);
  const code = errorCodeOf(result);
  const subject = exchange.auth?.subject;
  let end: string;
  if (code === undefined && typeof subject !== 'string') end = tool === '' ? END : toolEnd(tool);
  else {
    end = tool === '' ? '' : `,"tool":${quote(tool)}`;
    if (code !== undefined) end += `,"code":${code}`;
    if (typeof subject === 'string') end += `,"principal":${terminalJson(JSON.stringify(subject))}`;
    end += END;
  }
  return `{"level":30,"time":${timeText()}${PID_AND_ID_PREFIX}${context.counter}","traceId":"${context.traceId}${middle(
    methodLabel(server, request),
    eraOf(exchange),
    outcomeIndex(result),
  )}${durationText(message)},"id":${typeof id === 'number' ? id : terminalJson(JSON.stringify(clipId(id)))}${end}`;
}

let lastTime = 0;
let lastTimeText = '0';

/**
 * `Date.now()` as text, made once per millisecond: the time is past what V8 holds as a small
 * integer, and a larger number's text costs as much as a fraction's, on every request's line.
 */
function timeText(): string {
  const now = Date.now();
  if (now !== lastTime) {
    lastTime = now;
    lastTimeText = `${now}`;
  }
  return lastTimeText;
}

/** The request's duration in milliseconds, to the microsecond. */
function durationMs(message: DispatchMessage): number {
  return Math.round((message.settledAt - message.startedAt) * 1000) / 1000;
}

/** The request's duration as its line writes it: {@link durationMs}'s JSON. */
function durationText(message: DispatchMessage): string {
  return millisecondsText(Math.round((message.settledAt - message.startedAt) * 1000));
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
  const writeLine = lineWriter(logger);
  const write = (message: DispatchMessage) => {
    const store = logContext.getStore();
    const context = store instanceof RequestLogContext && store.message === message ? store : undefined;
    if (writeLine !== undefined && context !== undefined) {
      writeLine(requestLine(message, context));
      context.letGo();
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
  };
}
