/**
 * The node:http face of Streamable HTTP: the fast path. Responses are written straight to the
 * ServerResponse, with a Content-Length so a plain JSON reply is one write. Everything but the
 * plumbing (checks, the edge hook, bounds, routing) is the shared core's.
 */
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { checkTimerMs } from '../../protocol/timer-limit.ts';
import type { AddressInfo } from 'node:net';
import type { TlsOptions } from 'node:tls';
import type { WireError } from '../../protocol/wire-errors.ts';
import type { WebSocketEndpoint, WebSocketHost, WebSocketOptions } from '../websocket/endpoint.ts';
import { clientKey } from '../../security/client-key.ts';
import { Refusal } from '../../security/edge.ts';
import { hostHeaders } from '../../security/origin.ts';
import { MANY_HOSTS } from './refusals.ts';
import type { InflightLimits, InflightTicket, TicketHolder } from './inflight.ts';
import { BodyRefused, type HttpIo, type OutgoingHeaders } from './sink.ts';
import { pathOf, runRoute, type HttpRoute } from './route.ts';
import { StreamableHttp, type McpEndpoint, type StreamableHttpOptions } from './streamable-http.ts';

class NodeIo implements HttpIo {
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  #done: boolean;
  #ticket: InflightTicket | undefined;
  extraHeaders: OutgoingHeaders | undefined;

  constructor(req: IncomingMessage, res: ServerResponse) {
    this.#req = req;
    this.#res = res;
    this.#done = false;
    this.#ticket = undefined;
    this.extraHeaders = undefined;
  }

  get done(): boolean {
    return this.#done || this.#res.destroyed;
  }

  send(status: number, headers: OutgoingHeaders, body: string): void {
    this.#ticket?.release();
    if (this.done) return;
    if (this.#res.headersSent) return this.end();
    this.#done = true;
    // One writeHead with a flat header list: the cheapest way through node:http.
    const raw: string[] = [];
    for (const name in headers) raw.push(name, headers[name]);
    const extra = this.extraHeaders;
    if (extra !== undefined) for (const name in extra) raw.push(name, extra[name]);
    if (body.length === 0) {
      this.#res.writeHead(status, raw).end();
      return;
    }
    raw.push('content-length', String(Buffer.byteLength(body)));
    this.#res.writeHead(status, raw).end(body);
  }

  open(headers: OutgoingHeaders): void {
    const res = this.#res;
    res.writeHead(200, this.extraHeaders === undefined ? headers : { ...headers, ...this.extraHeaders });
    res.flushHeaders();
  }

  write(chunk: string): boolean {
    return this.done ? false : this.#res.write(chunk);
  }

  get backedUp(): boolean {
    return this.#res.writableNeedDrain;
  }

  onCaughtUp(listener: () => void): void {
    this.#res.once('drain', listener);
  }

  end(): void {
    this.#ticket?.release();
    if (this.done) return;
    this.#done = true;
    this.#res.end();
  }

  onAbort(listener: () => void): void {
    this.#res.once('close', () => {
      if (!this.#res.writableFinished) listener();
    });
  }

  hold(ticket: InflightTicket): void {
    // Given back when the response ends; if the client goes away first, by the limits' sweep
    // (a listener per request would cost the hot path more than the whole bookkeeping), or for
    // a GET stream by the close listener the core adds.
    this.#ticket = ticket;
  }

  takeTicket(): InflightTicket | undefined {
    const ticket = this.#ticket;
    this.#ticket = undefined;
    return ticket;
  }

