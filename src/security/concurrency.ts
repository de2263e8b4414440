/**
 * Backpressure at the level of work: how many calls run their handlers at once, in all and per
 * tool, with a bounded queue in front. A call that finds every slot taken waits in the queue;
 * one that finds the queue full, or waits longer than `queueTimeoutMs`, is refused at once
 * (HTTP 503 with `Retry-After`, or a JSON-RPC error over stdio). Nothing waits without bound,
 * and a refused call holds nothing: the refusal is built once per limit.
 *
 * A call with a free slot goes straight through, synchronously when its handler is. A call
 * cancelled while it waits leaves the queue. A call that becomes a task gives its slot back
 * once the task is created: its work goes on in the background, counted by the task bounds
 * instead (server/task-admission.ts), past which a call stays a plain one and keeps its slot.
 *
 * This complements the HTTP in-flight bounds (requests and body bytes held per client, before
 * the body is read): those bound what the server holds, these bound what it runs.
 */
import type { JsonRpcRequest, JsonRpcResponse } from '../protocol/jsonrpc.ts';
import { timerHolds } from '../protocol/timer-limit.ts';
import { reportRefusal } from '../protocol/refusal-report.ts';
import { ErrorCode } from '../protocol/wire-errors.ts';
import { Refusal } from './edge.ts';
import { refuseCall, type CallExchange, type InterceptedServer, type SecurityInterceptor, type Serve, type Served } from './interceptors.ts';

export interface ConcurrencyLimitOptions {
  /** Calls running at once. */
  maxCalls: number;
  /** Calls waiting for a slot. Default 0: refused at once when every slot is taken. */
  maxQueued?: number;
  /**
   * A call waiting this long is refused. Default 30 s. Longer than a timer holds (2^31 - 1 ms,
   * about 24.8 days; Infinity too): a queued call waits until a slot frees or it is cancelled.
   */
  queueTimeoutMs?: number;
  /** Retry-After of the refusals, in seconds. Default 1. */
  retryAfterSec?: number;
  /** Named in refusals: "the server", "tool render". */
  name?: string;
}

interface Waiter {
  readonly run: () => Served;
  readonly request: JsonRpcRequest;
  readonly exchange: CallExchange;
  readonly resolve: (value: Served) => void;
  readonly timer: NodeJS.Timeout | undefined;
  readonly onAbort: () => void;
}

/**
 * One limit: slots and a queue.
 *
 * @example
 * const limit = new ConcurrencyLimit({ maxCalls: 8, maxQueued: 32, name: 'tool render' });
 * server.use(limit.interceptor, { methods: ['tools/call'] });
 */
export class ConcurrencyLimit {
  readonly maxCalls: number;
  readonly maxQueued: number;
  readonly queueTimeoutMs: number;
  /** Calls running now. */
  running: number;
  readonly #queue: Waiter[];
  readonly #full: Refusal;
  readonly #timedOut: Refusal;
  readonly #name: string;

  constructor(options: ConcurrencyLimitOptions) {
    if (!(options.maxCalls >= 1)) throw new RangeError('maxCalls must be at least 1');
    this.maxCalls = options.maxCalls;
    this.maxQueued = options.maxQueued ?? 0;
    this.queueTimeoutMs = options.queueTimeoutMs ?? 30_000;
    this.running = 0;
    this.#queue = [];
    this.#name = options.name ?? 'the server';
    const retryAfter = String(options.retryAfterSec ?? 1);
    const overloaded = (why: string) =>
      new Refusal(
        503,
        { code: ErrorCode.BadRequest, message: `Service Unavailable: ${why}; retry later`, data: { reason: 'overloaded', retryAfterMs: Number(retryAfter) * 1000 } },
        { 'retry-after': retryAfter },
      );
    this.#full = overloaded(`${this.#name} is running ${this.maxCalls} calls and has ${this.maxQueued} waiting`);
    this.#timedOut = overloaded(`the call waited ${this.queueTimeoutMs} ms for ${this.#name} and was not started`);
  }

  /** Calls waiting for a slot now. */
  get queued(): number {
    return this.#queue.length;
  }

  /** The limit as an interceptor: every request it is put in front of counts. */
  readonly interceptor: SecurityInterceptor = (next) => (request, exchange) => this.run(request, exchange, () => next(request, exchange));

