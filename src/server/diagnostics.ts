/**
 * What the server publishes through `node:diagnostics_channel`: one tracing channel around
 * every request it dispatches, one around every run of a tool handler. Metrics, traces and
 * logs (observability/) subscribe; anyone else may too. Nothing is published, and no message
 * is allocated, unless the channel has subscribers: off costs one `hasSubscribers` check.
 *
 * Both follow Node's TracingChannel conventions (`tracing:<name>:start`, `:end`,
 * `:asyncStart`, `:asyncEnd`, `:error`), with one message object shared by a run's events.
 * Work that finishes synchronously publishes `start` then `end` (with `settled` true);
 * work that returns a promise publishes `start`, `end` (with `settled` false), then, when it
 * settles, `asyncStart` and `asyncEnd` (and `error` first when it rejects). So a subscriber
 * finishes its bookkeeping at `end` when `settled` is true and at `asyncEnd` otherwise.
 * `start` runs the traced work through `runStores`, so a subscriber can bind an
 * AsyncLocalStorage to it (`channel.start.bindStore(store, (message) => value)`) and find
 * its value in everything the request runs.
 *
 * @example
 * import diagnostics_channel from 'node:diagnostics_channel';
 * diagnostics_channel.tracingChannel('mcp-core:dispatch').subscribe({
 *   start() {},
 *   end(message) { if (message.settled) console.error(message.request.method, message.result); },
 *   asyncStart() {},
 *   asyncEnd(message) { console.error(message.request.method, message.result); },
 *   error() {},
 * });
 */
import diagnostics_channel, { type TracingChannel, type TracingChannelSubscribers } from 'node:diagnostics_channel';
// Imported: the global `performance` is a getter, read on every request's two stamps.
import { performance } from 'node:perf_hooks';
import type { JsonRpcRequest, JsonRpcResponse } from '../protocol/jsonrpc.ts';
import type { Exchange } from '../transport/exchange.ts';
import type { RequestContext } from './context.ts';
import type { ServerCore } from './core.ts';
import type { Dispatcher } from './pipeline.ts';
import type { RegisteredTool } from './tools.ts';

/** The events of one traced run and the fields every message shares. */
interface Traced<Result> {
  /** `performance.now()` when the run started. */
  readonly startedAt: number;
  /** `performance.now()` when it settled (0 until then): every subscriber sees the same duration. */
  settledAt: number;
  /** What the run returned or resolved with, once `settled` (undefined until then). */
  result: Result | undefined;
  /** What the run threw or rejected with, if it did. */
  error: unknown;
  /** Whether `result` or `error` is final. */
  settled: boolean;
}

/**
 * The server a dispatch message names (an McpServer), as subscribers read it. A type of its
 * own, so that this file, which McpServer imports, does not import McpServer.
 */
export interface DispatchingServer extends Dispatcher {
  /** Whether the server serves `method` (a label for it is then bounded). */
  hasMethod(method: string): boolean;
  /** @internal The registries: whether a tool or prompt named by the client exists. */
  readonly core: ServerCore;
}

/**
 * `mcp-core:dispatch`: one request served by a server, from the moment a transport hands it
 * over to the response (interceptors included). `result` is the JSON-RPC response, or
 * undefined when none is sent (the request was cancelled). Dispatch answers failures with
 * error responses, so `error` is set only by a bug.
 */
export class DispatchMessage implements Traced<JsonRpcResponse | undefined> {
  readonly server: DispatchingServer;
  readonly request: JsonRpcRequest;
  /** `exchange.session` is the legacy session (undefined: modern), `exchange.auth` the caller. */
  readonly exchange: Exchange;
  readonly startedAt: number;
  settledAt: number;
  result: JsonRpcResponse | undefined;
  error: unknown;
  settled: boolean;

  constructor(server: DispatchingServer, request: JsonRpcRequest, exchange: Exchange) {
    this.server = server;
    this.request = request;
    this.exchange = exchange;
    this.startedAt = performance.now();
    this.settledAt = 0;
    this.result = undefined;
    this.error = undefined;
    this.settled = false;
  }
}

/**
 * `mcp-core:tool`: one run of a tool handler (a call that asks the client for input runs once
 * per round; a call that becomes a task runs until the task ends). `result` is what the
 * handler returned (a string, content, or a result object); `error` what it threw, which
 * the server turns into an `isError` result unless it is a protocol error.
 */
export class ToolMessage implements Traced<unknown> {
  readonly tool: RegisteredTool;
  readonly arguments: Record<string, unknown>;
  /** The request's context: `method`, `id`, `meta`, `auth`, `session`, `taskId`. */
  readonly context: RequestContext;
  readonly startedAt: number;
  settledAt: number;
  result: unknown;
  error: unknown;
  settled: boolean;

  constructor(tool: RegisteredTool, args: Record<string, unknown>, context: RequestContext) {
    this.tool = tool;
    this.arguments = args;
    this.context = context;
    this.startedAt = performance.now();
    this.settledAt = 0;
    this.result = undefined;
    this.error = undefined;
    this.settled = false;
  }
}

export const dispatchChannel: TracingChannel<unknown, DispatchMessage> = diagnostics_channel.tracingChannel('mcp-core:dispatch');
export const toolChannel: TracingChannel<unknown, ToolMessage> = diagnostics_channel.tracingChannel('mcp-core:tool');

/**
 * Subscribers that call `done` once per run, when it has settled: at `end` for a synchronous
 * run, at `asyncEnd` otherwise.
 *
 * @example
 * const subscribers = whenSettled<DispatchMessage>((m) => console.error(m.request.method, m.settledAt - m.startedAt));
 * dispatchChannel.subscribe(subscribers);
 */
export function whenSettled<M extends { settled: boolean }>(done: (message: M) => void): TracingChannelSubscribers<M> {
  return {
    start() {},
    end(message) {
      if (message.settled) done(message);
    },
    asyncStart() {},
    asyncEnd: done,
    error() {},
  };
}

/**
 * Runs `work` with its events published on `channel`; synchronous when `work` is. Only
 * called when the channel has subscribers.
 */
export function traced<T, M extends Traced<T> & object>(channel: TracingChannel<unknown, M>, message: M, work: () => T | Promise<T>): T | Promise<T> {
  return channel.start.runStores(message, run, undefined, channel, message, work);
}

function run<T, M extends Traced<T> & object>(channel: TracingChannel<unknown, M>, message: M, work: () => T | Promise<T>): T | Promise<T> {
  let out: T | Promise<T>;
  try {
    out = work();
  } catch (error) {
    message.error = error;
    message.settledAt = performance.now();
    message.settled = true;
    channel.error.publish(message);
    channel.end.publish(message);
    throw error;
  }
  if (!(out instanceof Promise)) {
    message.result = out;
    message.settledAt = performance.now();
    message.settled = true;
    channel.end.publish(message);
    return out;
  }
  channel.end.publish(message);
  return out.then(
    (result) => {
      message.result = result;
      message.settledAt = performance.now();
      message.settled = true;
      channel.asyncStart.publish(message);
      channel.asyncEnd.publish(message);
      return result;
    },
    (error: unknown) => {
      message.error = error;
      message.settledAt = performance.now();
      message.settled = true;
      channel.error.publish(message);
      channel.asyncStart.publish(message);
      channel.asyncEnd.publish(message);
      throw error;
    },
  );
}
