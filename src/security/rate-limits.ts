/**
 * Rate limits in fixed windows: requests per client, and calls per tool. Counts live in memory
 * (each process its own: window-counts.ts) or in Redis with rate-limiter-flexible (shared by
 * every process behind one endpoint, with a memory limiter standing in while Redis is
 * unreachable, so an outage neither blocks nor opens the server).
 *
 * - Per client, over HTTP: an edge check after authentication, before the body is read:
 *   429 with `Retry-After`. The client is the principal's subject, else the peer address.
 * - Per client, over stdio and WebSocket: an interceptor on every method (one connection
 *   carries many requests; the edge saw only its start).
 * - Per tool: an interceptor on `tools/call`, per caller or `shared` by all callers: 429 with
 *   `Retry-After` over HTTP, a JSON-RPC error with `data.retryAfterMs` over stdio.
 *
 * Counting in memory is synchronous: a request within its limits stays on the synchronous
 * path. Counting in Redis is a round trip.
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { JsonRpcResponse } from '../protocol/jsonrpc.ts';
import { outsideRequests } from '../protocol/outside-requests.ts';
import { reportRefusal } from '../protocol/refusal-report.ts';
import { atMostEvery, REPORT_INTERVAL_MS } from '../protocol/report-interval.ts';
import { clientKey } from './client-key.ts';
import { Refusal, retryLater, type EdgeDecision, type EdgeHook, type Principal, type RequestHead } from './edge.ts';
import { refuseCall, type InterceptedServer, type SecurityInterceptor } from './interceptors.ts';
import { WindowCounts } from './window-counts.ts';

export interface RateLimit {
  /** Requests (or calls) allowed per window. */
  limit: number;
  /** Length of the window, in whole seconds. */
  windowSeconds: number;
  /** Per-tool limits: count every caller's calls together. Default false: each caller its own. */
  shared?: boolean;
}

/** Counts one request of `key`: undefined when it is within the limit, else the refusal. */
export interface Limiter {
  take(key: string): Refusal | undefined | Promise<Refusal | undefined>;
}

/**
 * Makes the limiter of one limit; `name` tells limits apart in a shared store. `onError` is
 * told when the store fails (the request is then let through).
 */
export type LimiterFactory = (name: string, limit: RateLimit, onError: (error: unknown) => void) => Limiter;

/** Counting in this process's memory, synchronously (see window-counts.ts). */
class MemoryLimiter implements Limiter {
  readonly #counts: WindowCounts;
  readonly #limit: number;

  constructor(limit: RateLimit) {
    this.#counts = new WindowCounts(limit.windowSeconds);
    this.#limit = limit.limit;
  }

  take(key: string): Refusal | undefined {
    const counted = this.#counts.add(key);
    return counted.count > this.#limit ? tooMany(counted.msLeft) : undefined;
  }
}

/** Counting in a store (Redis); a failure of the store lets the request through and is reported. */
class StoreLimiter implements Limiter {
  readonly #limiter: RateLimiterRedis;
  readonly #onError: (error: unknown) => void;

  constructor(limiter: RateLimiterRedis, onError: (error: unknown) => void) {
    this.#limiter = limiter;
    this.#onError = onError;
  }

  take(key: string): Promise<Refusal | undefined> {
    // Outside the request: the stand-in (a RateLimiterMemory) starts a timer at a key's first
    // count that lives for the whole window, and would keep the request's context as long.
    return outsideRequests(() => this.#limiter.consume(key)).then(
      () => undefined,
      (rejection: unknown) => {
        if (rejection instanceof RateLimiterRes) return tooMany(rejection.msBeforeNext);
        // The store failed, and so did its stand-in: better served than stuck.
        this.#onError(rejection);
        return undefined;
      },
    );
  }
}

/** Limiters counting in this process's memory. */
export const memoryLimiters: LimiterFactory = (_name, limit) => new MemoryLimiter(limit);

/**
 * Limiters counting in Redis (`client`: an ioredis client), shared by every process using the
 * same keys. While Redis does not answer, each process counts in memory instead.
 *
 * @example
 * const limits = new RateLimits({ perClient: { limit: 600, windowSeconds: 60 }, limiters: redisLimiters(new Redis(url), 'mcp-core:rate') });
 */
export function redisLimiters(client: unknown, keyPrefix: string): LimiterFactory {
  return (name, { limit, windowSeconds }, onError) =>
    new StoreLimiter(
      new RateLimiterRedis({
        storeClient: client,
        keyPrefix: `${keyPrefix}:${name}`,
        points: limit,
        duration: windowSeconds,
        // Fail over at once rather than queue behind a connection that is down.
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: name, points: limit, duration: windowSeconds }),
      }),
      onError,
    );
}

export interface RateLimitOptions {
  /** Requests per client. */
  perClient?: RateLimit;
  /** Calls of each tool per client, for tools without their own entry in `tools`. */
  perTool?: RateLimit;
  /** Limits of particular tools, by name. */
  tools?: Readonly<Record<string, RateLimit>>;
  /** Where counts are kept. Default {@link memoryLimiters}. */
  limiters?: LimiterFactory;
  /** Told when a store fails (at most once every 10 s); the request is let through. */
  onError?: (error: unknown) => void;
  /**
   * Whether the server has a tool of this name (`install` asks the server's `hasTool` when
   * this is not given). Calls naming no tool share one count per caller (or one in all, for a
   * `shared` limit): counted under the names a client makes up, each name held a count, with
   * its timer, for the whole window, so calls of made-up names made the process grow with
   * their number.
   */
  isTool?: (name: string) => boolean;
}

/** Anonymous callers of an interceptor, whose address it does not see, share one count. */
const ANONYMOUS = '\0anonymous';
/** What calls of a name no tool has are counted under (no tool name holds a NUL). */
const NO_SUCH_TOOL = '\0unknown';

