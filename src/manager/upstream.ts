/**
 * One upstream MCP server: a single long-lived connection that every call reuses, opened on
 * first need, reopened with exponential backoff and jitter when it is lost, and its catalog
 * (tools, resources, templates, prompts) kept current through list_changed.
 *
 * A crashed stdio upstream is restarted the same way; the backoff only resets once a
 * connection has stayed up for a while, so a server that crashes on start is retried less and
 * less often instead of in a tight loop. While it is down, calls fail at once naming the
 * reason ("dead"), rather than waiting out a timeout.
 */
import { McpClient } from '../client/client.ts';
import { timerHolds } from '../protocol/timer-limit.ts';
import type { InputHandlers } from '../client/input.ts';
import { isCancelled, signalOf, type RequestOptions } from '../client/requests.ts';
import { doublingDelay } from '../protocol/backoff.ts';
import type { JsonRpcNotification, MalformedPart, Params } from '../protocol/jsonrpc.ts';
import { reportError } from '../protocol/error-report.ts';
import { outsideRequests } from '../protocol/outside-requests.ts';
import { isObject, MAX_JSON_DEPTH, nestedDeeperThan, quoteValue } from '../protocol/guards.ts';
import { warnOfPeer } from '../protocol/peer-warning.ts';
import { terminalLine } from '../protocol/terminal-text.ts';
import { TASKS_EXTENSION } from '../protocol/meta.ts';
import { LocalErrorCode, MalformedAnswerError, McpLocalError } from '../protocol/local-errors.ts';
import { Method, Notification } from '../protocol/methods.ts';
import type { Implementation, Prompt, Resource, ResourceTemplate, Tool } from '../protocol/types.ts';
import { ErrorCode, invalidParams, McpError } from '../protocol/wire-errors.ts';
import { StreamableHttpClientTransport } from '../transport/http/client.ts';
import { SseClientTransport } from '../transport/http/sse-client.ts';
import type { HttpClientAuth } from '../transport/http/client-auth.ts';
import { createH1Fetch } from '../transport/http/undici-fetch.ts';
import { StdioClientTransport } from '../transport/stdio-client.ts';
import type { Transport } from '../transport/transport.ts';
import type { UpstreamSpec } from './config.ts';
import { errorProblem, resultProblem } from './entry-check.ts';
import { classify, UpstreamFailure, type FailureReason } from './failures.ts';
import { MAX_SUBSCRIPTIONS } from './follows.ts';
import { LatencyWindow, type LatencySummary } from './latency.ts';
import { UpstreamPolicies, type BreakerState } from './policies.ts';
import { QuestionGuard, taskQuestionsProblem } from './question-guard.ts';
import { release, track } from './reaper.ts';

export type UpstreamState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';
export type CatalogKind = 'tools' | 'resources' | 'prompts';

/** What an upstream offers, as it listed it (names and URIs are its own). */
export interface UpstreamCatalog {
  tools: Tool[];
  resources: Resource[];
  templates: ResourceTemplate[];
  prompts: Prompt[];
}

/** The health of one upstream, as plain data. */
export interface UpstreamHealth {
  name: string;
  transport: 'stdio' | 'http';
  enabled: boolean;
  required: boolean;
  state: UpstreamState | 'disabled';
  connected: boolean;
  era: 'modern' | 'legacy' | null;
  protocolVersion: string | null;
  server: Implementation | null;
  breaker: BreakerState;
  lastError: { message: string; reason: FailureReason | 'other'; at: string } | null;
  latencyMs: LatencySummary;
  calls: { total: number; failed: number; running: number; queued: number };
  /** Failed calls by reason. */
  failures: Record<FailureReason, number>;
  restarts: number;
  pid: number | null;
  tools: number;
  /** Its resources the gateway's callers follow (it is asked for their updates), at most 1,000. */
  subscriptions: number;
}

export interface UpstreamEvents {
  /** The catalog of `kind` changed (first listing, list_changed, or a reconnection). */
  onCatalog(upstream: Upstream, kind: CatalogKind): void;
  /** `notifications/resources/updated` for one of the upstream's own URIs that it was asked to follow. */
  onResourceUpdated(upstream: Upstream, uri: string): void;
  /** A notification nobody asked for by request (logging with no call to carry it). */
  onNotification?(upstream: Upstream, notification: JsonRpcNotification): void;
  /** The connection came up, went down, or the breaker changed. */
  onState?(upstream: Upstream): void;
}

/** How {@link Upstream.request} sends one request, beside the client's own request options. */
export interface UpstreamRequestOptions {
  /**
   * Sent again after a lost connection, the failure a new attempt may cure (policies.ts): for
   * requests that change nothing or change it the same way twice (a list, a read, `tasks/get`,
   * a tool annotated read-only or idempotent). Otherwise sent once, whatever happens.
   */
  retryable: boolean;
  /**
   * The params' values were walked for depth already (a caller's `inputResponses`, by
   * server/input-responses.ts) and are not walked again. Default false.
   */
  paramsDepthChecked?: boolean;
}

