/**
 * MCP over WebSocket, server side: an upgrade on the HTTP listener (the MCP path by default),
 * judged as an HTTP request is before anything is upgraded, then served as a message stream
 * in both eras (a connection is a legacy session after `initialize`, and carries modern
 * requests, each with its `_meta`, as stdio does).
 *
 * Before the upgrade, in this order: the path, that it is a WebSocket GET, Origin and Host
 * (DNS rebinding and cross-site WebSocket hijacking), the `mcp` subprotocol, shutdown, the
 * edge hook (authentication, per-client rate limits: the same hook as HTTP), and the bounds
 * on connections in all and per client. A refusal is an HTTP answer with its status and
 * headers (401 with `WWW-Authenticate`, 503 with `Retry-After`), never a socket just dropped.
 *
 * After it: one `ServerConnection` per socket (its host's `connect`), each request counted in
 * the in-flight limits shared with HTTP, reading paused past the per-connection cap, a shared
 * keep-alive timer, and a connection whose credential expires closed with 1008.
 */
import type { IncomingMessage } from 'node:http';
import { checkTimerMs } from '../../protocol/timer-limit.ts';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import type { JsonRpcRequest } from '../../protocol/jsonrpc.ts';
import { reportRefusal } from '../../protocol/refusal-report.ts';
import { ErrorCode, type WireError } from '../../protocol/wire-errors.ts';
import { clientKey } from '../../security/client-key.ts';
import { Refusal, type EdgeDecision, type EdgeHook, type Principal } from '../../security/edge.ts';
import { createOriginCheck, hostHeaders, type OriginCheck } from '../../security/origin.ts';
import type { Drainable } from '../drain.ts';
import { peerAddress, type ClientAddress } from '../http/client-address.ts';
import { InflightLimits } from '../http/inflight.ts';
import { header } from '../http/modern-headers.ts';
import { pathOf } from '../http/route.ts';
import type { Transport } from '../transport.ts';
import { DRAINING, EDGE_FAILED, forbidden, NOT_AN_UPGRADE, NOT_FOUND, NOT_ONE_HOST, offersMcp, refuseUpgrade, TOO_MANY, WRONG_SUBPROTOCOL } from './handshake.ts';
import { Heartbeat, type Beating } from './heartbeat.ts';
import { CloseCode, SUBPROTOCOL, WebSocketTransport } from './socket-transport.ts';

/** How a host serves one accepted connection; `McpServer.connect` takes these options. */
export interface HostedConnectionOptions {
  principal?: Principal;
  /** Whose quota the connection counts against: its principal, else its peer address (security/client-key.ts). */
  client?: string;
  maxInflight?: number;
  admit?: (request: JsonRpcRequest) => { release(): void } | Refusal;
  onClose?: (error?: Error) => void;
}

/** What the endpoint needs of a server: McpServer provides it. */
export interface WebSocketHost {
  /** Serves one connection (both eras); the result takes part in graceful shutdown. */
  connect(transport: Transport, options: HostedConnectionOptions): Drainable;
  /** Receives errors caught while upgrading (an edge hook that threw); must not throw. */
  reportError?(error: unknown, context: { method: string }): void;
}

export interface WebSocketOptions {
  /** The path upgrades are accepted on. Default `/mcp`. */
  path?: string;
  /** Largest message (one frame) accepted; a larger one closes its connection with 1009. Default 4 MiB. */
  maxMessageBytes?: number;
  /**
   * Every connection is pinged this often; one that answers no ping (and sends nothing)
   * within an interval is closed. 0 sends no pings. Default 30 s. At most 2147483647 (2^31 - 1
   * ms, about 24.8 days, the longest a timer holds): a longer one is refused with a RangeError.
   */
  pingIntervalMs?: number;
  /** Connections open at once. Default 1024. */
  maxConnections?: number;
  /** Connections open at once from one client (its principal, or its address). Default 64. */
  maxConnectionsPerClient?: number;
  /** Requests served at once on one connection; past it, reading pauses until some are answered. Default 256. */
  maxInflightPerConnection?: number;
  /** Who the caller is, or why not: run for every upgrade (the HTTP listener's hook). */
  edge?: EdgeHook;
  /** Origin and Host checks (the HTTP listener's); loopback-only by default. */
  originCheck?: OriginCheck;
  /** Bounds on requests in flight and the bytes they hold, shared with the HTTP transport. */
  inflight?: InflightLimits;
  /** The client's address of an upgrade (the HTTP listener's, which trusts its `trustProxy`); the peer's by default. */
  clientAddress?: ClientAddress;
}

