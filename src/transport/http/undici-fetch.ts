/**
 * A `fetch` for the HTTP client transport with a keep-alive connection pool of its own, on
 * undici's dispatcher (`createUndiciFetch`) or on the client's own HTTP/1.1 connections, which
 * take the same `dispatch` (`createH1Fetch`, h1-agent.ts: the transport's default, and what the
 * gateway gives each upstream).
 *
 * Why: Node's built-in fetch costs most of a small MCP call on loopback. Measured against an
 * mcp-core server on the same machine, one call at a time: the built-in fetch about 1,250 calls/s,
 * undici's `request` behind a web `Response` about 3,000, undici's `request` alone 3,900,
 * node:http 6,100. A gateway sends every call of its callers to its upstreams, so that cost is
 * paid on each of them. So each request is one `dispatch` with a handler of its own (no
 * `request()` with its Node stream body, no redirect interceptor wrapping every request, no
 * AbortSignal unless the caller gave one), and the answer is an {@link UndiciResponse} whose
 * parts are made only when asked for.
 *
 * Keep-alive without its race: idle connections are let go after 4 s (below the 5 s after which
 * Node's http server, and uvicorn, close them), or sooner when the server's `Keep-Alive` header
 * says so; and a request written on a reused connection that the server closed before the first
 * byte of an answer is sent once more on a fresh connection (connection-reuse.ts).
 *
 * It covers what the transport uses: the method, headers, a string body, the signal (or a
 * {@link Cancellation}, which costs no AbortSignal: `init.cancellation`). Redirects are followed
 * as fetch follows them (at most 5; a 303, or a 301/302 to a POST, goes on as a GET without the
 * body; credentials are not sent to another origin). Network failures reject as the built-in
 * fetch does: a TypeError whose `cause` carries the error code.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import type { Cancellation, CancelListener } from '../../protocol/cancellation.ts';
import { checkTimerMs } from '../../protocol/timer-limit.ts';
import { answeredOn, requestStarting, resendable, reusedAfterIdle, sentOn } from './connection-reuse.ts';
import { createH1Pools, createPools, type Pools } from './pools.ts';
import { AnswerBody, UndiciResponse, type BodyControl } from './undici-response.ts';

export interface UndiciFetchOptions {
  /**
   * Idle keep-alive connections are closed after this long, or sooner when the server's
   * `Keep-Alive` header asks for less. Default 4 s: below the idle timeout of common servers
   * (Node's 5 s), so the client lets go first.
   */
  keepAliveTimeoutMs?: number;
}

/** A fetch's `init`, with what only this fetch reads. */
export interface UndiciRequestInit extends RequestInit {
  /**
   * Cancels the request as `signal` would, with no AbortSignal made for it. It is the request's
   * only deadline: undici's own (300 s for the answer's headers, 300 s between two pieces of its
   * body) are off, as its giver times the request (the HTTP client transport: the request's
   * `timeoutMs`, restarted by progress, and `maxTotalTimeoutMs`). They cost two timers per
   * request, and cut a call at 300 s whatever the timeout it was given.
   */
  cancellation?: Cancellation;
}

const TAKES_CANCELLATION = Symbol.for('mcp-core.fetchTakesCancellation');

/** Whether `fetch` reads `init.cancellation` (one made by {@link createUndiciFetch}). */
export function takesCancellation(fetch: typeof globalThis.fetch): boolean {
  return (fetch as unknown as Record<symbol, unknown>)[TAKES_CANCELLATION] === true;
}

const REDIRECT = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTIONS = 5;
/** Not sent to another origin after a redirect (fetch drops Authorization; undici these too). */
const CREDENTIALS = new Set(['authorization', 'cookie', 'proxy-authorization', 'host']);

/** Where a request goes, as undici's dispatch takes it. */
interface Target {
  /** Its own URL (a caller may change the one it gave). */
  url: URL;
  origin: string;
  path: string;
}

function targetOf(url: URL): Target {
  return { url, origin: url.origin, path: url.pathname + url.search };
}

/** Bodies that can be written again (a resend, a redirect that keeps the body). */
function replayable(body: unknown): boolean {
  return body === undefined || typeof body === 'string' || body instanceof Uint8Array;
}

/**
 * One fetch: the request, its resend on a fresh connection, the redirects it follows, and the
 * answer's body as it arrives. It is the request's undici handler, the listener of its
 * cancellation, and its body's control.
 */
class FetchCall implements Dispatcher.DispatchHandler, CancelListener, BodyControl {
  readonly response: Promise<Response>;
  #target: Target;
  #method: string;
  #headers: Record<string, string> | undefined;
  #body: Dispatcher.DispatchOptions['body'];
  readonly #signal: AbortSignal | null | undefined;
  readonly #cancellation: Cancellation | undefined;
  #pools: Pools | undefined;
  #redirects: number;
  #resent: boolean;
  #controller: Dispatcher.DispatchController | undefined;
  /** The connection this attempt went out on (when the pool's sockets are counted). */
  #socket: Socket | undefined;
  /** This attempt went out on a connection that carried requests before and then sat idle. */
  #reused: boolean;
  /** Some of this attempt's answer arrived. */
  #started: boolean;
  /** The redirect this attempt's answer asks for. */
  #location: { status: number; location: string } | undefined;
  #answer: AnswerBody | undefined;
  #resolve!: (response: Response) => void;
  #reject!: (error: unknown) => void;
  /** The response promise has settled. */
  #settled: boolean;
  #abortReason: unknown;

