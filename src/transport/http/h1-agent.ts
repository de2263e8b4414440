/**
 * The HTTP client's own HTTP/1.1 connections: keep-alive connections per origin, one request
 * at a time on each, written with one socket write and answered through h1-parser.ts. It takes
 * requests as undici's `dispatch` does, with the same handler (undici-fetch.ts's FetchCall), so
 * the fetch built on it keeps undici's answer, redirects, resend and cancellation.
 *
 * Why not undici's pool: a gateway sends every call of its callers to its HTTP upstreams, and
 * undici's dispatcher (its queues, its request objects, a web-assembly parser called back per
 * header, a Readable socket read) cost the gateway about a third of its CPU per call
 * (docs/ARCHITECTURE.md has the measurement). This does what an MCP client's requests need and
 * nothing more: no pipelining, no upgrade, no proxy.
 *
 * Idle connections are let go after the keep-alive timeout (or sooner, as the server's
 * `Keep-Alive: timeout` asks), checked when one is taken and by a sweep while any is idle: no
 * timer is armed per request.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Dispatcher } from 'undici';
import { countRequests, wroteTo } from './connection-reuse.ts';
import { ResponseParser, type ResponseSink } from './h1-parser.ts';

/** Not taken from a request's headers: the connection sets them (fetch forbids them too). */
const SET_BY_CONNECTION = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect']);
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A header value: visible ASCII, Latin-1 above it, spaces and tabs; never CR, LF or NUL. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** A header value of ASCII alone (the common case): the head can be written as UTF-8 with its body. */
const ASCII_VALUE = /^[\t\x20-\x7e]*$/;
/** Origins remembered at most; past it, those with no idle connection are forgotten (redirects may name any). */
const MAX_ORIGINS = 64;
/** A server's keep-alive hint is honoured with this margin: the client lets go first. */
const HINT_MARGIN_MS = 1000;

/** How long a connection may take to open (TCP, and TLS's handshake), as undici allows. */
const CONNECT_TIMEOUT_MS = 10_000;

/** An error of the connection, read by connection-reuse.ts as a connection broken under a request. */
function connectionClosed(): Error {
  return Object.assign(new Error('The server closed the connection before answering'), { code: 'ERR_CONNECTION_CLOSED' });
}

interface Origin {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  /** The Host header's value. */
  readonly authority: string;
  readonly idle: Connection[];
}

/** One request on its connection, and its handler's controller (pause, resume, abort). */
class Exchange {
  readonly handler: Dispatcher.DispatchHandler;
  readonly connection: Connection;
  readonly method: string;
  /** No more calls to the handler. */
  ended: boolean;
  /** Some of the answer arrived. */
  started: boolean;
  aborted: boolean;
  paused: boolean;
  reason: Error | null;

  constructor(handler: Dispatcher.DispatchHandler, connection: Connection, method: string) {
    this.handler = handler;
    this.connection = connection;
    this.method = method;
    this.ended = false;
    this.started = false;
    this.aborted = false;
    this.paused = false;
    this.reason = null;
  }

  pause(): void {
    this.paused = true;
    if (!this.ended) this.connection.socket.pause();
  }

  resume(): void {
    this.paused = false;
    if (!this.ended) this.connection.socket.resume();
  }

  abort(reason: Error): void {
    if (this.ended) return;
    this.aborted = true;
    this.reason = reason;
    this.connection.fail(reason);
  }
}

class Connection implements ResponseSink {
  readonly socket: Socket;
  readonly #agent: H1Agent;
  readonly #origin: Origin;
  readonly #parser: ResponseParser;
  #exchange: Exchange | undefined;
  /** Its answer is complete and it may carry another request once the chunk is parsed. */
  #reusable: boolean;
  /** When it went idle (performance.now()), and how long it may stay so. */
  idleSince: number;
  idleLimit: number;