/** Resolves after `ms`, keeping no process alive for it. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function sumOf(counts: Record<string, number>): number {
  let total = 0;
  for (const count of Object.values(counts)) total += count;
  return total;
}

/**
 * The upstream's serverInfo as health shows it: name, version and title, when they are
 * strings. The rest is the upstream's own, unchecked: nested thousands of levels deep, it made
 * the health of every upstream impossible to write out.
 */
function serverOf(info: unknown): Implementation | null {
  if (!isObject(info) || typeof info.name !== 'string' || typeof info.version !== 'string') return null;
  return typeof info.title === 'string' ? { name: info.name, version: info.version, title: info.title } : { name: info.name, version: info.version };
}

/**
 * A listing prompted by list_changed is followed by the next one no sooner than this, nor
 * sooner than {@link RELIST_COST_FACTOR} times as long as it took: an upstream that keeps
 * sending list_changed costs the gateway at most about a tenth of its time in listings
 * (each lists every page, and the gateway compares every entry), not all of it.
 */
const RELIST_INTERVAL_MS = 1000;
const RELIST_COST_FACTOR = 10;
/** ...but never more than this: a slow upstream's listing is mostly waiting, not the gateway's work. */
const RELIST_MAX_PAUSE_MS = 30_000;

/** A connection that lived this long proves the server starts: the backoff starts over. */
const STABLE_MS = 10_000;
const LIST_CHANGED: Record<string, CatalogKind> = {
  [Notification.ToolsListChanged]: 'tools',
  [Notification.ResourcesListChanged]: 'resources',
  [Notification.PromptsListChanged]: 'prompts',
};
const EMPTY_CATALOG: UpstreamCatalog = Object.freeze({ tools: [], resources: [], templates: [], prompts: [] }) as unknown as UpstreamCatalog;

export class Upstream {
  spec: UpstreamSpec;
  readonly name: string;
  #policies: UpstreamPolicies;
  readonly #events: UpstreamEvents;
  readonly #latency: LatencyWindow;
  #state: UpstreamState;
  #client: McpClient | undefined;
  #transport: Transport | undefined;
  #connecting: Promise<McpClient> | undefined;
  /** Failed starts (or short-lived connections) in a row: the backoff's exponent. */
  #attempt: number;
  #retryTimer: NodeJS.Timeout | undefined;
  #nextAttemptAt: number;
  /** Resolves the wait of safe calls retrying across a reconnection. */
  #reconnected: Array<() => void>;
  #connectedAt: number;
  #catalog: UpstreamCatalog;
  #lastError: UpstreamHealth['lastError'];
  /** The last error's message without the upstream's name and reason: what a restatement says. */
  #lastDetail: string;
  /** Failures that restate the last error ({@link #deadFailure}, {@link #closedFailure}). */
  readonly #restated: WeakSet<Error>;
  #restarts: number;
  /** Why it was closed: what the calls that find it closed, or were cut off by it, are told. */
  #closedWhy: string;
  /** Whether it was ever started: the starts after the first are its restarts. */
  #everStarted: boolean;
  #calls: number;
  readonly #failures: Record<FailureReason, number>;
  #inflight: number;
  #idle: Array<() => void>;
  /** Its own resource URIs the gateway's callers follow (`notifications/resources/updated`). */
  readonly #subscriptions: Set<string>;
  /** The listing of each kind running after a list_changed, and whether another must follow it. */
  readonly #relisting: Map<CatalogKind, { client: McpClient; again: boolean }>;
  /** The modern upstream's open `subscriptions/listen`, replaced when the URIs change. */
  #listening: AbortController | undefined;
  /** Its `subscriptions/listen` streams in a row that ended soon after they opened (see #listenAgain). */
  #listensEnded: number;
  /** A new `subscriptions/listen` is to be opened for the URIs followed, once this turn's changes are in. */
  #relistenPending: boolean;
  #authFor: { settings: object; auth: HttpClientAuth } | undefined;
  /** HTTP upstreams: one keep-alive pool for every connection to it (see undici-fetch.ts). */
  #fetch: ReturnType<typeof createH1Fetch> | undefined;

  /** The roots of the manager's owner, when it has some (see `ManagerOptions.onListRoots`). */
  readonly #onListRoots: InputHandlers['onListRoots'];

