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
import { errorCodeOf, eraOf, outcomeOf, toolLabel, UNKNOWN } from './request-facts.ts';
import { newTraceId, SPAN, traceIdFromMeta, type SpanIds } from './trace-ids.ts';

/** Request ids: this process's prefix (unique across workers and restarts), then a counter. */
const PREFIX = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}-`;
let counter = 0;

/** Client-chosen ids are cut to this length in log lines. */
const MAX_ID_LENGTH = 128;

/** A request's log fields, resolved on the first line that needs them (by then its span exists, if tracing is on). */
class RequestLogContext {
  readonly message: DispatchMessage;
  readonly requestId: string;
  #fields: LogFields | undefined;

  constructor(message: DispatchMessage) {
    this.message = message;
    this.requestId = PREFIX + (++counter).toString(36);
    this.#fields = undefined;
  }

  fields(): LogFields {
    return (this.#fields ??= { requestId: this.requestId, traceId: this.#traceId() });
  }

  #traceId(): string {
    const span = (this.message as unknown as Record<symbol, SpanIds | undefined>)[SPAN];
    if (span !== undefined) return span.spanContext().traceId;
    return traceIdFromMeta(this.message.request.params?._meta) ?? newTraceId();
  }
}

/** JSON strings of labels (a bounded set: known methods and tools), made once each. */
const quoted = new Map<string, string>();

function quote(label: string): string {
  let text = quoted.get(label);
  if (text === undefined) quoted.set(label, (text = JSON.stringify(label)));
  return text;
}

const PID = process.pid;

/**
 * The request line as pino would write it for a logger of createLogger's (level, time, pid,
 * the mixin's ids, the fields, msg), serialized directly: a quarter of the cost of going
 * through pino's generic serializer, on the one line written for every request.
 */
function requestLine(message: DispatchMessage, fields: LogFields): string {
  const { server, request, exchange, result } = message;
  const id = request.id;
  let line = `{"level":30,"time":${Date.now()},"pid":${PID},"requestId":"${fields.requestId}","traceId":"${fields.traceId}","method":${quote(
    server.hasMethod(request.method) ? request.method : UNKNOWN,
  )},"era":"${eraOf(exchange)}","outcome":"${outcomeOf(result)}","durationMs":${Math.round((message.settledAt - message.startedAt) * 1000) / 1000},"id":${
    typeof id === 'number' ? id : JSON.stringify(clipId(id))
  }`;
  const tool = toolLabel(server, request);
  if (tool !== '') line += `,"tool":${quote(tool)}`;
  const code = errorCodeOf(result);
  if (code !== undefined) line += `,"code":${code}`;
  const subject = exchange.auth?.subject;
  if (typeof subject === 'string') line += `,"principal":${JSON.stringify(subject)}`;
  return `${line},"msg":"request"}\n`;
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
    const context = logContext.getStore();
    if (writeLine !== undefined && context instanceof RequestLogContext && context.message === message) {
      writeLine(requestLine(message, context.fields()));
      return;
    }
    const { server, request, exchange, result } = message;
    const line: Record<string, unknown> = {
      method: server.hasMethod(request.method) ? request.method : UNKNOWN,
      era: eraOf(exchange),
      outcome: outcomeOf(result),
      durationMs: Math.round((message.settledAt - message.startedAt) * 1000) / 1000,
      id: clipId(request.id),
    };
    const tool = toolLabel(server, request);
    if (tool !== '') line.tool = tool;
    const code = errorCodeOf(result);
    if (code !== undefined) line.code = code;
    const subject = exchange.auth?.subject;
    if (subject !== undefined) line.principal = subject;
    logger.info(line, 'request');
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
