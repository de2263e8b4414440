/**
 * Which requests may be sent again after their connection broke: those written on a reused
 * keep-alive connection that was closed or reset before the first byte of their response.
 *
 * That is the race of a keep-alive pool with a server that closes idle connections: the
 * client writes its next request on a connection just as the server closes it for idleness
 * (Node's http server does after 5 s). The server never read the request; the client sees
 * ECONNRESET or "other side closed" with no answer. Resending it once on a fresh connection
 * is safe, and turns an intermittent failure under load into one more round trip. A request
 * whose connection was new, or whose response had begun, may have been served: it is not sent
 * again (the client's own retry policy decides).
 *
 * undici does not say which socket a request went out on, so the pool's connector marks its
 * sockets: each write records the socket written to, and a request's `onRequestSent`, which
 * undici calls in the same synchronous step as the request's last write, counts it on that
 * socket.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { buildConnector, Dispatcher } from 'undici';

const kRequests = Symbol('mcp-core.requestsWritten');

type CountedSocket = Socket & { [kRequests]?: number };

/** The socket of the pool written to last (undici writes a request and reports it sent in one step). */
let lastWritten: CountedSocket | undefined;

/** Wraps a connector so that the sockets it makes record their writes. */
export function countingConnector(connect: buildConnector.connector): buildConnector.connector {
  return (options, callback) =>
    connect(options, (error, socket) => {
      // On failure the socket is null (or undefined): nothing to mark.
      if (error === null && socket != null) {
        const counted = socket as CountedSocket;
        counted[kRequests] = 0;
        const write = counted.write;
        counted.write = function (this: CountedSocket, ...args: Parameters<Socket['write']>) {
          lastWritten = this;
          return write.apply(this, args);
        } as Socket['write'];
      }
      (callback as (error: Error | null, socket: Socket | null) => void)(error, socket);
    });
}

/**
 * What one request learned about its connection: whether it was written on a socket that had
 * carried requests before, and whether any of its response arrived. Wraps the request's
 * handler and passes every call on.
 */
export class ReuseTracker implements Dispatcher.DispatchHandler {
  reused: boolean;
  responseStarted: boolean;
  #handler: Dispatcher.DispatchHandler;

  constructor() {
    this.reused = false;
    this.responseStarted = false;
    this.#handler = {};
  }

  /** Stands in for `handler` (the next one on a redirect), passing every call on. */
  wrap(handler: Dispatcher.DispatchHandler): this {
    this.#handler = handler;
    return this;
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: object | null): void {
    lastWritten = undefined;
    this.#handler.onRequestStart?.(controller, context);
  }

  onRequestSent(): void {
    const socket = lastWritten;
    lastWritten = undefined;
    if (socket !== undefined && socket[kRequests] !== undefined) this.reused = ++socket[kRequests] > 1;
    this.#handler.onRequestSent?.();
  }

  onBodySent(chunk: Buffer): void {
    this.#handler.onBodySent?.(chunk);
  }

  /** The first byte of the response was parsed. */
  onResponseStarted(): void {
    this.responseStarted = true;
    this.#handler.onResponseStarted?.();
  }

  onRequestUpgrade(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, socket: Duplex): void {
    this.#handler.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    this.responseStarted = true;
    this.#handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#handler.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    this.#handler.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.#handler.onResponseError?.(controller, error);
  }
}

/** The errors of a connection closed or reset under a request (undici's, and the socket's own). */
const BROKEN = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

/** Whether a request that failed with `error` may be sent once more on a fresh connection. */
export function resendable(error: unknown, tracker: ReuseTracker): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return tracker.reused && !tracker.responseStarted && typeof code === 'string' && BROKEN.has(code);
}

/** Where a request's tracker rides to the interceptor: undici passes request options on to dispatch. */
const kTracker = Symbol('mcp-core.reuseTracker');

const MAX_REDIRECTIONS = 5;

/** What the fetch passes: a string body (or none), so that a resend can write it again. */
interface RequestOptions {
  method: Dispatcher.HttpMethod;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** A keep-alive pool whose requests reset on a reused connection are sent once more. */
export interface ReusePool {
  request(url: string | URL, options: RequestOptions): Promise<Dispatcher.ResponseData>;
  close(): Promise<void>;
}

interface Pools {
  request: typeof import('undici').request;
  /** Keep-alive connections, reused. */
  pooled: Dispatcher;
  /** A connection per request, for a resend that must not meet another stale connection. */
  fresh: Dispatcher;
}

async function createPools(keepAliveTimeout: number): Promise<Pools> {
  // undici is CommonJS: its exports are all on `default` wherever it is imported from (in a
  // bundle's lazily loaded chunk there is nothing else).
  const { Agent, buildConnector, interceptors, request } = (await import('undici')).default;
  // Next to the connection, under the redirects: the tracker sees each request as written.
  const track: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (options, handler) => {
    const tracker = (options as { [kTracker]?: ReuseTracker })[kTracker];
    return dispatch(options, tracker === undefined ? handler : tracker.wrap(handler));
  };
  const redirect = interceptors.redirect({ maxRedirections: MAX_REDIRECTIONS });
  // keepAliveMaxTimeout caps what a server's `Keep-Alive: timeout=N` asks for too.
  const pooled = new Agent({ keepAliveTimeout, keepAliveMaxTimeout: keepAliveTimeout, connect: countingConnector(buildConnector({})) }).compose(track, redirect);
  // pipelining 0: no keep-alive, each request on a connection of its own.
  const fresh = new Agent({ pipelining: 0 }).compose(redirect);
  return { request, pooled, fresh };
}

/**
 * undici is loaded with the first request (a client that never speaks HTTP does not pay for it).
 *
 * @example
 * const pool = createReusePool(4000);
 * const answer = await pool.request('http://127.0.0.1:3000/mcp', { method: 'POST', body: '{}' });
 */
export function createReusePool(keepAliveTimeout: number): ReusePool {
  let pools: Promise<Pools> | undefined;
  return {
    async request(url, options) {
      const { request, pooled, fresh } = await (pools ??= createPools(keepAliveTimeout));
      const tracker = new ReuseTracker();
      try {
        return (await request(url, { ...options, dispatcher: pooled, [kTracker]: tracker } as Parameters<typeof request>[1])) as Dispatcher.ResponseData;
      } catch (error) {
        // Only a string body (or none) can be written again (fetch callers may pass others).
        const replayable = options.body === undefined || typeof (options.body as unknown) === 'string';
        if (options.signal?.aborted || !replayable || !resendable(error, tracker)) throw error;
        return (await request(url, { ...options, dispatcher: fresh } as Parameters<typeof request>[1])) as Dispatcher.ResponseData;
      }
    },
    async close() {
      if (pools === undefined) return;
      const { pooled, fresh } = await pools;
      await Promise.all([pooled.close(), fresh.close()]);
    },
  };
}