  constructor(target: Target, init: UndiciRequestInit) {
    this.#target = target;
    this.#method = (init.method ?? 'GET').toUpperCase();
    this.#headers = headersOf(init.headers);
    this.#body = (init.body ?? undefined) as Dispatcher.DispatchOptions['body'];
    this.#signal = init.signal;
    this.#cancellation = init.cancellation;
    this.#pools = undefined;
    this.#redirects = 0;
    this.#resent = false;
    this.#controller = undefined;
    this.#socket = undefined;
    this.#reused = false;
    this.#started = false;
    this.#location = undefined;
    this.#answer = undefined;
    this.#settled = false;
    this.#abortReason = undefined;
    this.response = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  start(pools: Pools): void {
    this.#pools = pools;
    const signal = this.#signal;
    const cancellation = this.#cancellation;
    if (signal?.aborted) return this.#fail(signal.reason);
    if (cancellation?.cancelled) return this.#fail(cancellation.reason);
    signal?.addEventListener('abort', this, { once: true });
    cancellation?.addListener(this);
    this.#dispatch(pools.pooled);
  }

  /** Loading undici failed. */
  fail(error: unknown): void {
    this.#fail(new TypeError('fetch failed', { cause: error }));
  }

  #dispatch(dispatcher: Pools['pooled']): void {
    this.#controller = undefined;
    this.#socket = undefined;
    this.#reused = false;
    this.#started = false;
    this.#location = undefined;
    const { origin, path } = this.#target;
    // A request given a Cancellation has a deadline of its own (the client's timeout, restarted
    // by progress): undici's headers and body timers are off for it (see {@link UndiciRequestInit}).
    const timer = this.#cancellation === undefined ? undefined : 0;
    try {
      dispatcher.dispatch({ origin, path, method: this.#method as Dispatcher.HttpMethod, headers: this.#headers, body: this.#body, headersTimeout: timer, bodyTimeout: timer }, this);
    } catch (error) {
      this.#fail(new TypeError('fetch failed', { cause: error }));
    }
  }

  // ---- the caller's cancellation --------------------------------------------------------------

  /** CancelListener: the caller's Cancellation. */
  onCancel(reason: unknown): void {
    this.#abort(reason);
  }

  /** The caller's AbortSignal (an EventTarget listener object). */
  handleEvent(): void {
    this.#abort(this.#signal!.reason);
  }

  #abort(reason: unknown): void {
    if (this.#abortReason !== undefined) return;
    this.#abortReason = reason ?? new DOMException('This operation was aborted', 'AbortError');
    // The promise settles now, as fetch's does, even while the request waits for a connection.
    if (!this.#settled) this.#fail(this.#abortReason);
    this.#controller?.abort(asError(this.#abortReason));
  }

  // ---- BodyControl --------------------------------------------------------------------------

  pause(): void {
    this.#controller?.pause();
  }

  resume(): void {
    this.#controller?.resume();
  }

  abort(reason: Error): void {
    this.#controller?.abort(reason);
  }

  // ---- undici's handler -----------------------------------------------------------------------

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    requestStarting();
    if (this.#abortReason !== undefined) controller.abort(asError(this.#abortReason));
  }

  onRequestSent(): void {
    this.#socket = sentOn();
    this.#reused = reusedAfterIdle(this.#socket);
  }

  onResponseStarted(): void {
    this.#started = true;
  }

  onRequestUpgrade(): void {
    // Never asked for (no upgrade, no CONNECT).
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders, statusText?: string): void {
    this.#started = true;
    const location = headers.location;
    if (REDIRECT.has(status) && typeof location === 'string' && this.#redirects < MAX_REDIRECTIONS && replayable(this.#body)) {
      this.#location = { status, location };
      return;
    }
    const answer = (this.#answer = new AnswerBody(this));
    this.#settled = true;
    this.#resolve(new UndiciResponse(this.#target.url.href, this.#redirects > 0, status, statusText ?? '', headers as Record<string, string | string[] | undefined>, answer));
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#answer?.push(chunk);
  }

  onResponseEnd(): void {
    answeredOn(this.#socket);
    const redirect = this.#location;
    if (redirect !== undefined) return this.#follow(redirect.status, redirect.location);
    this.#done();
    this.#answer?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const aborted = this.#abortReason !== undefined;
    if (this.#answer !== undefined) {
      this.#done();
      this.#answer.fail(aborted ? asError(this.#abortReason) : error);
      return;
    }
    if (!aborted && !this.#resent && replayable(this.#body) && resendable(error, this.#reused, this.#started)) {
      this.#resent = true;
      this.#dispatch(this.#pools!.fresh);
      return;
    }
    this.#fail(aborted ? this.#abortReason : new TypeError('fetch failed', { cause: error }));
  }

  // ---- redirects and endings ------------------------------------------------------------------

  /** Goes on at `location` as fetch does (spec: HTTP-redirect fetch). */
  #follow(status: number, location: string): void {
    let next: URL;
    try {
      next = new URL(location, this.#target.url);
    } catch (error) {
      return this.#fail(new TypeError('fetch failed', { cause: error }));
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return this.#fail(new TypeError('fetch failed', { cause: new Error(`redirect to ${next.protocol} is not followed`) }));
    const headers = { ...this.#headers };
    if ((status === 303 && this.#method !== 'HEAD') || ((status === 301 || status === 302) && this.#method === 'POST')) {
      this.#method = 'GET';
      this.#body = undefined;
      for (const name of Object.keys(headers)) if (name.toLowerCase().startsWith('content-')) delete headers[name];
    }
    if (next.origin !== this.#target.url.origin) {
      for (const name of Object.keys(headers)) if (CREDENTIALS.has(name.toLowerCase())) delete headers[name];
    }
    this.#headers = headers;
    this.#target = targetOf(next);
    this.#redirects++;
    this.#dispatch(this.#pools!.pooled);
  }

  #fail(error: unknown): void {
    this.#done();
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }

  /** No cancellation concerns it any more. */
  #done(): void {
    this.#cancellation?.removeListener(this);
    this.#signal?.removeEventListener('abort', this);
  }
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new DOMException(typeof reason === 'string' ? reason : 'This operation was aborted', 'AbortError');
}

/** Headers as undici takes them: the transport's plain object as it is, others copied into one. */
function headersOf(headers: RequestInit['headers']): Record<string, string> | undefined {
  if (headers === undefined || headers === null) return undefined;
  if (headers instanceof Headers || Array.isArray(headers)) return Object.fromEntries(headers);
  return headers as Record<string, string>;
}

/**
 * @example
 * const transport = new StreamableHttpClientTransport(url, { fetch: createUndiciFetch({ keepAliveTimeoutMs: 2000 }) });
 */
export function createUndiciFetch(options: UndiciFetchOptions = {}): typeof fetch & { close(): Promise<void> } {
  return createPooledFetch(options, createPools);
}

/**
 * The same fetch on the client's own HTTP/1.1 connections (h1-agent.ts) instead of undici's:
 * the HTTP client transport's default and a gateway's for its upstreams. It sends a body given
 * as a string or bytes only (the transport's JSON), over `http:` and `https:`.
 *
 * @example
 * const transport = new StreamableHttpClientTransport(url, { fetch: createH1Fetch() });
 */
export function createH1Fetch(options: UndiciFetchOptions = {}): typeof fetch & { close(): Promise<void> } {
  return createPooledFetch(options, createH1Pools);
}

function createPooledFetch(options: UndiciFetchOptions, makePools: (keepAliveTimeout: number) => Promise<Pools>): typeof fetch & { close(): Promise<void> } {
  const keepAliveTimeout = options.keepAliveTimeoutMs ?? 4000;
  // An idle connection's limit, and a quarter of it the pool's sweep: a timer must hold it.
  if (!(keepAliveTimeout >= 0)) throw new RangeError(`keepAliveTimeoutMs is ${keepAliveTimeout}; expected a duration in milliseconds`);
  checkTimerMs('keepAliveTimeoutMs', keepAliveTimeout);
  let pools: Pools | undefined;
  let loading: Promise<Pools> | undefined;
  // The target of the last URL fetched: a transport fetches the same URL object every time.
  let last: Target | undefined;
  let lastHref: string | undefined;
  const pooledFetch = (input: string | URL | Request, init: UndiciRequestInit = {}): Promise<Response> => {
    const where = input instanceof Request ? input.url : input;
    const href = typeof where === 'string' ? where : where.href;
    let target: Target;
    if (last !== undefined && href === lastHref) target = last;
    else {
      try {
        target = last = targetOf(new URL(href));
        lastHref = href;
      } catch (error) {
        return Promise.reject(new TypeError('fetch failed', { cause: error }));
      }
    }
    const call = new FetchCall(target, init);
    if (pools !== undefined) call.start(pools);
    else {
      loading ??= makePools(keepAliveTimeout).then((made) => (pools = made));
      loading.then(
        (made) => call.start(made),
        (error: unknown) => call.fail(error),
      );
    }
    return call.response;
  };
  const close = async () => {
    if (loading === undefined) return;
    const { pooled, fresh } = await loading;
    await Promise.all([pooled.close(), fresh.close()]);
  };
  return Object.assign(pooledFetch as typeof fetch, { close, [TAKES_CANCELLATION]: true });
}
