/**
 * MCP over WebSocket, client side: one connection for every message, both eras (the client
 * probes with `server/discover` and falls back to `initialize`, as over stdio). Interoperable
 * with servers that speak the official SDK's WebSocket transport (subprotocol `mcp`).
 *
 * The upgrade request carries the auth layer's headers, as every Streamable HTTP request does;
 * a 401 or 403 answer goes to its `challenge`, and the upgrade is tried again when it says so
 * (three rounds at most). The auth layer sees the endpoint by its HTTP URL (`ws:` as `http:`,
 * `wss:` as `https:`): tokens are issued for that resource, and DPoP proofs name it.
 *
 * `ws` is loaded when the first connection starts, so importing mcp-core does not load it.
 */
import type { IncomingMessage } from 'node:http';
import { checkTimerMs } from '../../protocol/timer-limit.ts';
import type { SecureContextOptions } from 'node:tls';
import type { ClientOptions, WebSocket } from 'ws';
import { describeValue } from '../../protocol/guards.ts';
import type { JsonRpcMessage } from '../../protocol/jsonrpc.ts';
import { LocalErrorCode, McpLocalError, UNREACHABLE_CODES } from '../../protocol/local-errors.ts';
import type { AuthRequest, HttpClientAuth } from '../http/client-auth.ts';
import { parseBody, serverSays } from '../http/client-answer.ts';
import { sharedHeartbeat } from './heartbeat.ts';
import { SUBPROTOCOL, WebSocketTransport } from './socket-transport.ts';

export interface WebSocketClientOptions {
  /** Extra headers on the upgrade request (e.g. Authorization). */
  headers?: Record<string, string>;
  /** Authenticates the upgrade and answers 401/403 challenges (e.g. `new OAuthClientAuth(...)`). */
  auth?: HttpClientAuth;
  /**
   * Largest message accepted from the server; a larger one closes the connection (1009). Also
   * what may wait to be written to a server that does not read: past it, a request fails at
   * once with MCP_ERR_OVERLOADED. Default 64 MiB.
   */
  maxMessageBytes?: number;
  /**
   * Pings the server this often and closes the connection when it answers none within an
   * interval. 0: no pings. Default 30 s. At most 2147483647 (2^31 - 1 ms, about 24.8 days, the
   * longest a timer holds), as is `handshakeTimeoutMs`: a longer one is refused with a RangeError.
   */
  pingIntervalMs?: number;
  /** How long the upgrade may take, reading the body of a refused one included. Default 30 s. */
  handshakeTimeoutMs?: number;
  /** For `wss://`: the CA, client certificate and key, and whether to check the server's certificate. */
  tls?: Pick<SecureContextOptions, 'ca' | 'cert' | 'key'> & { rejectUnauthorized?: boolean; servername?: string };
}

const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Challenge rounds for one upgrade, as for one HTTP request: a first authorization and two step-ups. */
const MAX_CHALLENGE_ROUNDS = 3;
/** How long close() waits for the server to answer the closing handshake before dropping the connection. */
const CLOSE_TIMEOUT_MS = 2000;
/** Bytes of a refused upgrade's body read (for its error message and the auth layer). */
const MAX_REFUSAL_BYTES = 64 * 1024;

/**
 * @example
 * const client = new McpClient({ name: 'my-app', version: '1.0.0' });
 * await client.connect(new WebSocketClientTransport('ws://127.0.0.1:3000/mcp', {
 *   headers: { authorization: `Bearer ${token}` },
 * }));
 */
export class WebSocketClientTransport extends WebSocketTransport {
  readonly url: URL;
  readonly #options: WebSocketClientOptions;
  /** The socket being opened, so close() can stop it. */
  #connecting: WebSocket | undefined;
  /** What may wait to be written before a message is refused: `maxMessageBytes`. */
  readonly #maxWaitingBytes: number;

  constructor(url: string | URL, options: WebSocketClientOptions = {}) {
    checkTimerMs('pingIntervalMs', options.pingIntervalMs);
    checkTimerMs('handshakeTimeoutMs', options.handshakeTimeoutMs);
    const pingIntervalMs = options.pingIntervalMs ?? 30_000;
    const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    super(undefined, { heartbeat: pingIntervalMs > 0 ? sharedHeartbeat(pingIntervalMs) : undefined, maxMessageBytes });
    this.url = new URL(url);
    if (this.url.protocol !== 'ws:' && this.url.protocol !== 'wss:') throw new TypeError(`A WebSocket URL starts with ws:// or wss://, got ${this.url.protocol}//`);
    this.#options = { ...options, maxMessageBytes };
    this.#connecting = undefined;
    this.#maxWaitingBytes = maxMessageBytes;
  }

  /**
   * Refuses a message while more than `maxMessageBytes` already wait to be written: a server
   * that stops reading must not make the client hold every request sent to it (ws buffers
   * whatever it is given; each request would time out, its bytes still held). A refused
   * request fails at once with MCP_ERR_OVERLOADED: nothing of it reached the server. As the
   * stdio client does.
   */
  override send(message: JsonRpcMessage): boolean {
    const waiting = this.unwrittenBytes;
    if (waiting <= this.#maxWaitingBytes || this.state !== 'open') return super.send(message);
    this.receiver?.onSendError?.(message, new McpLocalError(LocalErrorCode.Overloaded, `The server is not reading: ${waiting} bytes wait to be written to it`));
    return false;
  }

  /** Messages sent before the connection opens wait for it; a failed upgrade closes the transport with its reason. */
  protected override opened(): void {
    this.#connect().catch((error: unknown) => this.failToOpen(connectFailure(error, this.url)));
  }

  async #connect(): Promise<void> {
    const { WebSocket } = await import('ws');
    const auth = this.#options.auth;
    const request: AuthRequest = { url: httpUrlOf(this.url), method: 'GET' };
    for (let round = 0; ; round++) {
      const headers = auth === undefined ? this.#options.headers : { ...this.#options.headers, ...(await auth.headers(request)) };
      if (this.#stopped()) return;
      const outcome = await this.#open(WebSocket, headers);
      if (outcome instanceof Response) {
        const challenged = outcome.status === 401 || outcome.status === 403;
        if (auth !== undefined && challenged && round < MAX_CHALLENGE_ROUNDS && (await auth.challenge(outcome, request))) continue;
        throw await upgradeRefused(outcome);
      }
      if (this.#stopped()) {
        outcome.terminate();
        return;
      }
      this.attach(outcome);
      return;
    }
  }

  /** close() was called while connecting. */
  #stopped(): boolean {
    return this.state === 'closed';
  }