  constructor(agent: H1Agent, origin: Origin) {
    this.#agent = agent;
    this.#origin = origin;
    this.#parser = new ResponseParser(this);
    this.#exchange = undefined;
    this.#reusable = false;
    this.idleSince = 0;
    this.idleLimit = agent.keepAliveTimeout;
    const { host, port } = origin;
    this.socket = origin.secure ? tlsConnect({ host, port, servername: isIP(host) === 0 ? host : undefined, ALPNProtocols: ['http/1.1'] }) : netConnect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.setTimeout(CONNECT_TIMEOUT_MS, () => this.fail(Object.assign(new Error(`Could not connect within ${CONNECT_TIMEOUT_MS / 1000} s`), { code: 'ERR_CONNECT_TIMEOUT' })));
    this.socket.once(origin.secure ? 'secureConnect' : 'connect', () => this.socket.setTimeout(0));
    countRequests(this.socket);
    this.socket.on('data', (chunk: Buffer) => this.#data(chunk));
    this.socket.on('error', (error: Error) => this.fail(error));
    this.socket.on('close', () => this.#closed());
  }

  /** Writes a request (head and body in one write); its answer goes to `exchange`'s handler. */
  send(exchange: Exchange, { head, latin1 }: RequestHead, body: string | Uint8Array | undefined): void {
    this.#exchange = exchange;
    this.#parser.expect(exchange.method);
    wroteTo(this.socket);
    if (typeof body === 'string' && !latin1) this.socket.write(head + body);
    else {
      this.socket.cork();
      this.socket.write(head, 'latin1');
      if (body !== undefined && body.length > 0) this.socket.write(body);
      this.socket.uncork();
    }
  }

  #data(chunk: Buffer): void {
    const exchange = this.#exchange;
    if (exchange === undefined) {
      // Bytes nobody asked for: the connection is out of step.
      this.socket.destroy();
      return;
    }
    if (!exchange.started) {
      exchange.started = true;
      exchange.handler.onResponseStarted?.();
    }
    try {
      this.#parser.execute(chunk);
    } catch (error) {
      this.#reusable = false;
      this.fail(error as Error);
      return;
    }
    // Back to the pool only now: bytes after the answer in this chunk were refused first.
    if (this.#reusable) {
      this.#reusable = false;
      this.#agent.idle(this.#origin, this);
    }
  }

  onHead(status: number, statusText: string, headers: Record<string, string | string[]>): void {
    const exchange = this.#exchange;
    if (exchange === undefined || exchange.ended) return;
    exchange.handler.onResponseStart?.(exchange, status, headers, statusText);
  }

  onBody(chunk: Buffer): void {
    const exchange = this.#exchange;
    if (exchange !== undefined && !exchange.ended) exchange.handler.onResponseData?.(exchange, chunk);
  }

  onEnd(): void {
    const exchange = this.#exchange;
    // Aborted by its handler while this chunk was parsed: the connection is already done.
    if (exchange === undefined || exchange.ended) return;
    this.#exchange = undefined;
    exchange.ended = true;
    const parser = this.#parser;
    if (exchange.paused) this.socket.resume();
    if (parser.keepAlive && this.#agent.reusing && !this.socket.destroyed) {
      const hint = parser.keepAliveSeconds;
      this.idleLimit = hint === undefined ? this.#agent.keepAliveTimeout : Math.min(this.#agent.keepAliveTimeout, hint * 1000 - HINT_MARGIN_MS);
      if (this.idleLimit > 0) this.#reusable = true;
      else this.socket.destroy();
    } else this.socket.destroy();
    exchange.handler.onResponseEnd?.(exchange, {});
  }

  /** The request failed (`error`) or was aborted: its handler hears of it once; the connection is done. */
  fail(error: Error): void {
    const exchange = this.#exchange;
    this.#exchange = undefined;
    this.socket.destroy();
    if (exchange === undefined || exchange.ended) return;
    exchange.ended = true;
    exchange.handler.onResponseError?.(exchange, exchange.aborted ? exchange.reason! : error);
  }

  #closed(): void {
    this.#agent.gone(this.#origin, this);
    const exchange = this.#exchange;
    if (exchange === undefined || exchange.ended) return;
    // A body that runs until the connection ends is complete; anything else broke off.
    if (this.#parser.untilClose) this.#parser.finish();
    else this.fail(connectionClosed());
  }
}

export interface H1AgentOptions {
  /** Idle connections are closed after this long (ms). */
  keepAliveTimeout: number;
  /** false: a connection per request, closed after its answer (the resend's). */
  reuse?: boolean;
}

/**
 * @example
 * const agent = new H1Agent({ keepAliveTimeout: 4000 });
 * agent.dispatch({ origin: 'http://127.0.0.1:3000', path: '/mcp', method: 'POST', headers, body }, handler);
 */
export class H1Agent {
  readonly keepAliveTimeout: number;
  readonly reusing: boolean;
  readonly #origins: Map<string, Origin>;
  #sweeper: NodeJS.Timeout | undefined;
  #closed: boolean;
  /** Connections carrying a request (closed once it is answered, after close()). */
  readonly #busy: Set<Connection>;
  #allDone: (() => void) | undefined;

