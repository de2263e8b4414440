/**
 * Request correlation for the client: ids, timeouts, cancellation and progress callbacks for
 * requests in flight. Kept apart from the client so both stream and HTTP transports share it.
 */
import { performance } from 'node:perf_hooks';
import type { Cancellation, CancelListener } from '../protocol/cancellation.ts';
import { settleWith, type JsonRpcNotification, type JsonRpcResponse, type MalformedAnswer, type RequestId } from '../protocol/jsonrpc.ts';
import { LocalErrorCode, MalformedAnswerError, McpLocalError } from '../protocol/local-errors.ts';
import { RequestTable } from '../protocol/request-table.ts';
import { handlerFor, type InputHandlers, type InputWatch } from './input.ts';
import type { RetryOptions } from './retry.ts';

export interface Progress {
  progress: number;
  total?: number;
  message?: string;
}

/**
 * Options of one request. The input handlers (`onElicit`, `onSample`, `onListRoots`) answer
 * the server's questions that belong to this request only, in place of the client's own
 * handlers, in both eras (see {@link InputHandlers}).
 *
 * @example
 * await client.callTool('deploy', { env: 'prod' }, {
 *   timeoutMs: 30_000,
 *   maxTotalTimeoutMs: 300_000,
 *   onProgress: ({ progress, total }) => console.log(progress, total),
 *   onElicit: async ({ message }) => ({ action: 'accept', content: { confirm: true } }),
 * });
 */
export interface RequestOptions extends InputHandlers {
  signal?: AbortSignal;
  /**
   * Cancels the request like `signal`, at less cost: a caller passing its own cancellation on
   * (a gateway, its caller's) needs no AbortSignal made for it. Either or both may be given.
   */
  cancellation?: Cancellation;
  /**
   * Milliseconds without an answer (or progress) before the request fails with MCP_ERR_TIMEOUT.
   * It does not run while the client answers a question the server asked within the request
   * (legacy era; in the modern era no request is in flight then): the server waits on the
   * client meanwhile. Nor does that time count towards `maxTotalTimeoutMs`.
   */
  timeoutMs?: number;
  /** Receives `notifications/progress` for this request; each one restarts the timeout. */
  onProgress?: (progress: Progress) => void;
  /**
   * Receives the other notifications the server sent as part of this request: over HTTP, those
   * on the request's own response stream (its log messages, for one: spec 2026-07-28,
   * server/utilities/logging). They then skip the client's `onNotification`. Over stdio nothing
   * ties a notification to a request, so they all go to the client's.
   */
  onNotification?: (notification: JsonRpcNotification) => void;
  /**
   * Called with the request's JSON-RPC id once it is sent (again, with a new id, for each retry
   * or input round): the id the server's messages about it name, such as a notice that a
   * request cancelled there has stopped running (see manager/peer-tools.ts).
   */
  onSent?: (id: RequestId) => void;
  /** Milliseconds the request may take in all, however much progress restarts the timeout. */
  maxTotalTimeoutMs?: number;
  /**
   * Retries of this request, in place of the client's `retry`; `false` for none. A request
   * is sent again after it may have reached the server only when it is safe to repeat (see
   * {@link RetryOptions}).
   */
  retry?: RetryOptions | false;
  /**
   * The caller vouches that sending this request twice does no harm (e.g. a tool the caller
   * trusts to be read-only or idempotent, as its annotations `readOnlyHint`/`idempotentHint`
   * claim), so it is retried like a list or read request.
   */
  idempotent?: boolean;
  /**
   * Results that carry `ttlMs` (spec 2026-07-28, server/utilities/caching): `'default'` serves
   * a fresh cached result, `'reload'` asks the server and caches its answer, `'no-store'` asks
   * the server and leaves the cache alone.
   */
  cache?: 'default' | 'reload' | 'no-store';
  /**
   * Modern era: extensions this request alone opts in to, added to the client's capabilities
   * in its `_meta` (e.g. `{ 'io.modelcontextprotocol/tasks': {} }` for one call that may run as
   * a task, when others must not).
   */
  extensions?: Record<string, object>;
  /** Told when the client starts and stops answering the server's questions of this request. */
  inputWatch?: InputWatch;
}

/** What a request's cancellation means for whoever sent it: tell the server. */
export type CancelSender = (id: RequestId, reason: string) => void;