/**
 * A request on a connection whose credential expired: refused as an HTTP request with that
 * credential would be (401 there), then the connection closes with 1008.
 */
const CREDENTIAL_EXPIRED = new Refusal(401, {
  code: ErrorCode.BadRequest,
  message: 'Unauthorized: the credential this connection was opened with expired; reconnect with a fresh one',
});

/** How often credentials are checked for expiry when no pings are sent. */
const EXPIRY_CHECK_MS = 30_000;

/** One accepted connection, as the endpoint tracks it. */
class Connection {
  readonly transport: WebSocketTransport;
  readonly client: string;
  /** When its credential expires (ms since the epoch), if it does. */
  readonly expiresAt: number | undefined;
  served: Drainable | undefined;

  constructor(transport: WebSocketTransport, client: string, principal: Principal | undefined) {
    this.transport = transport;
    this.client = client;
    const expiresAt = principal?.expiresAt;
    this.expiresAt = typeof expiresAt === 'number' ? expiresAt * 1000 : undefined;
    this.served = undefined;
  }
}

/**
 * @example
 * const ws = new WebSocketEndpoint(server, { edge: checkApiKey });
 * httpServer.on('upgrade', ws.upgrade);
 * // serveHttp(server, { websocket: {} }) does this for its own listener.
 */
export class WebSocketEndpoint implements Drainable, Beating {
  readonly path: string;
  readonly maxMessageBytes: number;
  readonly inflight: InflightLimits;
  /** The listener of node:http's `upgrade` event. */
  readonly upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  readonly #host: WebSocketHost;
  /** `ws`'s server, once loaded (see {@link ready}). */
  #ws: WebSocketServer | undefined;
  #loading: Promise<WebSocketServer> | undefined;
  readonly #edge: EdgeHook | undefined;
  readonly #clientAddress: ClientAddress;
  readonly #originCheck: OriginCheck;
  readonly #maxConnections: number;
  readonly #maxPerClient: number;
  readonly #maxInflight: number;
  readonly #pingIntervalMs: number;
  readonly #heartbeat: Heartbeat;
  readonly #connections: Set<Connection>;
  readonly #perClient: Map<string, number>;
  /** Connections whose credential expires, checked on each beat. */
  readonly #expiring: Set<Connection>;
  #draining: boolean;

  constructor(host: WebSocketHost, options: WebSocketOptions = {}) {
    this.path = options.path ?? '/mcp';
    this.maxMessageBytes = options.maxMessageBytes ?? 4 * 1024 * 1024;
    this.inflight = options.inflight ?? new InflightLimits();
    this.#host = host;
    this.#edge = options.edge;
    this.#clientAddress = options.clientAddress ?? peerAddress;
    this.#originCheck = options.originCheck ?? createOriginCheck({ loopback: true });
    this.#maxConnections = options.maxConnections ?? 1024;
    this.#maxPerClient = options.maxConnectionsPerClient ?? 64;
    this.#maxInflight = options.maxInflightPerConnection ?? 256;
    checkTimerMs('pingIntervalMs', options.pingIntervalMs);
    this.#pingIntervalMs = options.pingIntervalMs ?? 30_000;
    this.#heartbeat = new Heartbeat(this.#pingIntervalMs > 0 ? this.#pingIntervalMs : EXPIRY_CHECK_MS);
    this.#connections = new Set();
    this.#perClient = new Map();
    this.#expiring = new Set();
    this.#draining = false;
    this.#ws = undefined;
    this.#loading = undefined;
    this.upgrade = (req, socket, head) => this.#upgrade(req, socket, head);
  }

  /**
   * Loads `ws` (about 25 ms, so importing mcp-core does not pay for it). An upgrade that
   * arrives first waits for it; serveHttp awaits it before listening.
   */
  async ready(): Promise<void> {
    this.#ws ??= await (this.#loading ??= this.#load());
  }