  constructor(options: H1AgentOptions) {
    this.keepAliveTimeout = options.keepAliveTimeout;
    this.reusing = options.reuse !== false;
    this.#origins = new Map();
    this.#sweeper = undefined;
    this.#closed = false;
    this.#busy = new Set();
    this.#allDone = undefined;
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (this.#closed) throw Object.assign(new Error('The HTTP client is closed'), { code: 'ERR_CLIENT_CLOSED' });
    const origin = this.#origin(String(options.origin));
    const method = options.method;
    const body = bodyOf(options.body);
    const head = requestHead(method, options.path, origin.authority, options.headers as Record<string, string> | undefined, body, this.reusing);
    const connection = this.#take(origin);
    const exchange = new Exchange(handler, connection, method);
    this.#busy.add(connection);
    handler.onRequestStart?.(exchange, {});
    if (exchange.ended) return true;
    connection.send(exchange, head, body);
    handler.onRequestSent?.();
    return true;
  }

  /** A connection's request was answered and it may carry another. */
  idle(origin: Origin, connection: Connection): void {
    this.#busy.delete(connection);
    if (this.#closed) {
      connection.socket.destroy();
      return;
    }
    connection.idleSince = performance.now();
    origin.idle.push(connection);
    if (this.#sweeper === undefined) {
      this.#sweeper = setInterval(() => this.#sweep(), Math.max(100, this.keepAliveTimeout / 4));
      this.#sweeper.unref();
    }
  }

  /** A connection closed (idle or not). */
  gone(origin: Origin, connection: Connection): void {
    const at = origin.idle.indexOf(connection);
    if (at !== -1) {
      origin.idle.splice(at, 1);
    }
    this.#busy.delete(connection);
    if (this.#busy.size === 0) this.#allDone?.();
  }

  /** Closes idle connections now and the others once answered; resolves when all are closed. */
  close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    for (const origin of this.#origins.values()) for (const connection of [...origin.idle]) connection.socket.destroy();
    if (this.#busy.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#allDone = resolve));
  }

  #origin(key: string): Origin {
    let origin = this.#origins.get(key);
    if (origin === undefined) {
      const url = new URL(key);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`Unsupported protocol ${url.protocol}`);
      const secure = url.protocol === 'https:';
      const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
      origin = { secure, host, port: url.port === '' ? (secure ? 443 : 80) : Number(url.port), authority: url.host, idle: [] };
      if (this.#origins.size >= MAX_ORIGINS) for (const [known, { idle }] of this.#origins) if (idle.length === 0) this.#origins.delete(known);
      this.#origins.set(key, origin);
    }
    return origin;
  }

  /** The most recently idle connection still within its limit, or a new one. */
  #take(origin: Origin): Connection {
    const idle = origin.idle;
    const now = performance.now();
    while (idle.length > 0) {
      const connection = idle.pop()!;
      const socket = connection.socket;
      // The server's close may have been read already, ahead of the 'close' event.
      if (now - connection.idleSince < connection.idleLimit && socket.writable && !socket.readableEnded) return connection;
      connection.socket.destroy();
    }
    return new Connection(this, origin);
  }

  /** Closes the idle connections past their limit; stops once none is left idle. */
  #sweep(): void {
    const now = performance.now();
    let left = 0;
    for (const origin of this.#origins.values()) {
      for (const connection of origin.idle) {
        // Destroyed now, it leaves the idle list on its 'close' event.
        if (now - connection.idleSince >= connection.idleLimit) connection.socket.destroy();
        else left++;
      }
    }
    if (left === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }
}

function bodyOf(body: Dispatcher.DispatchOptions['body']): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  throw new TypeError('This fetch sends a body given as a string or bytes only');
}

/** The request line and header section, checked as fetch checks headers (no CR, LF or NUL). */
/** A request's line and header section, and whether a header value needs Latin-1 (not UTF-8) bytes. */
interface RequestHead {
  head: string;
  latin1: boolean;
}

function requestHead(method: string, path: string, authority: string, headers: Record<string, string> | undefined, body: string | Uint8Array | undefined, reuse: boolean): RequestHead {
  // The method is a token and the path and authority come from a URL (percent-encoded,
  // punycode): ASCII. Only a header value may hold Latin-1.
  let latin1 = false;
  if (!HEADER_NAME.test(method) || /[\s\0]/.test(path)) throw new TypeError(`Invalid request line ${JSON.stringify(`${method} ${path}`.slice(0, 64))}`);
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${authority}\r\n`;
  if (headers !== undefined) {
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined) continue;
      if (!HEADER_NAME.test(name)) throw new TypeError(`Invalid header name ${JSON.stringify(name.slice(0, 64))}`);
      const text = String(value);
      if (!ASCII_VALUE.test(text)) {
        if (!HEADER_VALUE.test(text)) throw new TypeError(`Invalid value of header ${name}`);
        latin1 = true;
      }
      if (SET_BY_CONNECTION.has(name.toLowerCase())) continue;
      head += `${name}: ${text}\r\n`;
    }
  }
  if (body !== undefined) head += `content-length: ${typeof body === 'string' ? Buffer.byteLength(body) : body.length}\r\n`;
  else if (method === 'POST' || method === 'PUT' || method === 'PATCH') head += 'content-length: 0\r\n';
  if (!reuse) head += 'connection: close\r\n';
  return { head: `${head}\r\n`, latin1 };
}