/** One request in flight: its promise's ends, its timeout, and what cancels it. */
export class Pending implements CancelListener {
  readonly id: RequestId;
  readonly method: string;
  readonly options: RequestOptions;
  readonly owner: PendingRequests;
  resolve: (result: Record<string, unknown>) => void;
  reject: (error: Error) => void;
  /** Its own timer (a short timeout), or undefined. */
  timer: NodeJS.Timeout | undefined;
  /** On the shared coarse timer (a long timeout): when it times out, in performance.now() terms; 0 when not. */
  expiresAt: number;
  /**
   * Whether the armed timeout is the total one (`maxTotalTimeoutMs`), not the one progress
   * restarts. Decided when armed: a timer may fire a millisecond before performance.now() reaches
   * the deadline (libuv's clock is cached and whole milliseconds), so the clock cannot tell.
   */
  overall: boolean;
  readonly timeoutMs: number;
  /** When `maxTotalTimeoutMs` is up, in performance.now() terms (moved on by the time its timeout was held). */
  deadline: number;
  /** Questions of the server's being answered by the client for this request: its timeout is held meanwhile. */
  held: number;
  /** Since when (performance.now()) the timeout has been held. */
  heldSince: number;

  constructor(owner: PendingRequests, id: RequestId, method: string, options: RequestOptions, timeoutMs: number) {
    this.owner = owner;
    this.id = id;
    this.method = method;
    this.options = options;
    this.resolve = noop;
    this.reject = noop;
    this.timer = undefined;
    this.expiresAt = 0;
    this.overall = false;
    this.timeoutMs = timeoutMs;
    this.deadline = options.maxTotalTimeoutMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + options.maxTotalTimeoutMs;
    this.held = 0;
    this.heldSince = 0;
  }

  /** The caller's cancellation (CancelListener). */
  onCancel(reason: unknown): void {
    this.owner.cancelled(this, reason);
  }

  /** The caller's AbortSignal (an EventTarget listener object: no closure per request). */
  handleEvent(): void {
    this.owner.cancelled(this, this.options.signal!.reason);
  }

  /** Stops listening for the caller's cancellation. */
  unlisten(): void {
    this.options.cancellation?.removeListener(this);
    this.options.signal?.removeEventListener('abort', this);
  }
}

function noop(): void {}

function cancelledError(method: string, reason: unknown): McpLocalError {
  return new McpLocalError(LocalErrorCode.Cancelled, `${method} was cancelled`, { cause: reason });
}

/** The request's cancellation as an AbortSignal (for handlers of its input), if it has one. */
export function signalOf(options: RequestOptions): AbortSignal | undefined {
  return options.signal ?? options.cancellation?.signal;
}

/** Whether the caller cancelled the request. */
export function isCancelled(options: RequestOptions): boolean {
  return options.signal?.aborted === true || options.cancellation?.cancelled === true;
}

/**
 * Timeouts of at least this long share one coarse timer, which looks every {@link COARSE_TICK_MS}
 * (such a timeout fires up to that much late: at most 5%); shorter ones get a timer each. A
 * timer per request costs a Timeout object and a timer list insertion and removal on every
 * call; a request's default timeout is a minute.
 */
const COARSE_FROM_MS = 5000;
const COARSE_TICK_MS = 250;

export class PendingRequests {
  readonly #pending: RequestTable<Pending>;
  readonly #sendCancel: CancelSender;
  /** Requests with a long timeout, watched by one shared timer (`#ticker`) rather than each by its own. */
  readonly #coarse: RequestTable<Pending>;
  #ticker: NodeJS.Timeout | undefined;
  #nextId: number;

  /** `sendCancel` tells the server a request was cancelled or timed out (spec: cancellation). */
  constructor(sendCancel: CancelSender) {
    this.#pending = new RequestTable();
    this.#sendCancel = sendCancel;
    this.#coarse = new RequestTable();
    this.#ticker = undefined;
    this.#nextId = 0;
  }

  nextId(): number {
    return ++this.#nextId;
  }

  get size(): number {
    return this.#pending.size;
  }

  /**
   * Registers a request and returns its promise. When the caller cancels it or its timeout
   * fires, the server is told (through `sendCancel`) and the promise rejects.
   */
  track(id: RequestId, method: string, options: RequestOptions, defaultTimeoutMs: number): Promise<Record<string, unknown>> {
    const entry = new Pending(this, id, method, options, options.timeoutMs ?? defaultTimeoutMs);
    const promise = new Promise<Record<string, unknown>>((resolve, reject) => {
      entry.resolve = resolve;
      entry.reject = reject;
    });
    if (isCancelled(options)) {
      entry.reject(cancelledError(method, options.signal?.aborted ? options.signal.reason : options.cancellation!.reason));
      return promise;
    }
    options.signal?.addEventListener('abort', entry, { once: true });
    options.cancellation?.addListener(entry);
    this.#pending.set(id, entry);
    this.#arm(entry);
    return promise;
  }