  /** Opens one socket: it, or the HTTP answer of a refused upgrade. */
  #open(WebSocketClass: typeof WebSocket, headers: Record<string, string> | undefined): Promise<WebSocket | Response> {
    const { tls, maxMessageBytes, handshakeTimeoutMs = 30_000 } = this.#options;
    const started = performance.now();
    return new Promise((resolve, reject) => {
      // closeTimeout (read by ws, not declared in its types): how long close() waits for the server's
      // closing handshake before dropping the connection (ws's default is 30 s).
      const options: ClientOptions & { closeTimeout: number } = {
        ...tls,
        headers,
        maxPayload: maxMessageBytes,
        handshakeTimeout: handshakeTimeoutMs,
        perMessageDeflate: false,
        closeTimeout: CLOSE_TIMEOUT_MS,
      };
      const socket = new WebSocketClass(this.url, [SUBPROTOCOL], options);
      this.#connecting = socket;
      const settle = () => {
        this.#connecting = undefined;
        socket.off('open', onOpen);
        socket.off('unexpected-response', onRefused);
      };
      const onOpen = () => {
        settle();
        socket.off('error', onError);
        resolve(socket);
      };
      const onRefused = (req: { destroy(): void }, res: IncomingMessage) => {
        socket.off('open', onOpen);
        socket.off('unexpected-response', onRefused);
        // The refusal is read within the handshake's time, and close() stops it (the socket is
        // still connecting): ws's own timeout is one of idleness, so a server dribbling the body
        // would hold the connection, after close() too, for as long as it liked.
        const left = Math.max(0, started + handshakeTimeoutMs - performance.now());
        const late = new Error(`the server's refusal was not read whole within ${handshakeTimeoutMs} ms`);
        const cutoff = setTimeout(() => {
          req.destroy();
          reject(late);
        }, left);
        const done = () => {
          clearTimeout(cutoff);
          this.#connecting = undefined;
          req.destroy();
        };
        readRefusal(res).then(
          (response) => {
            done();
            resolve(response);
          },
          (error: unknown) => {
            done();
            reject(error);
          },
        );
      };
      // Stays on after settling: a socket dropped after its refusal was read reports here too.
      const onError = (error: Error) => {
        settle();
        reject(error);
      };
      socket.on('open', onOpen);
      socket.on('unexpected-response', onRefused);
      socket.on('error', onError);
    });
  }

  override close(code?: number, reason?: string): Promise<void> {
    // Still connecting: stop there; the upgrade's end settles #connect.
    this.#connecting?.terminate();
    return super.close(code, reason);
  }
}

/** The endpoint as the auth layer knows it: `ws:` is `http:`, `wss:` is `https:`. */
function httpUrlOf(url: URL): URL {
  const http = new URL(url);
  http.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  return http;
}

/** A refused upgrade as a web Response (what the auth layer reads), its body read up to a bound. */
async function readRefusal(res: IncomingMessage): Promise<Response> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REFUSAL_BYTES) break;
    chunks.push(chunk);
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  const status = res.statusCode ?? 500;
  // A Response cannot carry a body with these statuses.
  const empty = status === 204 || status === 205 || status === 304 || status < 200;
  return new Response(empty ? null : Buffer.concat(chunks), { status: status < 200 ? 599 : status, headers });
}

async function upgradeRefused(response: Response): Promise<McpLocalError> {
  const text = await response.text();
  const says = serverSays(parseBody(text), text);
  const status = response.status;
  if (status === 401 || status === 403) return new McpLocalError(LocalErrorCode.Unauthorized, `WebSocket upgrade refused (HTTP ${status}): ${says}`);
  if (status === 429 || status === 503) {
    const retryAfter = response.headers.get('retry-after');
    const after = retryAfter === null ? '' : `; retry after ${describeValue(retryAfter)}`;
    return new McpLocalError(LocalErrorCode.Overloaded, `WebSocket upgrade refused (HTTP ${status}): ${says}${after}`);
  }
  return new McpLocalError(LocalErrorCode.ConnectionClosed, `WebSocket upgrade refused (HTTP ${status}): ${says}`);
}

/** Why connecting failed, as a local error: unreachable (nothing sent), refused, or broken. */
function connectFailure(error: unknown, url: URL): McpLocalError {
  if (error instanceof McpLocalError) return error;
  const code = (error as { code?: unknown }).code;
  const detail = error instanceof Error ? error.message : 'unknown error';
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) {
    return new McpLocalError(LocalErrorCode.Unreachable, `Could not reach ${url.origin}: ${detail}`, { cause: error });
  }
  return new McpLocalError(LocalErrorCode.ConnectionClosed, `WebSocket connection to ${url.origin} failed: ${detail}`, { cause: error });
}
