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
 * socket (see {@link requestStarting} and {@link sentOnReusedSocket}).
 */
import type { Socket } from 'node:net';
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

/** Call from a request's `onRequestStart`: its writes are next. */
export function requestStarting(): void {
  lastWritten = undefined;
}

/** Call from a request's `onRequestSent`: whether it went out on a socket that had carried requests before. */
export function sentOnReusedSocket(): boolean {
  const socket = lastWritten;
  lastWritten = undefined;
  return socket !== undefined && socket[kRequests] !== undefined && ++socket[kRequests] > 1;
}

/** The errors of a connection closed or reset under a request (undici's, and the socket's own). */
const BROKEN = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

/**
 * Whether a request that failed with `error` may be sent once more on a fresh connection: it
 * went out on a reused connection, which broke before any of its response arrived.
 */
export function resendable(error: unknown, reused: boolean, responseStarted: boolean): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return reused && !responseStarted && typeof code === 'string' && BROKEN.has(code);
}

/** The connections of one fetch: keep-alive ones, and one per request for a resend. */
export interface Pools {
  /** Keep-alive connections, reused; their sockets count their requests. */
  pooled: Dispatcher;
  /** A connection per request, for a resend that must not meet another stale connection. */
  fresh: Dispatcher;
}

/** undici is loaded with the first request (a client that never speaks HTTP does not pay for it). */
export async function createPools(keepAliveTimeout: number): Promise<Pools> {
  // undici is CommonJS: its exports are all on `default` wherever it is imported from (in a
  // bundle's lazily loaded chunk there is nothing else).
  const { Agent, buildConnector } = (await import('undici')).default;
  // keepAliveMaxTimeout caps what a server's `Keep-Alive: timeout=N` asks for too.
  const pooled = new Agent({ keepAliveTimeout, keepAliveMaxTimeout: keepAliveTimeout, connect: countingConnector(buildConnector({})) });
  // pipelining 0: no keep-alive, each request on a connection of its own.
  const fresh = new Agent({ pipelining: 0 });
  return { pooled, fresh };
}
