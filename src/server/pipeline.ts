/**
 * The dispatch pipeline: interceptors around the serving of a request, composed once per
 * method (when interceptors or methods change), never per request. The model is undici's
 * `Dispatcher.compose`: an interceptor receives the next dispatch and returns its own, so a
 * composed chain is plain function calls with no per-request closures or arrays.
 *
 * Cross-cutting features (per-tool auth, rate limits, a gateway's routing) are interceptors;
 * none is threaded through a transport. A method nobody intercepts has no chain at all
 * (`null`, as fastify keeps empty hook lists) and keeps the direct, synchronous call.
 */
import type { JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from '../protocol/jsonrpc.ts';
import type { Exchange } from '../transport/exchange.ts';

/**
 * Serves one request: the response, undefined when none must be sent (the request was
 * cancelled), or a promise of either. Stays synchronous whenever it can: callers check for a
 * Promise before awaiting.
 */
export type Dispatch = (request: JsonRpcRequest, exchange: Exchange) => JsonRpcResponse | undefined | Promise<JsonRpcResponse | undefined>;

/**
 * A server as the code below it sees one (McpServer is the one): what a connection hands
 * requests and notifications to, and what a `mcp-core:dispatch` message names. A type, so that
 * connections and diagnostics need not import McpServer, which imports them.
 */
export interface Dispatcher {
  dispatch: Dispatch;
  /** Handles a notification from the client. */
  handleNotification(notification: JsonRpcNotification, exchange: Exchange): void;
  /** Reports an error a transport caught while serving `context.method`. Never throws. */
  reportError(error: unknown, context: { method: string }): void;
}

/**
 * Wraps the dispatch of one method. Called when the pipeline is composed (at `use()` and when
 * a method is added), with the method the chain serves, so per-method work is done there
 * rather than per request. It may be called again when the pipeline is recomposed.
 *
 * The returned dispatch may call `next` (once, several times, or not at all), look at or
 * replace the response, or refuse by throwing: an `McpError` is answered as it is, anything
 * else as -32603 "Internal error" (the error goes to the server's `onError`, never to the
 * client).
 *
 * @example
 * // Refuses tools/call for callers without the "tools" scope.
 * const needsScope: Interceptor = (next) => (request, exchange) => {
 *   if (!exchange.auth?.scopes.includes('tools')) throw new McpError(ErrorCode.InvalidRequest, 'Forbidden');
 *   return next(request, exchange);
 * };
 * server.use(needsScope, { methods: ['tools/call'] });
 */
export type Interceptor = (next: Dispatch, method: string) => Dispatch;

export interface UseOptions {
  /** Only these methods go through the interceptor; all of them when omitted. */
  methods?: readonly string[];
}

/**
 * The method name interceptors without a method filter are composed with for requests whose
 * method the server does not know (they are answered -32601 at the end of the chain). A
 * client chooses such names, so they get one shared chain rather than one each.
 */
export const ANY_METHOD = '*';

interface Use {
  readonly interceptor: Interceptor;
  /** undefined: every method. */
  readonly methods: ReadonlySet<string> | undefined;
}

/** The registered interceptors, in the order of `use()`: the first one runs first. */
export class Pipeline {
  readonly #uses: Use[];

  constructor() {
    this.#uses = [];
  }

  get empty(): boolean {
    return this.#uses.length === 0;
  }

  add(interceptor: Interceptor, options: UseOptions = {}): void {
    if (typeof interceptor !== 'function') throw new TypeError('An interceptor must be a function (next, method) => dispatch');
    const methods = options.methods === undefined ? undefined : new Set(options.methods);
    this.#uses.push({ interceptor, methods });
  }

  /** Takes back the last interceptor added (one that failed to compose). */
  removeLast(): void {
    this.#uses.pop();
  }

  /** Methods named by method filters, whether or not the server serves them. */
  namedMethods(): Set<string> {
    const names = new Set<string>();
    for (const use of this.#uses) if (use.methods !== undefined) for (const name of use.methods) names.add(name);
    return names;
  }

  /**
   * The chain for `method` around `last`, or null when no interceptor applies to it. For
   * {@link ANY_METHOD}, only interceptors without a method filter apply.
   */
  compose(method: string, last: Dispatch): Dispatch | null {
    let dispatch: Dispatch | null = null;
    for (let i = this.#uses.length - 1; i >= 0; i--) {
      const { interceptor, methods } = this.#uses[i];
      if (methods !== undefined && (method === ANY_METHOD || !methods.has(method))) continue;
      const next = interceptor(dispatch ?? last, method);
      if (typeof next !== 'function') throw new TypeError(`An interceptor returned ${typeof next} for ${method}; it must return a dispatch function`);
      dispatch = next;
    }
    return dispatch;
  }
}
