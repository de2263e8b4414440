/**
 * Which requests may be sent again after their connection broke: those written on a reused
 * keep-alive connection that had been idle for a while, and was closed or reset before the
 * first byte of their response.
 *
 * That is the race of a keep-alive pool with a server that closes idle connections: the
 * client writes its next request on a connection just as the server closes it for idleness
 * (Node's http server does after 5 s). The server never read the request; the client sees
 * ECONNRESET or "other side closed" with no answer. Resending it once on a fresh connection
 * is safe, and turns an intermittent failure under load into one more round trip. A request
 * whose connection was new, or whose response had begun, may have been served: it is not sent
 * again (the client's own retry policy decides). Nor is one written on a connection idle for
 * less than {@link MIN_IDLE_MS}: no server closes a connection for idleness that soon, so its
 * close came from something else (a front that dropped it after passing the request on, a
 * crash), perhaps after the request was served.
 *
 * undici does not say which socket a request went out on, so the pool's connector marks its
 * sockets: each write records the socket written to, and a request's `onRequestSent`, which
 * undici calls in the same synchronous step as the request's last write, counts it on that
 * socket (see {@link requestStarting} and {@link sentOn}). h1-agent.ts records its writes the
 * same way.
 */
import type { Socket } from 'node:net';
import type { buildConnector } from 'undici';

const kRequests = Symbol('mcp-core.requestsWritten');
const kIdleSince = Symbol('mcp-core.idleSince');

type CountedSocket = Socket & { [kRequests]?: number; [kIdleSince]?: number };

/**
 * A connection used again within this long of its last answer was not closed for idleness
 * (the shortest idle timeouts in common use are a second or more: Node's and uvicorn's 5 s,
 * nginx's 75 s).
 */
export const MIN_IDLE_MS = 250;

/** The socket of the pool written to last (undici writes a request and reports it sent in one step). */
let lastWritten: CountedSocket | undefined;

/** Counts the requests written on `socket` from now on (see {@link wroteTo}). */
export function countRequests(socket: Socket): void {
  (socket as CountedSocket)[kRequests] = 0;
}

/** A request is being written on `socket` (a socket given to {@link countRequests}). */
export function wroteTo(socket: Socket): void {
  lastWritten = socket as CountedSocket;
}

/** Wraps undici's connector so that the sockets it makes record their writes. */
export function countingConnector(connect: buildConnector.connector): buildConnector.connector {
  return (options, callback) =>
    connect(options, (error, socket) => {
      // On failure the socket is null (or undefined): nothing to mark.
      if (error === null && socket != null) {
        countRequests(socket as Socket);
        const write = socket.write;
        socket.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
          wroteTo(this);
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

/** Call from a request's `onRequestSent`: the socket it went out on, if it is a counted one. */
export function sentOn(): Socket | undefined {
  const socket = lastWritten;
  lastWritten = undefined;
  return socket !== undefined && socket[kRequests] !== undefined ? socket : undefined;
}

/**
 * Counts a request sent on `socket` (from {@link sentOn}); whether the socket had carried
 * requests before and been idle since the last answer for at least {@link MIN_IDLE_MS}.
 */
export function reusedAfterIdle(socket: Socket | undefined): boolean {
  if (socket === undefined) return false;
  const counted = socket as CountedSocket;
  const requests = (counted[kRequests] = (counted[kRequests] ?? 0) + 1);
  return requests > 1 && performance.now() - (counted[kIdleSince] ?? 0) >= MIN_IDLE_MS;
}

/** A request's answer on `socket` is complete: the socket may be idle from now. */
export function answeredOn(socket: Socket | undefined): void {
  if (socket !== undefined) (socket as CountedSocket)[kIdleSince] = performance.now();
}

/** The errors of a connection closed or reset under a request (undici's, h1-agent.ts's, and the socket's own). */
const BROKEN = new Set(['UND_ERR_SOCKET', 'ERR_CONNECTION_CLOSED', 'ECONNRESET', 'EPIPE']);

/**
 * Whether a request that failed with `error` may be sent once more on a fresh connection: it
 * went out on a connection reused after being idle ({@link reusedAfterIdle}), which broke
 * before any of its response arrived.
 */
export function resendable(error: unknown, reusedIdle: boolean, responseStarted: boolean): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return reusedIdle && !responseStarted && typeof code === 'string' && BROKEN.has(code);
}