  async #load(): Promise<WebSocketServer> {
    const { WebSocketServer } = await import('ws');
    // No compression: a deflated frame can inflate far past its size, and costs CPU per frame.
    return new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: this.maxMessageBytes,
      handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
  }

  /** Connections open now (for tests and metrics). */
  get connections(): number {
    return this.#connections.size;
  }

  // ---- the upgrade ----------------------------------------------------------------------------

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A reset while the edge hook runs must not become an unhandled 'error' event.
    socket.on('error', destroy);
    if (pathOf(req.url) !== this.path) return this.#refuse(socket, NOT_FOUND);
    const headers = req.headers;
    if (req.method !== 'GET' || header(headers, 'upgrade')?.toLowerCase() !== 'websocket') return this.#refuse(socket, NOT_AN_UPGRADE);
    if (hostHeaders(req.rawHeaders) !== 1) return this.#refuse(socket, NOT_ONE_HOST);
    const notAllowed = this.#originCheck(header(headers, 'origin'), header(headers, 'host'));
    if (notAllowed !== undefined) return this.#refuse(socket, forbidden(notAllowed));
    if (!offersMcp(headers)) return this.#refuse(socket, WRONG_SUBPROTOCOL);
    if (this.#draining) {
      reportRefusal('draining');
      return this.#refuse(socket, DRAINING);
    }
    const edge = this.#edge;
    if (edge === undefined) return this.#admit(req, socket, head, undefined);
    let decision: EdgeDecision | Promise<EdgeDecision>;
    try {
      decision = edge({ method: 'GET', path: this.path, headers, remoteAddress: this.#clientAddress(req.socket.remoteAddress, headers) });
    } catch (error) {
      return this.#edgeFailed(socket, error);
    }
    if (decision instanceof Promise) {
      decision.then(
        (settled) => this.#decided(req, socket, head, settled),
        (error: unknown) => this.#edgeFailed(socket, error),
      );
    } else {
      this.#decided(req, socket, head, decision);
    }
  }

  #decided(req: IncomingMessage, socket: Duplex, head: Buffer, decision: EdgeDecision): void {
    if (decision instanceof Refusal) return this.#refuse(socket, decision);
    this.#admit(req, socket, head, decision);
  }

  #edgeFailed(socket: Duplex, error: unknown): void {
    this.#report(error, 'edge hook');
    this.#refuse(socket, EDGE_FAILED);
  }

  #refuse(socket: Duplex, refused: Refusal): void {
    try {
      refuseUpgrade(socket, refused);
    } catch (error) {
      // A refusal whose headers node:http would not write (a newline in a value).
      this.#report(error, 'WebSocket refusal');
      refuseUpgrade(socket, EDGE_FAILED);
    }
  }

  /** Which bound admitting one more connection of `client` would pass, if any. */
  #full(client: string): Refusal | undefined {
    if (this.#connections.size >= this.#maxConnections) return TOO_MANY.server;
    if ((this.#perClient.get(client) ?? 0) >= this.#maxPerClient) return TOO_MANY.client;
    return undefined;
  }

  #admit(req: IncomingMessage, socket: Duplex, head: Buffer, principal: Principal | undefined): void {
    if (socket.destroyed) return;
    const client = clientKey(principal, this.#clientAddress(req.socket.remoteAddress, req.headers));
    const full = this.#full(client);
    if (full !== undefined) {
      reportRefusal('overloaded');
      return this.#refuse(socket, full);
    }
    const server = this.#ws;
    if (server === undefined) {
      this.ready().then(
        () => this.#admit(req, socket, head, principal),
        (error: unknown) => this.#edgeFailed(socket, error),
      );
      return;
    }
    // ws checks the handshake's own headers (key, version) and answers 400 itself; from here
    // on, socket errors are its to handle.
    socket.off('error', destroy);
    server.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, socket, principal, client));
  }

  #accept(ws: WebSocket, socket: Duplex, principal: Principal | undefined, client: string): void {
    // Other upgrades may have completed while this one's edge hook ran: the bound is exact here.
    if (this.#draining || this.#full(client) !== undefined) {
      reportRefusal(this.#draining ? 'draining' : 'overloaded');
      ws.close(this.#draining ? CloseCode.GoingAway : CloseCode.TryAgainLater, this.#draining ? 'Server shutting down' : 'Too many connections; try again later');
      return;
    }
    // A dead host behind a connection paused at its in-flight cap is found by TCP, not pings.
    if (this.#pingIntervalMs > 0) (socket as Socket).setKeepAlive?.(true, this.#pingIntervalMs);
    const transport = new WebSocketTransport(ws, {
      heartbeat: this.#pingIntervalMs > 0 ? this.#heartbeat : undefined,
      maxMessageBytes: this.maxMessageBytes,
    });
    const connection = new Connection(transport, client, principal);
    this.#connections.add(connection);
    this.#perClient.set(client, (this.#perClient.get(client) ?? 0) + 1);
    if (connection.expiresAt !== undefined) {
      this.#expiring.add(connection);
      this.#heartbeat.add(this);
    }
    const limits = this.inflight;
    connection.served = this.#host.connect(transport, {
      principal,
      client,
      maxInflight: this.#maxInflight,
      admit: (request) => {
        // A credential that lapsed since the last beat serves nothing more, as over HTTP, where
        // each request is judged: the request is refused, then (once its error is written) the
        // connection closes with 1008.
        if (connection.expiresAt !== undefined && connection.expiresAt <= Date.now()) {
          queueMicrotask(() => this.#expire(connection));
          return CREDENTIAL_EXPIRED;
        }
        // Released when the request's handler returns, even once cancelled or its connection closed.
        const ticket = limits.admit(client, transport.frameBytes, transport);
        if (ticket instanceof Refusal) reportRefusal('overloaded', request.method);
        return ticket;
      },
      onClose: () => this.#forget(connection),
    });
  }

  #forget(connection: Connection): void {
    if (!this.#connections.delete(connection)) return;
    const left = (this.#perClient.get(connection.client) ?? 1) - 1;
    if (left === 0) this.#perClient.delete(connection.client);
    else this.#perClient.set(connection.client, left);
    if (this.#expiring.delete(connection) && this.#expiring.size === 0) this.#heartbeat.delete(this);
  }

  /**
   * On each beat: connections whose credential expired are closed with 1008 (reconnect with a
   * fresh one). A request that comes between beats is refused when admitted.
   */
  beat(now: number): void {
    for (const connection of this.#expiring) if (connection.expiresAt! <= now) this.#expire(connection);
  }

  /** Closes a connection whose credential expired with 1008, once (a second close would drop its closing handshake). */
  #expire(connection: Connection): void {
    if (!this.#expiring.delete(connection)) return;
    if (this.#expiring.size === 0) this.#heartbeat.delete(this);
    this.#own(connection.transport.close(CloseCode.PolicyViolation, 'The credential expired; reconnect with a fresh one'));
  }

  // ---- graceful shutdown ----------------------------------------------------------------------

  /**
   * Refuses new upgrades (503) and new requests on open connections; each connection closes
   * with 1001 once its requests in flight are answered. Resolves when all are answered.
   */
  drain(): Promise<void> {
    this.#draining = true;
    const drained: Array<Promise<void>> = [];
    for (const connection of this.#connections) {
      const served = connection.served;
      if (served === undefined) continue;
      drained.push(served.drain().then(() => this.#own(connection.transport.close(CloseCode.GoingAway, 'Server shutting down'))));
    }
    return Promise.all(drained).then(() => undefined);
  }

  /** Answers every request still in flight with `error`; their connections then close with 1001. */
  abandon(error: WireError): void {
    for (const connection of this.#connections) connection.served?.abandon(error);
  }

  /**
   * Closes every connection with 1001; one whose peer has not completed the closing handshake
   * within `graceMs` is dropped. Resolves once all are closed. `graceMs` is at most
   * 2147483647 (2^31 - 1 ms, about 24.8 days, the longest a timer holds): a longer one is
   * refused with a RangeError.
   */
  async close(graceMs = 0): Promise<void> {
    checkTimerMs('graceMs', graceMs);
    this.#draining = true;
    const ended: Array<Promise<void>> = [];
    for (const { transport } of this.#connections) {
      ended.push(transport.ended);
      if (graceMs <= 0) transport.terminate();
      else this.#own(transport.close(CloseCode.GoingAway, 'Server shutting down'));
    }
    const cutoff = graceMs > 0 && ended.length > 0 ? setTimeout(() => this.#terminateAll(), graceMs) : undefined;
    await Promise.all(ended);
    clearTimeout(cutoff);
    this.#heartbeat.delete(this);
    this.#ws?.close();
  }

  #terminateAll(): void {
    for (const { transport } of this.#connections) transport.terminate();
  }

  #own(closing: Promise<void>): void {
    closing.catch((error: unknown) => this.#report(error, 'WebSocket close'));
  }

  #report(error: unknown, method: string): void {
    this.#host.reportError?.(error, { method });
  }
}

function destroy(this: Duplex): void {
  this.destroy();
}