  /** @internal The caller cancelled `entry` (see {@link Pending}). */
  cancelled(entry: Pending, reason: unknown): void {
    if (this.#settle(entry.id) !== entry) return;
    this.#sendCancel(entry.id, typeof reason === 'string' ? reason : 'cancelled');
    entry.reject(cancelledError(entry.method, reason));
  }

  #arm(entry: Pending): void {
    const total = entry.deadline !== Number.POSITIVE_INFINITY;
    const idle = entry.timeoutMs > 0 && Number.isFinite(entry.timeoutMs);
    if (!idle && !total) return;
    const now = performance.now();
    entry.overall = !idle || entry.deadline - now <= entry.timeoutMs;
    const remaining = Math.max(0, entry.overall ? entry.deadline - now : entry.timeoutMs);
    if (remaining < COARSE_FROM_MS) {
      entry.timer = setTimeout(timedOut, remaining, entry);
      entry.timer.unref?.();
      return;
    }
    this.#coarse.set(entry.id, entry);
    entry.expiresAt = now + remaining;
    if (this.#ticker === undefined) {
      this.#ticker = setInterval(this.#tick, COARSE_TICK_MS);
      this.#ticker.unref?.();
    }
  }

  #disarm(entry: Pending): void {
    if (entry.timer !== undefined) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
    } else if (entry.expiresAt !== 0) {
      this.#coarse.delete(entry.id);
      entry.expiresAt = 0;
    }
  }

  /** The shared timer: fails the long-timeout requests whose time is up. */
  readonly #tick = (): void => {
    const now = performance.now();
    for (const entry of this.#coarse.values()) if (entry.expiresAt <= now) this.timedOut(entry);
    if (this.#coarse.size === 0) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
  };

  /** @internal `entry`'s timeout fired. */
  timedOut(entry: Pending): void {
    if (this.#settle(entry.id) !== entry) return;
    this.#sendCancel(entry.id, 'timeout');
    const limit = entry.overall ? `a total of ${entry.options.maxTotalTimeoutMs}` : `${entry.timeoutMs}`;
    entry.reject(new McpLocalError(LocalErrorCode.Timeout, `${entry.method} timed out after ${limit} ms`));
  }

  /**
   * The client starts answering a question the server asked within `entry` (a request in
   * flight): the request's timeout is held until {@link resume}, since the server waits on the
   * client meanwhile.
   */
  hold(entry: Pending): void {
    if (entry.held++ > 0 || this.#pending.get(entry.id) !== entry) return;
    entry.heldSince = performance.now();
    this.#disarm(entry);
  }

  /** The client answered: the request's timeout starts again, and its total is moved on by the time it was held. */
  resume(entry: Pending): void {
    if (--entry.held > 0 || this.#pending.get(entry.id) !== entry) return;
    entry.deadline += performance.now() - entry.heldSince;
    this.#arm(entry);
  }

  /** Routes a progress notification; returns false if no request has that token. */
  progress(token: RequestId, progress: Progress): boolean {
    const entry = this.#pending.get(token);
    const options = entry?.options;
    if (!entry || !options?.onProgress) return false;
    if (entry.held === 0 && (entry.timer !== undefined || entry.expiresAt !== 0)) {
      this.#disarm(entry);
      this.#arm(entry);
    }
    options.onProgress(progress);
    return true;
  }
  /** The options of a request in flight. */
  optionsOf(id: RequestId): RequestOptions | undefined {
    return this.#pending.get(id)?.options;
  }

  /** A request in flight. */
  get(id: RequestId): Pending | undefined {
    return this.#pending.get(id);
  }

  /**
   * The requests in flight that answer `method` (a server-to-client request) with a handler
   * of their own. Stops counting at two: callers only need "none, one, or several".
   */
  withHandlerFor(method: string): Pending[] {
    const found: Pending[] = [];
    for (const entry of this.#pending.values()) {
      if (handlerFor(method, entry.options) !== undefined && found.push(entry) === 2) break;
    }
    return found;
  }

  /** Delivers a response; returns false when no request was waiting for it. */
  settle(response: JsonRpcResponse): boolean {
    const id = (response as { id?: RequestId }).id;
    if (id === undefined) return false;
    const entry = this.#settle(id);
    if (!entry) return false;
    settleWith(entry, response);
    return true;
  }

  /** Fails the request a malformed answer names, at once (see malformedAnswer). */
  failMalformed(answer: MalformedAnswer): boolean {
    const entry = this.#settle(answer.id);
    entry?.reject(new MalformedAnswerError(entry.method, answer.what, answer.problem));
    return entry !== undefined;
  }

  /** Fails one request, e.g. when its HTTP exchange broke. */
  fail(id: RequestId, error: Error): boolean {
    const entry = this.#settle(id);
    entry?.reject(error);
    return entry !== undefined;
  }

  /** Fails every request in flight, e.g. when the connection drops. */
  rejectAll(error: Error): void {
    for (const [id] of this.#pending.entries()) this.#settle(id)?.reject(error);
  }

  #settle(id: RequestId): Pending | undefined {
    const entry = this.#pending.get(id);
    if (!entry) return undefined;
    this.#pending.delete(id);
    this.#disarm(entry);
    entry.unlisten();
    return entry;
  }
}

function timedOut(entry: Pending): void {
  entry.owner.timedOut(entry);
}