  readBody(limit: number, ticket: InflightTicket, done: (body: string | BodyRefused) => void): void {
    readBody(this.#req, limit, ticket, done);
  }

  discardBody(): void {
    this.#req.resume();
  }
}

/**
 * Collects a body up to `limit` bytes. Bytes past what Content-Length declared (or all of them
 * when it declared nothing) are held against the ticket as they arrive.
 */
function readBody(req: IncomingMessage, limit: number, ticket: InflightTicket, done: (body: string | BodyRefused) => void): void {
  let first: Buffer | undefined;
  let chunks: Buffer[] | undefined;
  let size = 0;
  let over = false;
  req.on('data', (chunk: Buffer) => {
    if (over) return;
    size += chunk.length;
    const refused = size > limit ? BodyRefused.TooLarge : size > ticket.bytes && !ticket.grow(size - ticket.bytes) ? BodyRefused.OverBounds : undefined;
    if (refused !== undefined) {
      over = true;
      first = undefined;
      chunks = undefined;
      done(refused);
      return;
    }
    if (first === undefined) first = chunk;
    else (chunks ??= [first]).push(chunk);
  });
  req.on('end', () => {
    if (over) return;
    if (chunks !== undefined) done(Buffer.concat(chunks, size).toString('utf8'));
    else done(first === undefined ? '' : first.toString('utf8'));
  });
}

/**
 * A handler for a path beside the MCP endpoint (`/healthz`, `/readyz`, `/metrics`). Routes are
 * outside MCP: no Origin/Host or media-type checks, no edge hook; they answer as they like.
 * Only paths other than the MCP endpoint's reach them, so MCP traffic never looks them up.
 * Their requests count in the in-flight bounds of their client (its address: routes are outside
 * authentication) until answered, like MCP requests: past them, 503 with Retry-After. A route
 * marked `immediate` answers at once from memory and holds nothing, so it is not counted: a
 * liveness probe is answered by a server busy at its bounds.
 */
export type { HttpRoute } from './route.ts';

export interface NodeHandlerOptions extends StreamableHttpOptions {
  /** The MCP endpoint's path. Default `/mcp`. */
  path?: string;
  /** Extra routes by exact path (no query string); more can be added later to `handler.routes`. */
  routes?: Readonly<Record<string, HttpRoute>>;
}

export type NodeHandler = ((req: IncomingMessage, res: ServerResponse) => void) & {
  readonly transport: StreamableHttp;
  /** The extra routes by path; add one with `handler.routes.set('/metrics', route)`. */
  readonly routes: Map<string, HttpRoute>;
};

/**
 * A request listener for node:http serving MCP on `options.path`.
 *
 * @example
 * const handler = createNodeHandler(server, { edge: checkApiKey });
 * http.createServer(handler).listen(3000, '127.0.0.1');
 */
export function createNodeHandler(endpoint: McpEndpoint, options: NodeHandlerOptions = {}): NodeHandler {
  const transport = new StreamableHttp(endpoint, options);
  const path = options.path ?? '/mcp';
  const routes = new Map<string, HttpRoute>(Object.entries(options.routes ?? {}));

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const pathname = pathOf(req.url);
    if (pathname !== path) {
      const route = routes.get(pathname);
      if (route === undefined) res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      else serveRoute(route, req, res, transport);
      return;
    }
    const io = new NodeIo(req, res);
    // node:http refuses a request with no Host itself, and keeps the first of several.
    if (hostHeaders(req.rawHeaders) > 1) {
      transport.refuse(io, MANY_HOSTS);
      return io.discardBody();
    }
    transport.handle(req.method ?? 'GET', path, req.headers, req.socket.remoteAddress, io);
  };
  return Object.assign(handler, { transport, routes });
}

/** A route's response, for the in-flight limits' sweep: over once ended or its client gone. */
class RouteHolder implements TicketHolder {
  readonly #res: ServerResponse;
  constructor(res: ServerResponse) {
    this.#res = res;
  }
  get done(): boolean {
    return this.#res.writableEnded || this.#res.destroyed;
  }
}

/**
 * Runs a route within its client's in-flight bounds (unless `immediate`); one that throws
 * answers 500 rather than taking the process down.
 */
function serveRoute(route: HttpRoute, req: IncomingMessage, res: ServerResponse, transport: StreamableHttp): void {
  if (route.immediate !== true) {
    const ticket = transport.inflight.admit(clientKey(undefined, transport.clientAddress(req.socket.remoteAddress, req.headers)), 0, new RouteHolder(res));
    if (ticket instanceof Refusal) {
      res.writeHead(ticket.status, { ...ticket.headers, 'content-type': 'text/plain' }).end(`${ticket.error.message}\n`);
      req.resume();
      return;
    }
    res.once('close', () => ticket.release());
  }
  runRoute(route, req, res);
}

export interface ServeHttpOptions extends NodeHandlerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /**
   * HTTPS: the certificate and key (`cert`, `key`), and for client certificates `ca`,
   * `requestCert` and `rejectUnauthorized`. Replace the certificate later with
   * `listener.server.setSecureContext()`.
   */
  tls?: TlsOptions;
  /**
   * Against slow clients (slowloris): a connection must send its request headers within this
   * long, or gets 408 and is closed. Default 10 s. At most 2147483647 (2^31 - 1 ms, about
   * 24.8 days, the longest a timer holds), as are the two below: a longer one is refused with
   * a RangeError.
   */
  headersTimeoutMs?: number;
  /** The whole request (headers and body) must arrive within this long; 0 for no limit. Default 60 s. */
  requestTimeoutMs?: number;
  /** Idle keep-alive connections are closed after this long. Default 65 s. */
  keepAliveTimeoutMs?: number;
  /**
   * MCP over WebSocket on this listener too: an upgrade on `websocket.path` (the MCP path by
   * default), through the same Origin/Host check, edge hook and in-flight limits as HTTP.
   * The endpoint must serve connections (an McpServer does). Off by default.
   */
  websocket?: Omit<WebSocketOptions, 'edge' | 'originCheck' | 'inflight' | 'clientAddress'>;
}