interface ToolLimit {
  readonly limiter: Limiter;
  readonly shared: boolean;
}

/**
 * @example
 * const limits = new RateLimits({ perClient: { limit: 600, windowSeconds: 60 }, tools: { search: { limit: 10, windowSeconds: 1 } } });
 * await serveHttp(server, { edge: limits.edge(auth.edge) });
 * limits.install(server, { connections: false });
 */
export class RateLimits {
  readonly #perClient: Limiter | undefined;
  readonly #perTool: ToolLimit | undefined;
  readonly #tools: ReadonlyMap<string, ToolLimit>;
  #isTool: ((name: string) => boolean) | undefined;

  constructor(options: RateLimitOptions) {
    this.#isTool = options.isTool;
    const failed = atMostEvery(REPORT_INTERVAL_MS, options.onError ?? (() => {}));
    const make = (name: string, limit: RateLimit) => (options.limiters ?? memoryLimiters)(name, limit, failed);
    this.#perClient = options.perClient === undefined ? undefined : make('client', options.perClient);
    this.#perTool = options.perTool === undefined ? undefined : { limiter: make('tool', options.perTool), shared: options.perTool.shared === true };
    const tools = new Map<string, ToolLimit>();
    for (const [name, limit] of Object.entries(options.tools ?? {})) tools.set(name, { limiter: make(`tool:${name}`, limit), shared: limit.shared === true });
    this.#tools = tools;
  }

  /** Whether any per-tool limit is set. */
  get limitsTools(): boolean {
    return this.#perTool !== undefined || this.#tools.size > 0;
  }

  /** Whether a per-client limit is set. */
  get limitsClients(): boolean {
    return this.#perClient !== undefined;
  }

  /**
   * `inner` (the authentication, or nothing) followed by the per-client limit, as one edge
   * hook; `inner` itself when there is no per-client limit.
   */
  edge(inner: EdgeHook | undefined): EdgeHook | undefined {
    const limiter = this.#perClient;
    if (limiter === undefined) return inner;
    const check = (decision: EdgeDecision, head: RequestHead): EdgeDecision | Promise<EdgeDecision> => {
      if (decision instanceof Refusal) return decision;
      return settle(limiter.take(clientKey(decision, head.remoteAddress)), (refusal) => {
        if (refusal === undefined) return decision;
        reportRefusal('rate_limited', undefined, 'client rate limit', decision?.subject);
        return refusal;
      });
    };
    if (inner === undefined) return (head) => check(undefined, head);
    return (head) => {
      const decision = inner(head);
      return decision instanceof Promise ? decision.then((settled) => check(settled, head)) : check(decision, head);
    };
  }

  /**
   * The per-client limit for connections that carry many requests (stdio, WebSocket), on every
   * method. HTTP requests (their exchanges can be refused with a status) were counted at the
   * edge.
   */
  readonly requestInterceptor: SecurityInterceptor = (next) => (request, exchange) => {
    const limiter = this.#perClient;
    if (limiter === undefined || exchange.refuse !== undefined) return next(request, exchange);
    return settle<Refusal | undefined, JsonRpcResponse | undefined>(limiter.take(keyOf(exchange.auth)), (refusal) => {
      if (refusal === undefined) return next(request, exchange);
      reportRefusal('rate_limited', request.method, 'client rate limit', exchange.auth?.subject);
      return refuseCall(request, exchange, refusal);
    });
  };

  /** The per-tool limits, on `tools/call`. */
  readonly toolInterceptor: SecurityInterceptor = (next) => (request, exchange) => {
    const name = request.params?.name;
    if (typeof name !== 'string') return next(request, exchange);
    const limit = this.#tools.get(name) ?? this.#perTool;
    if (limit === undefined) return next(request, exchange);
    // A name of the configured tools is bounded by the configuration; any other, by the tools.
    const counted = limit !== this.#perTool || this.#isTool === undefined || this.#isTool(name) ? name : NO_SUCH_TOOL;
    const key = limit.shared ? counted : `${keyOf(exchange.auth)}\0${counted}`;
    return settle<Refusal | undefined, JsonRpcResponse | undefined>(limit.limiter.take(key), (refusal) => {
      if (refusal === undefined) return next(request, exchange);
      reportRefusal('rate_limited', request.method, `tool ${name} rate limit`, exchange.auth?.subject);
      return refuseCall(request, exchange, refusal);
    });
  };

  /**
   * Adds the interceptors that apply: per tool on tools/call; per client on every method when
   * connections carrying many requests are served (`connections`: stdio, WebSocket).
   */
  install(server: InterceptedServer, options: { connections: boolean }): void {
    if (this.#isTool === undefined && server.hasTool !== undefined) this.#isTool = server.hasTool.bind(server);
    if (options.connections && this.#perClient !== undefined) server.use(this.requestInterceptor);
    if (this.limitsTools) server.use(this.toolInterceptor, { methods: ['tools/call'] });
  }
}

/** `then(value)`, at once when `value` is not a promise: a count in memory keeps the request synchronous. */
function settle<T, R>(value: T | Promise<T>, then: (settled: T) => R | Promise<R>): R | Promise<R> {
  return value instanceof Promise ? value.then(then) : then(value);
}

function keyOf(principal: Principal | undefined): string {
  return principal === undefined ? ANONYMOUS : clientKey(principal, undefined);
}

/** 429 with Retry-After in whole seconds (at least 1), and the delay in ms for stdio clients. */
function tooMany(msBeforeNext: number): Refusal {
  return retryLater(429, 'rate_limited', Math.max(0, Math.ceil(msBeforeNext)), (seconds) => `Too Many Requests: rate limit reached; retry in ${seconds} s`);
}