  constructor(spec: UpstreamSpec, events: UpstreamEvents, onListRoots?: InputHandlers['onListRoots']) {
    this.spec = spec;
    this.name = spec.name;
    this.#events = events;
    this.#policies = new UpstreamPolicies(spec, () => events.onState?.(this));
    this.#latency = new LatencyWindow();
    this.#state = 'idle';
    this.#client = undefined;
    this.#transport = undefined;
    this.#connecting = undefined;
    this.#attempt = 0;
    this.#retryTimer = undefined;
    this.#nextAttemptAt = 0;
    this.#reconnected = [];
    this.#connectedAt = 0;
    this.#catalog = EMPTY_CATALOG;
    this.#lastError = null;
    this.#lastDetail = 'not connected';
    this.#restated = new WeakSet();
    this.#restarts = 0;
    this.#closedWhy = 'the upstream was removed or the manager closed';
    this.#everStarted = false;
    this.#calls = 0;
    this.#failures = { dead: 0, slow: 0, breaker_open: 0, auth: 0, overloaded: 0 };
    this.#inflight = 0;
    this.#idle = [];
    this.#subscriptions = new Set();
    this.#relisting = new Map();
    this.#listening = undefined;
    this.#listensEnded = 0;
    this.#relistenPending = false;
    this.#authFor = undefined;
    this.#fetch = undefined;
    this.#onListRoots = onListRoots;
  }

  get state(): UpstreamState {
    return this.#state;
  }

  get catalog(): UpstreamCatalog {
    return this.#catalog;
  }

  /** The era the connection speaks, once connected. */
  get era(): 'modern' | 'legacy' | undefined {
    return this.#client?.era;
  }

  // ---- the connection ---------------------------------------------------------------------