export interface HttpListener {
  /** A node:https server when TLS is on. */
  server: Server;
  handler: NodeHandler;
  /** `http://host:port/path`, or `https://...` */
  url: string;
  /** The WebSocket endpoint, when `websocket` was asked for. */
  websocket: WebSocketEndpoint | undefined;
  /** `ws://host:port/path` (or `wss://`), when `websocket` was asked for. */
  websocketUrl: string | undefined;
  /**
   * Graceful shutdown, first step: new MCP requests get 503 (routes still answer), WebSocket
   * connections close with 1001 once their requests are answered; resolves once all are.
   */
  drain(): Promise<void>;
  /** Answers the MCP requests still in flight with `error`. */
  abandon(error: WireError): void;
  /**
   * Stops listening, ends sessions and closes every connection. With `graceMs`, connections
   * still writing an answer get up to that long to finish it first (after a drain). `graceMs`
   * is at most 2147483647 (2^31 - 1 ms, about 24.8 days, the longest a timer holds): a longer
   * one is refused with a RangeError.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Listens for MCP over HTTP on `host:port` (port 0 picks a free one).
 *
 * @example
 * const { url, close } = await serveHttp(server, { host: '127.0.0.1', port: 3000 });
 * // HTTPS: serveHttp(server, { port: 443, host: '0.0.0.0', tls: { cert, key } })
 */
export async function serveHttp(endpoint: McpEndpoint, options: ServeHttpOptions = {}): Promise<HttpListener> {
  checkTimerMs('headersTimeoutMs', options.headersTimeoutMs);
  checkTimerMs('requestTimeoutMs', options.requestTimeoutMs);
  checkTimerMs('keepAliveTimeoutMs', options.keepAliveTimeoutMs);
  const handler = createNodeHandler(endpoint, options);
  const websocket = options.websocket === undefined ? undefined : await webSocketEndpoint(endpoint, handler, options);
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const requestTimeout = options.requestTimeoutMs ?? 60_000;
  const limits: ServerOptions = {
    headersTimeout: requestTimeout > 0 ? Math.min(headersTimeout, requestTimeout) : headersTimeout,
    requestTimeout,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 65_000,
    // node:http looks for expired headers and requests this often (30 s by default, which
    // would let a slow client hold its connection that much longer than the limit).
    connectionsCheckingInterval: Math.min(1000, headersTimeout),
  };
  if (websocket !== undefined) {
    // Only WebSocket upgrades on its path are upgrades; any other is served as a request (Node 24.9+).
    limits.shouldUpgradeCallback = (req) => pathOf(req.url) === websocket.path && req.headers.upgrade?.toLowerCase() === 'websocket';
  }
  // node:https is loaded only when TLS is asked for.
  const server: Server =
    options.tls === undefined ? createServer(limits, handler) : (await import('node:https')).createServer({ ...limits, ...options.tls }, handler);
  if (websocket !== undefined) server.on('upgrade', websocket.upgrade);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const secure = options.tls !== undefined;
  return {
    server,
    handler,
    url: `${secure ? 'https' : 'http'}://${shownHost}:${address.port}${options.path ?? '/mcp'}`,
    websocket,
    websocketUrl: websocket === undefined ? undefined : `${secure ? 'wss' : 'ws'}://${shownHost}:${address.port}${websocket.path}`,
    drain: async () => {
      await Promise.all([handler.transport.drain(), websocket?.drain()]);
    },
    abandon: (error) => {
      handler.transport.abandon(error);
      websocket?.abandon(error);
    },
    // WebSocket connections are the listener's too: it closes once they have.
    close: async (graceMs = 0) => {
      checkTimerMs('graceMs', graceMs);
      await Promise.all([websocket?.close(graceMs), closeServer(server, handler, graceMs)]);
    },
  };
}

/** Stops listening, ends sessions, and closes HTTP connections (after `graceMs` for those still writing). */
function closeServer(server: Server, handler: NodeHandler, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    handler.transport.close();
    server.close(() => resolve());
    if (graceMs <= 0) {
      server.closeAllConnections();
      return;
    }
    // A connection becomes idle once its answer is written; node:http closes idle ones
    // only when asked, so ask until none is left or the grace is over.
    server.closeIdleConnections();
    const poll = setInterval(() => server.closeIdleConnections(), 25);
    const cutoff = setTimeout(() => server.closeAllConnections(), graceMs);
    server.once('close', () => {
      clearInterval(poll);
      clearTimeout(cutoff);
    });
  });
}


/** The WebSocket endpoint beside `handler`, sharing its checks, edge hook and in-flight limits; `ws` loads only here. */
async function webSocketEndpoint(endpoint: McpEndpoint, handler: NodeHandler, options: ServeHttpOptions): Promise<WebSocketEndpoint> {
  if (typeof (endpoint as Partial<WebSocketHost>).connect !== 'function') throw new TypeError('serveHttp: websocket needs an endpoint that serves connections (an McpServer)');
  const { WebSocketEndpoint } = await import('../websocket/endpoint.ts');
  const { transport } = handler;
  const websocket = new WebSocketEndpoint(endpoint as McpEndpoint & WebSocketHost, {
    ...options.websocket,
    path: options.websocket?.path ?? options.path,
    edge: transport.edge,
    originCheck: transport.originCheck,
    inflight: transport.inflight,
    clientAddress: transport.clientAddress,
  });
  await websocket.ready();
  return websocket;
}