  /** Runs `serve` in a slot, queues it, or refuses it. */
  run(request: JsonRpcRequest, exchange: CallExchange, serve: () => Served): Served {
    if (this.running < this.maxCalls) return this.#start(serve);
    if (this.#queue.length >= this.maxQueued) return this.#refuse(request, exchange, this.#full);
    return new Promise<JsonRpcResponse | undefined>((resolve) => {
      const waiter: Waiter = {
        run: serve,
        request,
        exchange,
        resolve,
        timer: timerHolds(this.queueTimeoutMs) ? setTimeout(() => this.#leave(waiter, this.#refuse(request, exchange, this.#timedOut)), this.queueTimeoutMs) : undefined,
        onAbort: () => this.#leave(waiter, undefined),
      };
      this.#queue.push(waiter);
      exchange.signal.addEventListener('abort', waiter.onAbort, { once: true });
    });
  }

  #start(serve: () => Served): Served {
    this.running++;
    let out: Served;
    try {
      out = serve();
    } catch (error) {
      this.#release();
      throw error;
    }
    if (!(out instanceof Promise)) {
      this.#release();
      return out;
    }
    return out.finally(() => this.#release());
  }

  #release(): void {
    this.running--;
    const next = this.#queue.shift();
    if (next === undefined) return;
    clearTimeout(next.timer);
    next.exchange.signal.removeEventListener('abort', next.onAbort);
    let out: Served;
    try {
      out = this.#start(next.run);
    } catch (error) {
      out = Promise.reject(error);
    }
    next.resolve(out);
  }

  /** A waiter leaves the queue without a slot: timed out (a refusal) or cancelled (no answer). */
  #leave(waiter: Waiter, answer: JsonRpcResponse | undefined): void {
    const index = this.#queue.indexOf(waiter);
    if (index === -1) return;
    this.#queue.splice(index, 1);
    clearTimeout(waiter.timer);
    waiter.exchange.signal.removeEventListener('abort', waiter.onAbort);
    waiter.resolve(answer);
  }

  #refuse(request: JsonRpcRequest, exchange: CallExchange, refusal: Refusal): JsonRpcResponse {
    reportRefusal('overloaded', request.method, refusal.error.message, exchange.auth?.subject);
    return refuseCall(request, exchange, refusal);
  }
}

/** The methods whose handlers the server-wide limit counts. */
export const LIMITED_METHODS: readonly string[] = Object.freeze(['tools/call', 'resources/read', 'prompts/get', 'completion/complete']);

export interface ConcurrencyOptions extends Partial<Omit<ConcurrencyLimitOptions, 'name'>> {
  /** Limits of particular tools, by name; each call also counts against the server-wide limit. */
  tools?: Readonly<Record<string, Omit<ConcurrencyLimitOptions, 'name' | 'queueTimeoutMs' | 'retryAfterSec'>>>;
}

/**
 * The server-wide limit (when `maxCalls` is set) and the per-tool limits, installed as
 * interceptors: per tool outermost, so a call waiting for its tool holds no server-wide slot.
 *
 * @example
 * const concurrency = new Concurrency({ maxCalls: 64, maxQueued: 256, tools: { render: { maxCalls: 4, maxQueued: 16 } } });
 * concurrency.install(server);
 */
export class Concurrency {
  readonly server: ConcurrencyLimit | undefined;
  readonly tools: ReadonlyMap<string, ConcurrencyLimit>;

  constructor(options: ConcurrencyOptions) {
    const shared = { queueTimeoutMs: options.queueTimeoutMs, retryAfterSec: options.retryAfterSec };
    this.server = options.maxCalls === undefined ? undefined : new ConcurrencyLimit({ ...shared, maxCalls: options.maxCalls, maxQueued: options.maxQueued });
    const tools = new Map<string, ConcurrencyLimit>();
    for (const [name, limit] of Object.entries(options.tools ?? {})) tools.set(name, new ConcurrencyLimit({ ...shared, ...limit, name: `tool ${name}` }));
    this.tools = tools;
  }

  /** Calls waiting for a slot, in all the queues. */
  get queued(): number {
    let count = this.server?.queued ?? 0;
    for (const limit of this.tools.values()) count += limit.queued;
    return count;
  }

  /** Calls holding a slot: the server-wide ones, or else the per-tool ones. */
  get running(): number {
    if (this.server !== undefined) return this.server.running;
    let count = 0;
    for (const limit of this.tools.values()) count += limit.running;
    return count;
  }

  /** Routes a `tools/call` to its tool's limit. */
  readonly toolInterceptor: SecurityInterceptor = <E extends CallExchange>(next: Serve<E>) => (request: JsonRpcRequest, exchange: E) => {
    const name = request.params?.name;
    const limit = typeof name === 'string' ? this.tools.get(name) : undefined;
    return limit === undefined ? next(request, exchange) : limit.run(request, exchange, () => next(request, exchange));
  };

  install(server: InterceptedServer): void {
    if (this.tools.size > 0) server.use(this.toolInterceptor, { methods: ['tools/call'] });
    if (this.server !== undefined) server.use(this.server.interceptor, { methods: LIMITED_METHODS });
  }
}