  /**
   * The connected client: at once when connected, after the first connection when idle. While
   * the upstream is down and waiting to reconnect, fails at once as "dead", unless `wait` (a
   * safe call's retry), which waits for the reconnection as long as `signal` allows.
   */
  connection(signal?: AbortSignal, wait = false): Promise<McpClient> {
    switch (this.#state) {
      case 'connected':
        return Promise.resolve(this.#client!);
      case 'connecting':
        return this.#connecting!;
      case 'idle':
        return this.#connect();
      case 'reconnecting':
        return wait ? this.#waitForReconnect(signal) : Promise.reject(this.#deadFailure());
      case 'closed':
        return Promise.reject(this.#closedFailure());
    }
  }

  /** Starts connecting now if idle (the manager's eager discovery); never rejects. */
  async start(): Promise<void> {
    await this.connection().catch(() => undefined);
  }

  /** Why calls fail while the upstream is down: the last error, restated (not noted again). */
  #deadFailure(): UpstreamFailure {
    const retryIn = Math.max(0, this.#nextAttemptAt - performance.now());
    const failure = new UpstreamFailure(this.name, 'dead', `${this.#lastDetail}; next connection attempt in ${Math.ceil(retryIn / 100) / 10} s`);
    this.#restated.add(failure);
    return failure;
  }

  #closedFailure(): UpstreamFailure {
    const failure = new UpstreamFailure(this.name, 'dead', this.#closedWhy);
    this.#restated.add(failure);
    return failure;
  }

  /** Waits for the next connection, at most one call timeout. */
  #waitForReconnect(callSignal: AbortSignal | undefined): Promise<McpClient> {
    // A timeoutMs past what a timer holds is none: AbortSignal.timeout would end the wait at
    // once, or throw.
    const limit = timerHolds(this.spec.timeoutMs) ? AbortSignal.timeout(this.spec.timeoutMs) : undefined;
    const signal = limit === undefined ? callSignal : callSignal === undefined ? limit : AbortSignal.any([callSignal, limit]);
    return new Promise<void>((resolve, reject) => {
      const fail = () => reject(callSignal?.aborted ? callSignal.reason : this.#deadFailure());
      if (signal?.aborted) return fail();
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.#reconnected = this.#reconnected.filter((waiter) => waiter !== done);
        fail();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#reconnected.push(done);
    }).then(() => this.connection(callSignal, true));
  }

  #connect(): Promise<McpClient> {
    // Every start after the first, connected or not: one that crashes on start is restarting.
    if (this.#everStarted) this.#restarts++;
    this.#everStarted = true;
    this.#state = 'connecting';
    this.#events.onState?.(this);
    // The connection serves every call, not the one whose arrival (at an idle upstream) or
    // failure (the reconnection's timer) began it: begun in that call's async context, all it
    // runs (its sockets, timers, listening, discovery) kept that call, and named it in their
    // log lines and traces, for as long as the connection lived.
    const connecting = outsideRequests(() => this.#openAndRecord());
    this.#connecting = connecting;
    // Discovery and eager starts may leave this promise unobserved; its failure is recorded.
    connecting.catch(() => undefined);
    return connecting;
  }

  /** Opens the connection and records how that went: connected, or a reconnection scheduled. */
  #openAndRecord(): Promise<McpClient> {
    return this.#open().then(
      (client) => {
        this.#connecting = undefined;
        if (this.#state !== 'connecting') {
          // Closed while connecting.
          client.close().catch(() => undefined);
          throw this.#closedFailure();
        }
        if (this.#transport?.state === 'closed') {
          // It went away between its handshake and now, before #lost could know it.
          const failure = new UpstreamFailure(this.name, 'dead', 'the connection closed right after it opened');
          this.#noteError(failure);
          this.#scheduleReconnect(true);
          throw failure;
        }
        this.#state = 'connected';
        this.#client = client;
        this.#connectedAt = performance.now();
        this.#wake();
        for (const kind of ['tools', 'resources', 'prompts'] as const) this.#events.onCatalog(this, kind);
        this.#events.onState?.(this);
        return client;
      },
      (error: unknown) => {
        this.#connecting = undefined;
        const failure = classify(this.name, error) ?? new UpstreamFailure(this.name, 'dead', error instanceof Error ? error.message : 'the connection failed', { cause: error });
        this.#noteError(failure);
        if (this.#state === 'connecting') this.#scheduleReconnect(true);
        throw failure;
      },
    );
  }

  async #open(): Promise<McpClient> {
    const { spec } = this;
    const transport = this.#makeTransport(await this.#clientAuth());
    this.#transport = transport;
    const client = new McpClient({
      name: 'mcp-core-gateway',
      version: '1.0.0',
      era: spec.era,
      requestTimeoutMs: spec.timeoutMs,
      // The gateway answers these by asking its own caller, call by call. Roots only when the
      // manager has an owner whose roots they are: servers ask for roots outside any call too
      // (the filesystem server then replaces its own directories with them), and a gateway of
      // many callers has no one caller to ask.
      capabilities: this.#onListRoots === undefined ? { elicitation: {}, sampling: {} } : { elicitation: {}, sampling: {}, roots: { listChanged: true } },
      onListRoots: this.#onListRoots,
      onNotification: (notification) => this.#notification(client, notification),
      onClose: (error) => this.#lost(client, error),
      onFrameError: (error) => this.#unreadable(error),
      ambiguousQuestion: (method) => this.#ambiguousQuestion(method),
    });
    let timedOut = false;
    // Past what a timer holds (Infinity too), connectTimeoutMs bounds nothing.
    const timer = timerHolds(spec.connectTimeoutMs)
      ? setTimeout(() => {
          timedOut = true;
          client.close().catch(() => undefined);
        }, spec.connectTimeoutMs)
      : undefined;
    try {
      // The handshake and first listing are bounded by connectTimeoutMs alone (the timer
      // above), not by the calls' timeoutMs: a server may take longer to start than a call.
      await client.connect(transport, { timeoutMs: spec.connectTimeoutMs });
      this.#catalog = await this.#discover(client, { timeoutMs: spec.connectTimeoutMs });
    } catch (error) {
      await client.close().catch(() => undefined);
      if (timedOut) throw new UpstreamFailure(this.name, 'slow', `no answer to the handshake within ${spec.connectTimeoutMs} ms`, { cause: error });
      throw error;
    } finally {
      clearTimeout(timer);
    }
    this.#listensEnded = 0;
    if (client.era === 'modern') this.#listen(client);
    else for (const uri of this.#subscriptions) this.#subscribeLegacy(client, uri, true);
    return client;
  }

  /**
   * The upstream's authentication, made once per settings (tokens survive reconnects) and
   * loaded only when configured: the OAuth client stays out of gateways that need none.
   */
  async #clientAuth(): Promise<HttpClientAuth | undefined> {
    const { transport } = this.spec;
    if (transport.kind !== 'http' || transport.auth === undefined) return undefined;
    if (this.#authFor?.settings !== transport.auth) {
      const { createClientAuth, defaultTokenStorePath } = await import('../client/auth/from-settings.ts');
      // An oauth upstream shares the store `mcp-core login` fills, unless told otherwise.
      const settings = transport.auth.type === 'oauth' ? { ...transport.auth, tokenStore: transport.auth.tokenStore ?? defaultTokenStorePath() } : transport.auth;
      this.#authFor = { settings: transport.auth, auth: createClientAuth(settings, transport.url) };
    }
    return this.#authFor.auth;
  }

  #makeTransport(auth: HttpClientAuth | undefined): Transport {
    const { transport } = this.spec;
    if (transport.kind === 'http') {
      const options = { headers: transport.headers, auth, fetch: (this.#fetch ??= createH1Fetch()) };
      return transport.sse ? new SseClientTransport(transport.url, options) : new StreamableHttpClientTransport(transport.url, options);
    }
    const stdio = new StdioClientTransport({
      command: transport.command,
      args: transport.args,
      env: transport.env,
      cwd: transport.cwd,
      // Line by line under the upstream's name: none can pass for, or run into, a line of the gateway's log.
      stderr: 'inherit',
      stderrPrefix: `[${this.name}] `,
      stderrBudget: transport.stderr,
      processGroup: true,
    });
    track(stdio);
    stdio.process.once('exit', () => release(stdio));
    return stdio;
  }

  /**
   * Lists everything the upstream offers (what it declares), following pagination. A list
   * that fails is left empty and noted: the rest of the upstream stays usable.
   */
  async #discover(client: McpClient, options: RequestOptions): Promise<UpstreamCatalog> {
    const offers = client.serverCapabilities;
    const [tools, resources, prompts] = await Promise.all([
      offers.tools ? this.#list(client, 'tools', options) : [],
      offers.resources ? this.#list(client, 'resources', options) : { resources: [], templates: [] },
      offers.prompts ? this.#list(client, 'prompts', options) : [],
    ]);
    return { tools: tools as Tool[], ...(resources as Pick<UpstreamCatalog, 'resources' | 'templates'>), prompts: prompts as Prompt[] };
  }

  async #list(client: McpClient, kind: CatalogKind, options?: RequestOptions): Promise<Tool[] | Prompt[] | Pick<UpstreamCatalog, 'resources' | 'templates'>> {
    try {
      if (kind === 'tools') return await client.listTools(options);
      if (kind === 'prompts') return (await client.listPrompts(options)) as unknown as Prompt[];
      const [resources, templates] = await Promise.all([client.listResources(options), client.listResourceTemplates(options)]);
      return { resources: resources as unknown as Resource[], templates: templates as unknown as ResourceTemplate[] };
    } catch (error) {
      if (error instanceof McpLocalError && error.code === LocalErrorCode.ConnectionClosed) throw error;
      this.#noteError(new Error(`listing ${kind} failed: ${(error as Error).message}`));
      return kind === 'resources' ? { resources: [], templates: [] } : [];
    }
  }

  /**
   * Modern upstreams send list changes, and updates of the resources followed, on a
   * `subscriptions/listen` request kept open; a new set of resources opens a new one.
   */
  #listen(client: McpClient): void {
    this.#listening?.abort();
    const listening = (this.#listening = new AbortController());
    const notifications: Params = { toolsListChanged: true, resourcesListChanged: true, promptsListChanged: true };
    if (this.#subscriptions.size > 0 && client.serverCapabilities.resources?.subscribe) notifications.resourceSubscriptions = [...this.#subscriptions];
    const opened = performance.now();
    client.request(Method.SubscriptionsListen, { notifications }, { timeoutMs: 0, signal: listening.signal }).then(
      () => this.#listenAgain(client, listening, opened, undefined),
      (error: unknown) => this.#listenAgain(client, listening, opened, error as Error),
    );
  }

  /**
   * A `subscriptions/listen` ended. Replaced, or with its connection: nothing to do (a new
   * connection listens anew). Otherwise the upstream ended it (a restart, a proxy's timeout,
   * its own choice; spec 2026-07-28, basic/patterns/subscriptions: the client may reconnect),
   * and nothing would tell the gateway of its changes any more: it listens again after the
   * reconnection backoff, doubled for each stream in a row that ended within {@link STABLE_MS},
   * and lists every kind again, since changes made meanwhile went unheard.
   */
  #listenAgain(client: McpClient, listening: AbortController, opened: number, error: Error | undefined): void {
    const gone = client !== this.#client && this.#state !== 'connecting';
    if (listening.signal.aborted || this.#listening !== listening || this.#state === 'closed' || gone) return;
    this.#listensEnded = performance.now() - opened < STABLE_MS ? this.#listensEnded + 1 : 1;
    const { initialDelayMs, maxDelayMs } = this.spec.reconnect;
    const delay = doublingDelay(initialDelayMs, this.#listensEnded - 1, maxDelayMs);
    if (error !== undefined) this.#noteError(new Error(`listening for changes failed: ${error.message}; listening again in ${Math.ceil(delay / 100) / 10} s`));
    setTimeout(() => {
      // Meanwhile the connection may have gone (its successor listens) or the URIs changed (so did the stream).
      if (this.#listening !== listening || client !== this.#client) return;
      this.#listen(client);
      const offers = client.serverCapabilities;
      for (const kind of ['tools', 'resources', 'prompts'] as const) if (offers[kind] !== undefined) this.#relistSoon(client, kind);
    }, delay).unref();
  }

  #subscribeLegacy(client: McpClient, uri: string, on: boolean): void {
    if (!client.serverCapabilities.resources?.subscribe) return;
    client.request(on ? Method.ResourcesSubscribe : Method.ResourcesUnsubscribe, { uri }).then(
      () => undefined,
      (error: unknown) => this.#noteError(new Error(`${on ? 'subscribing to' : 'unsubscribing from'} ${uri} failed: ${(error as Error).message}`)),
    );
  }

  /**
   * Follows one of its resources for the gateway's callers; false when it already follows
   * {@link MAX_SUBSCRIPTIONS}. Applied to the connection now, and to every new one.
   */
  subscribe(uri: string): boolean {
    if (this.#subscriptions.has(uri)) return true;
    if (this.#subscriptions.size >= MAX_SUBSCRIPTIONS) return false;
    this.#subscriptions.add(uri);
    this.#applySubscriptions(uri, true);
    return true;
  }

  unsubscribe(uri: string): void {
    if (this.#subscriptions.delete(uri)) this.#applySubscriptions(uri, false);
  }

  /**
   * The owner's roots changed: a connected 2025-era upstream is told
   * (`notifications/roots/list_changed`). One that is not connected asks when it connects.
   */
  rootsChanged(): void {
    const client = this.#client;
    if (this.#onListRoots === undefined || client === undefined || this.#state !== 'connected' || client.era !== 'legacy') return;
    try {
      client.notify(Notification.RootsListChanged);
    } catch {
      // The connection is closing: the next one asks for the roots when it starts.
    }
  }

  #applySubscriptions(uri: string, on: boolean): void {
    const client = this.#client;
    if (client === undefined) return;
    if (client.era === 'legacy') return this.#subscribeLegacy(client, uri, on);
    // One new subscriptions/listen for all the changes of this turn: one per URI, each naming
    // every URI followed, sent 1,000 listens of 500,500 URIs in all for one caller's listen of
    // 1,000 URIs, and as many again when it ended.
    if (this.#relistenPending) return;
    this.#relistenPending = true;
    queueMicrotask(() => {
      this.#relistenPending = false;
      if (this.#client === client && this.#state === 'connected') this.#listen(client);
    });
  }

  #notification(client: McpClient, notification: JsonRpcNotification): void {
    if (client !== this.#client && this.#state !== 'connecting') return;
    const kind = LIST_CHANGED[notification.method];
    if (kind !== undefined) return this.#relistSoon(client, kind);
    if (notification.method === Notification.ResourcesUpdated) {
      // Only of a resource the gateway asked it to follow: the rest nobody subscribed to, and
      // each would be passed to every session and listener (and the bus) to find no one.
      const uri = notification.params?.uri;
      if (typeof uri === 'string' && this.#subscriptions.has(uri)) this.#events.onResourceUpdated(this, uri);
      return;
    }
    this.#events.onNotification?.(this, notification);
  }

  /**
   * Lists `kind` again after a list_changed: at once when it is the first in a while, then one
   * listing at a time per kind, spaced (see {@link RELIST_INTERVAL_MS}), and one more after
   * each when list_changed came meanwhile, however many came. A listing per notification would
   * let an upstream that floods them make the gateway hold any number of listings at once, and
   * listings back to back would let one that keeps sending them take all of its time.
   */
  #relistSoon(client: McpClient, kind: CatalogKind): void {
    const running = this.#relisting.get(kind);
    if (running?.client === client) {
      running.again = true;
      return;
    }
    const relisting = { client, again: false };
    this.#relisting.set(kind, relisting);
    const run = async () => {
      do {
        relisting.again = false;
        const started = performance.now();
        await this.#relist(client, kind);
        // The pause after each listing, with the kind still marked as listing: the
        // notifications that come meanwhile make one listing after it, however many they are.
        const took = performance.now() - started;
        await pause(Math.min(RELIST_MAX_PAUSE_MS, Math.max(RELIST_INTERVAL_MS, took * RELIST_COST_FACTOR) - took));
      } while (relisting.again && client === this.#client);
    };
    run()
      .catch((error: unknown) => reportError(error, { operation: `listing ${kind} of upstream ${this.name}` }))
      .finally(() => {
        if (this.#relisting.get(kind) === relisting) this.#relisting.delete(kind);
      });
  }

  async #relist(client: McpClient, kind: CatalogKind): Promise<void> {
    const listed = await this.#list(client, kind).catch((error: unknown) => {
      this.#noteError(error as Error);
      return undefined;
    });
    if (listed === undefined || client !== this.#client) return;
    if (kind === 'resources') this.#catalog = { ...this.#catalog, ...(listed as Pick<UpstreamCatalog, 'resources' | 'templates'>) };
    else this.#catalog = { ...this.#catalog, [kind]: listed };
    this.#events.onCatalog(this, kind);
  }

  /** The connection went away (the client tells once, with the reason). */
  #lost(client: McpClient, error: Error | undefined): void {
    if (client !== this.#client || this.#state !== 'connected') return;
    this.#client = undefined;
    this.#transport = undefined;
    this.#noteError(new UpstreamFailure(this.name, 'dead', error?.message ?? 'the connection closed'));
    const stable = performance.now() - this.#connectedAt >= STABLE_MS;
    this.#scheduleReconnect(!stable);
  }

  #scheduleReconnect(failedStart: boolean): void {
    this.#attempt = failedStart ? this.#attempt + 1 : 0;
    const { initialDelayMs, maxDelayMs } = this.spec.reconnect;
    const ceiling = doublingDelay(initialDelayMs, this.#attempt, maxDelayMs);
    // Half the delay fixed, half random: restarts of many gateways do not come in step.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.#state = 'reconnecting';
    this.#nextAttemptAt = performance.now() + delay;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#state !== 'reconnecting') return;
      this.#connect().catch(() => undefined);
    }, delay);
    this.#retryTimer.unref();
    this.#events.onState?.(this);
  }

  /** Lets safe calls that were waiting for a reconnection go on. */
  #wake(): void {
    const waiting = this.#reconnected;
    this.#reconnected = [];
    for (const resolve of waiting) resolve();
  }

  /**
   * Keeps `error` as the upstream's last; a restatement of it (a call failing because the
   * upstream is down) is no news, and noted would nest in the next restatement.
   */
  #noteError(error: Error): void {
    if (this.#restated.has(error)) return;
    const failure = error instanceof UpstreamFailure ? error : undefined;
    this.#lastError = { message: error.message, reason: failure?.reason ?? 'other', at: new Date().toISOString() };
    this.#lastDetail = failure?.detail ?? error.message;
  }

  // ---- calls --------------------------------------------------------------------------------

  /**
   * Sends one request through the policies. Failures that are the upstream's (dead, slow,
   * breaker open, auth, overloaded) reject with {@link UpstreamFailure}; the upstream's own
   * JSON-RPC errors and cancellation by the caller reject as they are; an answer without the
   * spec's types (entry-check.ts), or an error that cannot be passed on as it is (no JSON-RPC
   * error, as the client reads it: a code that is not an integer, a message that is not a
   * string; or data nested too deep), rejects with an McpError (-32603) naming the upstream. A
   * question of the upstream's that could not be passed on is refused at once, and the
   * outcome says so (question-guard.ts).
   */
  async request(method: string, params: Params, given: RequestOptions, call: UpstreamRequestOptions): Promise<Record<string, unknown>> {
    // The caller's values go upstream as JSON text, and JSON.stringify overflows the stack at a
    // few thousand levels: refused as the caller's (-32602) before the upstream is asked, where
    // they failed the send as Internal error (and left the request waiting for ever).
    if (call.paramsDepthChecked !== true && nestedDeeperThan(params, MAX_JSON_DEPTH)) throw invalidParams(`Invalid params: ${method} params nest deeper than ${MAX_JSON_DEPTH} levels`);
    const started = performance.now();
    const guard = QuestionGuard.needed(given) ? new QuestionGuard(this.name) : undefined;
    // The upstream's timeouts, read at each call so that a reload applies them to the next one:
    // the one progress restarts, and the total a call that keeps reporting progress may take.
    const options =
      guard === undefined && given.timeoutMs !== undefined && given.maxTotalTimeoutMs !== undefined
        ? given
        : // The guard hears when the call's caller is asked (a property of the copy from the start: no store grown for it).
          { ...given, timeoutMs: given.timeoutMs ?? this.spec.timeoutMs, maxTotalTimeoutMs: given.maxTotalTimeoutMs ?? this.spec.maxTotalTimeoutMs, inputWatch: guard };
    guard?.watch(options);
    this.#calls++;
    if (this.#state === 'reconnecting' || this.#state === 'closed') {
      // Down: say so now. This is no new evidence against the upstream, so the breaker is not told.
      this.#failures.dead++;
      throw this.#state === 'closed' ? this.#closedFailure() : this.#deadFailure();
    }
    let retry = false;
    this.#inflight++;
    try {
      // The options go to the client as they are: its cancellation is the caller's.
      const result = await this.#policies.run(
        () => {
          const wait = retry;
          retry = true;
          return this.#send(method, params, options, wait);
        },
        call.retryable,
        options,
        guard,
      );
      this.#latency.record(performance.now() - started);
      const problem = resultProblem(method, result, options.extensions?.[TASKS_EXTENSION] !== undefined);
      if (problem !== undefined) throw this.#malformed(method, problem);
      const asked = method === Method.TasksGet ? taskQuestionsProblem(result.inputRequests) : undefined;
      if (asked !== undefined) throw this.#questionsRefused(asked);
      const refused = guard?.refused;
      if (refused === undefined) return result;
      this.#noteRefusal(refused);
      return guard!.noted(result);
    } catch (error) {
      let failure = classify(this.name, error);
      // Its connection was closed under it: the call is told why ("Connection closed" was all).
      if (failure?.reason === 'dead' && (this.#state as UpstreamState) === 'closed') failure = this.#closedFailure();
      if (failure !== undefined) {
        this.#failures[failure.reason]++;
        this.#noteError(failure);
        throw failure;
      }
      if (isCancelled(options)) {
        const reason = options.signal?.aborted ? options.signal.reason : options.cancellation?.reason;
        throw new McpLocalError(LocalErrorCode.Cancelled, `${method} was cancelled`, { cause: reason });
      }
      if (error instanceof MalformedAnswerError) throw this.#malformed(method, error.problem, error.what);
      const wrong = error instanceof McpError ? errorProblem(error) : undefined;
      if (wrong !== undefined) throw this.#malformed(method, wrong, 'error');
      const refused = guard?.refused;
      if (refused === undefined) throw error;
      this.#noteRefusal(refused);
      throw guard!.explained(error);
    } finally {
      if (--this.#inflight === 0) for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  /**
   * One attempt: on the open connection, or (a safe call's retry) the next one. Its failures
   * are classified by whoever reads them (the policies, then {@link request}).
   */
  #send(method: string, params: Params, options: RequestOptions, wait: boolean): Promise<Record<string, unknown>> {
    if (this.#state === 'connected') return this.#client!.request(method, params, options);
    return this.connection(wait ? signalOf(options) : undefined, wait).then((client) => client.request(method, params, options));
  }

  /**
   * An answer without the spec's types, as the error its caller gets (naming the upstream and
   * what is wrong) instead of a result its client would refuse without saying whose it is.
   */
  #malformed(method: string, problem: string, what: MalformedPart = 'result'): McpError {
    const error = new McpError(ErrorCode.InternalError, `Upstream "${this.name}" answered ${method} with a malformed ${what}: ${problem}`);
    this.#noteError(error);
    return error;
  }

  /**
   * A task's questions the gateway cannot pass on (question-guard.ts): its `tasks/get` fails
   * naming the upstream and the question (the caller may cancel the task), as a call whose
   * question was refused does.
   */
  #questionsRefused(problem: string): McpError {
    const error = new McpError(ErrorCode.InternalError, `Upstream "${this.name}" asked in its task what the gateway cannot pass on to its caller: ${problem}`);
    this.#noteError(error);
    return error;
  }

  /**
   * A 2025 upstream's question that several of the gateway's calls in flight could have asked,
   * with nothing to say which (over stdio, or on its GET stream): refused rather than put to
   * the wrong caller (client/input.ts). The upstream's call fails with the refusal or passes it
   * on, so it names the upstream for the caller who reads it; it is also its lastError.
   */
  #ambiguousQuestion(method: string): McpError {
    const error = new McpError(ErrorCode.InternalError, `Upstream "${this.name}" asked ${method} while several of the gateway's calls to it were in flight, and nothing said which call it belonged to: the gateway refused it rather than ask the wrong caller`);
    this.#noteError(error);
    return error;
  }

  /**
   * What the upstream sent that is not a message (a line of its stdout that is not JSON, a
   * banner glued to the front of an answer, which is still read) is a process warning, once per
   * upstream: an upstream that writes a banner before every answer would otherwise flood the
   * gateway's stderr, and would take lastError from the failures it is there to show. A message
   * too large already fails its call with why.
   */
  #unreadable(error: Error): void {
    if (error instanceof McpLocalError && error.code === LocalErrorCode.MessageTooLarge) return;
    warnOfPeer('MCP_UPSTREAM_NOT_MESSAGE', this.name, `Upstream ${quoteValue(this.name)} sent what is not a JSON-RPC message (warned once per upstream): ${terminalLine(error.message)}`);
  }

  /** A question the gateway refused is the upstream's lastError, as a malformed answer is. */
  #noteRefusal(refused: string): void {
    this.#noteError(new Error(refused));
  }

  /** Takes new options (breaker, limits, timeouts) for the calls that start from now on. */
  reconfigure(spec: UpstreamSpec): void {
    this.spec = spec;
    this.#policies = new UpstreamPolicies(spec, () => this.#events.onState?.(this));
  }

  /** Resolves when no call is in flight, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void> {
    if (this.#inflight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = timerHolds(timeoutMs) ? setTimeout(resolve, timeoutMs) : undefined;
      this.#idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  health(): UpstreamHealth {
    const client = this.#client;
    const transport = this.#transport;
    return {
      name: this.name,
      transport: this.spec.transport.kind,
      enabled: this.spec.enabled,
      required: this.spec.required,
      state: this.#state,
      connected: this.#state === 'connected',
      era: client?.era ?? null,
      protocolVersion: client === undefined ? null : client.protocolVersion,
      server: serverOf(client?.serverInfo),
      breaker: this.#policies.breakerState,
      lastError: this.#lastError,
      latencyMs: this.#latency.summary(),
      calls: { total: this.#calls, failed: sumOf(this.#failures), running: this.#policies.running, queued: this.#policies.queued },
      failures: { ...this.#failures },
      restarts: this.#restarts,
      pid: transport instanceof StdioClientTransport ? (transport.process.pid ?? null) : null,
      tools: this.#catalog.tools.length,
      subscriptions: this.#subscriptions.size,
    };
  }

  /**
   * Closes the connection and stops reconnecting; the process (and its group) is stopped.
   * `why` is what calls still in flight, and any made after, fail with.
   */
  async close(why?: string): Promise<void> {
    if (why !== undefined) this.#closedWhy = why;
    this.#state = 'closed';
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#wake();
    const client = this.#client;
    this.#client = undefined;
    this.#catalog = EMPTY_CATALOG;
    const transport = this.#transport;
    this.#transport = undefined;
    const connecting = this.#connecting;
    if (client !== undefined) await client.close().catch(() => undefined);
    else await transport?.close().catch(() => undefined);
    await connecting?.catch(() => undefined);
    await this.#fetch?.close().catch(() => undefined);
  }
}
