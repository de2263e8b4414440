/**
 * McpManager: many upstream MCP servers behind one programmatic API. Each upstream has one
 * long-lived connection, its own resilience policies and its own namespace; the manager
 * aggregates their tools, resources and prompts, routes calls, and reports health.
 *
 * Everything in and out is plain data (JSON-compatible), so another language can drive it
 * over a pipe.
 */
import type { InputHandlers } from '../client/input.ts';
import { checkTimerMs } from '../protocol/timer-limit.ts';
import type { Progress, RequestOptions } from '../client/requests.ts';
import { describeValue } from '../protocol/guards.ts';
import type { JsonRpcNotification, Params } from '../protocol/jsonrpc.ts';
import { reportError } from '../protocol/error-report.ts';
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import { TASKS_EXTENSION } from '../protocol/meta.ts';
import { Method } from '../protocol/methods.ts';
import { MAX_COMPLETION_VALUES } from '../server/handlers/completion.ts';
import type { CallToolResult, Prompt, Resource, ResourceTemplate, Tool } from '../protocol/types.ts';
import { McpError } from '../protocol/wire-errors.ts';
import { MAX_BREAKER_WINDOW } from '../config/sections/mcp-servers.ts';
import { Catalog, type Collision, type PromptRoute, type ToolRoute } from './catalog.ts';
import { parseManagerConfig, resolveManagerConfig, sameTransport, separatorProblem, type ManagerConfig, type ManagerSpec, type UpstreamSpec } from './config.ts';
import { FAILURE_META_KEY, fallbackResult, UpstreamFailure } from './failures.ts';
import { ResourceFollows, type UpstreamResource } from './follows.ts';
import { InputRelay, type ForwardOptions } from './input-bridge.ts';
import { Namespace } from './names.ts';
import { Upstream, type CatalogKind, type UpstreamHealth, type UpstreamRequestOptions } from './upstream.ts';

type Result = Record<string, unknown>;

/** Options of one call through the manager. */
export interface CallOptions extends Pick<RequestOptions, 'onElicit' | 'onSample' | 'onListRoots'> {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** Milliseconds without an answer or progress before the call fails; the upstream's `timeoutMs` by default. */
  timeout?: number;
}

export interface BatchItem {
  name: string;
  arguments?: Record<string, unknown>;
}

/** One item's outcome in {@link McpManager.callTools}: its result, or why there is none. */
export type BatchOutcome = { result: CallToolResult } | { error: { code: string; message: string } };

export interface ManagerHealth {
  /** Every required upstream is connected. */
  ready: boolean;
  upstreams: UpstreamHealth[];
  collisions: Collision[];
  /** Upstream calls waiting for a 2026-07-28 caller to answer a question. */
  pendingInputs: number;
}

export interface ReloadReport {
  added: string[];
  removed: string[];
  /** Reconnected: how they are reached changed. */
  replaced: string[];
  /** Options changed in place, connection kept. */
  updated: string[];
  unchanged: string[];
}

/** What happens in the manager that a gateway passes on to its own clients. */
export interface ManagerListeners {
  /** The aggregate list of `kind` changed. */
  onChange?(kind: CatalogKind): void;
  /** A namespaced resource that callers follow ({@link McpManager.followResource}) changed (`notifications/resources/updated`). */
  onResourceUpdated?(uri: string): void;
  /**
   * A reload changed the separator (`previous` was the namespace): every namespaced name and
   * URI changed with it, and what callers follow under the old ones is to be let go of.
   */
  onRenamed?(previous: Namespace): void;
  /** Another notification from an upstream (e.g. a log message). */
  onNotification?(upstream: string, notification: JsonRpcNotification): void;
  /** An upstream connected, lost its connection, or its breaker changed state (see `health()`). */
  onUpstreamState?(upstream: string): void;
}

/** What the manager's owner gives every upstream. */
export interface ManagerOptions {
  /**
   * The roots of the manager's one owner (the program that started the engine), for upstreams
   * that ask for roots. With it, every upstream is told that roots are supported (with
   * `listChanged`, see {@link McpManager.rootsChanged}), and answers the questions asked
   * outside any call or not tied to one; a question tied to a call still goes to that call's
   * caller. Without it (a gateway of many callers, whose roots are each their own), upstreams
   * are not offered roots.
   */
  onListRoots?: InputHandlers['onListRoots'];
}

/**
 * Keys of an upstream's `_meta` the gateway drops: its serverInfo (modern framing), and the
 * gateway's own key naming a failed upstream, which an upstream writing it would use to pass
 * its own answer off as the gateway's report of another upstream's failure.
 */
const DROPPED_META_KEYS = new Set(['io.modelcontextprotocol/serverInfo', FAILURE_META_KEY]);

/**
 * A result as the gateway passes it on: the upstream's modern framing (`resultType`, cache
 * hints, its serverInfo) is its own business; the gateway adds its own for its callers.
 * Copied in one pass (every modern result has framing to drop).
 */
export function cleanResult(result: Result): Result {
  if (result.resultType === undefined && result.ttlMs === undefined && result.cacheScope === undefined && result._meta === undefined) return result;
  // A task's ttlMs is how long the task lives (tasks extension, required), not a cache hint.
  const task = result.resultType === 'task' || (typeof result.taskId === 'string' && typeof result.status === 'string');
  const out: Result = {};
  for (const key in result) {
    if ((key === 'ttlMs' && !task) || key === 'cacheScope') continue;
    const value = result[key];
    if (key === 'resultType') {
      // A task handle stays one (tasks extension); 'complete' is the gateway's to add again.
      if (value !== undefined && value !== 'complete') out.resultType = value;
    } else if (key === '_meta') {
      const meta = withoutNoise(value);
      if (meta !== undefined) out._meta = meta;
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** `_meta` without the upstream's own framing; undefined when nothing else is left. */
function withoutNoise(meta: unknown): unknown {
  if (typeof meta !== 'object' || meta === null) return meta;
  let noisy = false;
  for (const key in meta) if (DROPPED_META_KEYS.has(key)) noisy = true;
  if (!noisy) return meta;
  let kept: Result | undefined;
  for (const key in meta) if (!DROPPED_META_KEYS.has(key)) (kept ??= {})[key] = (meta as Result)[key];
  return kept;
}

/**
 * @example
 * const manager = new McpManager({ mcpServers: {
 *   files: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '.'] },
 *   search: { url: 'http://127.0.0.1:8080/mcp' },
 * } });
 * const tools = await manager.listTools();             // files__read_file, search__query, ...
 * const result = await manager.callTool('files__read_file', { path: 'README.md' }, { timeout: 10_000 });
 * console.log(manager.health().upstreams.map((u) => [u.name, u.state, u.latencyMs.p50]));
 * await manager.close();
 */
export class McpManager {
  #spec: ManagerSpec;
  #catalog: Catalog;
  readonly #upstreams: Map<string, Upstream>;
  readonly #listeners: Set<ManagerListeners>;
  readonly #relay: InputRelay;
  #started: Promise<void> | undefined;
  #closed: boolean;
  /** Upstreams being drained after a reload, closed once their calls end. */
  readonly #draining: Set<Promise<void>>;
  /** Who follows each namespaced resource URI, and each caller's share. */
  readonly #follows: ResourceFollows;
  readonly #options: ManagerOptions;

  constructor(config: ManagerConfig | ManagerSpec, listeners: ManagerListeners = {}, options: ManagerOptions = {}) {
    this.#spec = toSpec(config);
    this.#catalog = new Catalog(new Namespace(this.#spec.gateway.separator));
    this.#catalog.setUpstreams(this.#spec.upstreams);
    this.#upstreams = new Map();
    this.#listeners = new Set([listeners]);
    this.#relay = new InputRelay({ timeoutMs: this.#spec.gateway.inputTimeoutMs, maxPending: this.#spec.gateway.maxPendingInputs });
    this.#started = undefined;
    this.#closed = false;
    this.#draining = new Set();
    this.#follows = new ResourceFollows();
    this.#options = options;
    for (const spec of this.#spec.upstreams) if (spec.enabled) this.#upstreams.set(spec.name, this.#makeUpstream(spec));
  }

  /**
   * Reads JSON or YAML config files (later ones override earlier ones, then MCP__ variables)
   * holding `mcpServers` and optionally `gateway`, as `mcp-core serve --config` does.
   */
  static async fromFiles(paths: string | readonly string[], listeners?: ManagerListeners, env: NodeJS.ProcessEnv = process.env): Promise<McpManager> {
    const { loadConfig } = await import('../config/config.ts');
    return new McpManager(resolveManagerConfig(await loadConfig(paths, env), env), listeners);
  }

  /** Adds listeners (a gateway passing changes on to its clients); returns their removal. */
  subscribe(listeners: ManagerListeners): () => void {
    this.#listeners.add(listeners);
    return () => this.#listeners.delete(listeners);
  }

  #emit<K extends keyof ManagerListeners>(event: K, ...args: Parameters<NonNullable<ManagerListeners[K]>>): void {
    for (const listeners of this.#listeners) (listeners[event] as ((...a: typeof args) => void) | undefined)?.(...args);
  }

  get spec(): ManagerSpec {
    return this.#spec;
  }

  get namespace(): Namespace {
    return this.#catalog.namespace;
  }

  /** The relay keeping upstream calls of 2026-07-28 callers across their input rounds. */
  get relay(): InputRelay {
    return this.#relay;
  }

  #makeUpstream(spec: UpstreamSpec): Upstream {
    return new Upstream(spec, {
      onCatalog: (upstream, kind) => {
        if (this.#upstreams.get(upstream.name) !== upstream) return;
        this.#catalog.update(upstream.name, kind, upstream.catalog);
        this.#emit('onChange', kind);
      },
      onResourceUpdated: (upstream, uri) => this.#emit('onResourceUpdated', this.namespace.uri(upstream.name, uri)),
      onNotification: (upstream, notification) => this.#emit('onNotification', upstream.name, notification),
      onState: (upstream) => this.#emit('onUpstreamState', upstream.name),
    }, this.#options.onListRoots);
  }

  /**
   * The owner's roots changed: every connected 2025-era upstream is told
   * (`notifications/roots/list_changed`) and asks again when it wants them. A 2026-07-28
   * upstream asks for roots within each call, so it has nothing to be told.
   */
  rootsChanged(): void {
    for (const upstream of this.#upstreams.values()) upstream.rootsChanged();
  }

  /**
   * Connects every enabled upstream at once and resolves when each has connected or failed its
   * first attempt (each bounded by its `connectTimeoutMs`). Failed ones keep retrying with
   * backoff. Called by the listing and calling methods on first use.
   */
  start(): Promise<void> {
    this.#started ??= Promise.all([...this.#upstreams.values()].map((upstream) => upstream.start())).then(() => undefined);
    return this.#started;
  }

  // ---- the aggregate ----------------------------------------------------------------------

  /** The aggregate, as it is now (no waiting): routes with their namespaced definitions. */
  get catalog(): Catalog {
    return this.#catalog;
  }

  upstream(name: string): Upstream | undefined {
    return this.#upstreams.get(name);
  }

  /** Every tool of every connected upstream, namespaced (`<upstream>__<tool>`). */
  async listTools(): Promise<Tool[]> {
    await this.start();
    return this.#catalog.tools().map((route) => route.wire);
  }

  async listResources(): Promise<Resource[]> {
    await this.start();
    return this.#catalog.resources().map((entry) => entry.wire);
  }

  async listResourceTemplates(): Promise<ResourceTemplate[]> {
    await this.start();
    return this.#catalog.templates().map((entry) => entry.wire);
  }

  async listPrompts(): Promise<Prompt[]> {
    await this.start();
    return this.#catalog.prompts().map((route) => route.wire);
  }

  // ---- calls --------------------------------------------------------------------------------

  /** The route of a namespaced tool name; throws for an unknown one. */
  toolRoute(name: unknown): Promise<ToolRoute> {
    return this.#route('tool', name, (exposed) => this.#catalog.tool(exposed));
  }

  async #route<T>(kind: 'tool' | 'prompt', name: unknown, find: (exposed: string) => T | undefined): Promise<T> {
    if (typeof name !== 'string') throw new McpLocalError(LocalErrorCode.InvalidArgument, `A ${kind} name must be a string`);
    await this.start();
    const route = find(name);
    if (route === undefined) throw new McpLocalError(LocalErrorCode.InvalidArgument, `Unknown ${kind}: ${describeValue(name)}`);
    return route;
  }

  /**
   * Calls a namespaced tool. A failure of the upstream (dead, slow, breaker open, auth,
   * overloaded) comes back as an `isError` result naming the upstream and the reason; an
   * unknown tool, bad arguments for the call itself, or cancellation throw.
   */
  async callTool(name: string, args: Record<string, unknown> = {}, options: CallOptions = {}): Promise<CallToolResult> {
    const route = await this.toolRoute(name);
    return (await this.forwardTool(route, args, {
      signal: options.signal,
      onProgress: options.onProgress,
      onElicit: options.onElicit,
      onSample: options.onSample,
      onListRoots: options.onListRoots,
      timeoutMs: options.timeout,
    })) as unknown as CallToolResult;
  }

  /**
   * Sends `tools/call` for a route with the given forwarding options (passed on as they are:
   * `timeoutMs` is the upstream's unless given); failures become fallback results.
   */
  async forwardTool(route: ToolRoute, args: unknown, options: ForwardOptions & { timeoutMs?: number }, meta?: Record<string, unknown>): Promise<Result> {
    const params: Params = meta === undefined ? { name: route.name, arguments: args ?? {} } : { name: route.name, arguments: args ?? {}, _meta: meta };
    try {
      const result = await this.#request(route.upstream, Method.ToolsCall, params, options, { retryable: route.safe });
      return this.#catalog.rewriter(route.upstream).toolResult(cleanResult(result));
    } catch (error) {
      if (error instanceof UpstreamFailure) return fallbackResult(error);
      throw error;
    }
  }

  /**
   * Calls many tools, at most `concurrency` at once (default 8), and returns one outcome per
   * item in the order given: its result (an `isError` one too), or the error that kept it from
   * having one (an unknown tool, a malformed item, cancellation).
   */
  async callTools(batch: readonly BatchItem[], options: { concurrency?: number; signal?: AbortSignal; timeout?: number } = {}): Promise<BatchOutcome[]> {
    if (!Array.isArray(batch)) throw new McpLocalError(LocalErrorCode.InvalidArgument, 'callTools expects an array of { name, arguments }');
    const concurrency = options.concurrency ?? 8;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new McpLocalError(LocalErrorCode.InvalidArgument, 'concurrency must be a whole number, at least 1');
    const outcomes = new Array<BatchOutcome>(batch.length);
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const index = next++;
        outcomes[index] = await this.#callItem(batch[index], options);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker));
    return outcomes;
  }

  async #callItem(item: unknown, options: { signal?: AbortSignal; timeout?: number }): Promise<BatchOutcome> {
    try {
      if (typeof item !== 'object' || item === null || typeof (item as BatchItem).name !== 'string') {
        throw new McpLocalError(LocalErrorCode.InvalidArgument, 'A batch item needs a string "name"');
      }
      const args = (item as BatchItem).arguments ?? {};
      if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new McpLocalError(LocalErrorCode.InvalidArgument, '"arguments" must be an object');
      return { result: await this.callTool((item as BatchItem).name, args, { signal: options.signal, timeout: options.timeout }) };
    } catch (error) {
      return { error: errorInfo(error) };
    }
  }

  /** Reads a namespaced resource URI from its upstream. */
  async readResource(uri: string, options: ForwardOptions = {}): Promise<Result> {
    const split = typeof uri === 'string' ? this.namespace.splitUri(uri) : undefined;
    if (split === undefined || !this.#upstreams.has(split.upstream)) throw new McpLocalError(LocalErrorCode.InvalidArgument, `Not a resource of this gateway: ${describeValue(uri)}`);
    await this.start();
    const result = await this.#request(split.upstream, Method.ResourcesRead, { uri: split.uri }, options, { retryable: true });
    return this.#catalog.rewriter(split.upstream).readResult(cleanResult(result));
  }

  /** The route of a namespaced prompt name; throws for an unknown one. */
  promptRoute(name: unknown): Promise<PromptRoute> {
    return this.#route('prompt', name, (exposed) => this.#catalog.prompt(exposed));
  }

  async getPrompt(name: string, args: Record<string, string> = {}, options: ForwardOptions = {}): Promise<Result> {
    return this.getPromptAt(await this.promptRoute(name), args, options);
  }

  /** Sends `prompts/get` for a route with the given forwarding options. */
  async getPromptAt(route: PromptRoute, args: Record<string, string>, options: ForwardOptions, meta?: Record<string, unknown>): Promise<Result> {
    const params: Params = { name: route.name, arguments: args };
    if (meta !== undefined) params._meta = meta;
    const result = await this.#request(route.upstream, Method.PromptsGet, params, options, { retryable: true });
    return this.#catalog.rewriter(route.upstream).promptResult(cleanResult(result));
  }

  /** Whether a completion `ref` names a prompt or resource template of an upstream. */
  completes(ref: unknown): boolean {
    return this.#completionTarget(ref) !== undefined;
  }

  /**
   * `completion/complete` for a namespaced prompt (`ref/prompt`) or resource template
   * (`ref/resource`), answered by its upstream.
   */
  async complete(ref: unknown, argument: unknown, context?: unknown): Promise<Result> {
    const target = this.#completionTarget(ref);
    if (target === undefined) throw new McpLocalError(LocalErrorCode.InvalidArgument, 'ref must name a prompt or resource template of this gateway');
    const params: Params = { ref: target.ref, argument };
    if (context !== undefined) params.context = context;
    const result = cleanResult(await this.#request(target.upstream, Method.CompletionComplete, params, {}, { retryable: true }));
    // At most 100 values (spec: server/utilities/completion), however many the upstream sent.
    const completion = result.completion as { values: string[]; total?: number; hasMore?: boolean };
    if (completion.values.length <= MAX_COMPLETION_VALUES) return result;
    return { ...result, completion: { ...completion, values: completion.values.slice(0, MAX_COMPLETION_VALUES), total: Math.max(completion.total ?? 0, completion.values.length), hasMore: true } };
  }

  #completionTarget(ref: unknown): { upstream: string; ref: Params } | undefined {
    if (typeof ref !== 'object' || ref === null) return undefined;
    const { type, name, uri } = ref as Params;
    if (type === 'ref/prompt' && typeof name === 'string') {
      const route = this.#catalog.prompt(name);
      return route === undefined ? undefined : { upstream: route.upstream, ref: { type, name: route.name } };
    }
    if (type === 'ref/resource' && typeof uri === 'string') {
      const split = this.namespace.splitUri(uri);
      return split === undefined || !this.#upstreams.has(split.upstream) ? undefined : { upstream: split.upstream, ref: { type, uri: split.uri } };
    }
    return undefined;
  }

  /**
   * One more follow of a namespaced resource by `caller` (security/client-key.ts): its
   * upstream is asked for updates (`resources/subscribe`, or the resource in its
   * `subscriptions/listen`) when it is the first. Returns the resource followed, to give back to
   * {@link unfollowResource} (it stays the same when a reload changes the separator, and with
   * it every namespaced URI), or undefined for a URI of no upstream; throws -32602 past a
   * bound: a caller follows at most 256 resources of one upstream, an upstream at most 1,000
   * for all callers (follows.ts).
   */
  followResource(uri: string, caller = ''): UpstreamResource | undefined {
    const split = this.namespace.splitUri(uri);
    const upstream = split === undefined ? undefined : this.#upstreams.get(split.upstream);
    if (upstream === undefined) return undefined;
    this.#follows.follow(split!, caller, () => upstream.subscribe(split!.uri));
    return split;
  }

  /** One follow of `caller`'s less, of what {@link followResource} returned; the last one gone, the upstream is told. */
  unfollowResource(resource: UpstreamResource, caller = ''): void {
    if (this.#follows.unfollow(resource, caller)) this.#upstreams.get(resource.upstream)?.unsubscribe(resource.uri);
  }

  /**
   * Tasks extension: sends `tasks/get`, `tasks/update` or `tasks/cancel` for one of an
   * upstream's tasks (its own task id), opted in to the extension for this request alone.
   * The completed call's result inside a `tasks/get` answer is rewritten like any tool result.
   * Only `tasks/get` is sent again after a lost connection; `paramsDepthChecked`: see
   * {@link UpstreamRequestOptions}.
   */
  async forwardTask(name: string, method: string, params: Params, call: Pick<UpstreamRequestOptions, 'paramsDepthChecked'> = {}): Promise<Result> {
    const retryable = method === Method.TasksGet;
    const result = cleanResult(await this.#request(name, method, params, { extensions: { [TASKS_EXTENSION]: {} } }, { retryable, paramsDepthChecked: call.paramsDepthChecked }));
    const inner = result.result;
    if (typeof inner !== 'object' || inner === null) return result;
    return { ...result, result: this.#catalog.rewriter(name).toolResult(cleanResult(inner as Result)) };
  }

  /** Sends one request to a named upstream through its policies. */
  #request(name: string, method: string, params: Params, options: RequestOptions, call: UpstreamRequestOptions): Promise<Result> {
    const upstream = this.#upstreams.get(name);
    if (upstream === undefined) return Promise.reject(new UpstreamFailure(name, 'dead', 'no such upstream is configured and enabled'));
    return upstream.request(method, params, options, call);
  }

  // ---- health, reload, close ----------------------------------------------------------------

  /** Every upstream's state, as plain data; `ready` when every required upstream is connected. */
  health(): ManagerHealth {
    const upstreams: UpstreamHealth[] = [];
    let ready = true;
    for (const spec of this.#spec.upstreams) {
      const upstream = this.#upstreams.get(spec.name);
      const health = upstream?.health() ?? disabledHealth(spec);
      if (spec.required && !health.connected) ready = false;
      upstreams.push(health);
    }
    return { ready, upstreams, collisions: this.#catalog.collisions(), pendingInputs: this.#relay.size };
  }

  /**
   * Applies a new configuration: adds, removes and replaces upstreams, and updates options in
   * place. Calls in flight to upstreams whose connection is kept are not touched; a replaced or
   * removed upstream finishes its calls in flight before it is closed. An invalid configuration
   * is refused whole (the current one stays).
   */
  async reload(config: ManagerConfig | ManagerSpec): Promise<ReloadReport> {
    // Closed, it would start upstreams that nothing stops (a SIGHUP during shutdown).
    if (this.#closed) throw new McpLocalError(LocalErrorCode.InvalidState, 'The manager is closed: it takes no new configuration');
    const next = toSpec(config);
    const report: ReloadReport = { added: [], removed: [], replaced: [], updated: [], unchanged: [] };
    const names = new Set(next.upstreams.map((spec) => spec.name));
    const separatorChanged = next.gateway.separator !== this.#spec.gateway.separator;
    this.#spec = next;
    const previous = this.namespace;
    if (separatorChanged) this.#catalog = new Catalog(new Namespace(next.gateway.separator));
    this.#catalog.setUpstreams(next.upstreams);
    for (const [name, upstream] of [...this.#upstreams]) {
      if (names.has(name) && next.upstreams.find((spec) => spec.name === name)!.enabled) continue;
      this.#upstreams.delete(name);
      this.#catalog.clear(name);
      this.#retire(upstream, 'removed from the configuration by a reload');
      report.removed.push(name);
    }
    const started: Upstream[] = [];
    for (const spec of next.upstreams) {
      const old = this.#upstreams.get(spec.name);
      if (!spec.enabled) continue;
      if (old === undefined) {
        report.added.push(spec.name);
      } else if (!sameTransport(old.spec, spec)) {
        this.#catalog.clear(spec.name);
        this.#retire(old, 'replaced by a reload (how it is reached changed)');
        report.replaced.push(spec.name);
      } else {
        const same = JSON.stringify(old.spec) === JSON.stringify(spec);
        if (!same) old.reconfigure(spec);
        (same ? report.unchanged : report.updated).push(spec.name);
        if (!same || separatorChanged) for (const kind of ['tools', 'resources', 'prompts'] as const) this.#catalog.update(spec.name, kind, old.catalog);
        continue;
      }
      const upstream = this.#makeUpstream(spec);
      this.#upstreams.set(spec.name, upstream);
      this.#refollow(upstream);
      started.push(upstream);
    }
    // At once: updates of what callers follow now come under names they never followed.
    if (separatorChanged) this.#emit('onRenamed', previous);
    // New upstreams connect now if the manager has started; the lists are announced after.
    if (this.#started !== undefined) await Promise.all(started.map((upstream) => upstream.start()));
    for (const kind of ['tools', 'resources', 'prompts'] as const) this.#emit('onChange', kind);
    return report;
  }

  /**
   * Asks an upstream made by a reload (replacing one, or added again) to follow the resources
   * of that name callers still follow: they never unfollowed them, and would otherwise hear no
   * update again, with no error either.
   */
  #refollow(upstream: Upstream): void {
    for (const uri of this.#follows.uris(upstream.name)) upstream.subscribe(uri);
  }

  /**
   * Closes `upstream` once its calls in flight are done (or after its call timeout); `why` it
   * goes is what a call still running then fails with.
   */
  #retire(upstream: Upstream, why: string): void {
    const { timeoutMs } = upstream.spec;
    // Never rejects: a failure to close is reported, and close() awaits what is draining.
    const drained = upstream
      .drain(timeoutMs)
      .then(() => upstream.close(`${why}; its calls in flight had its timeoutMs (${timeoutMs} ms) to finish`))
      .catch((error: unknown) => reportError(error, { operation: `closing upstream ${upstream.name}` }));
    this.#draining.add(drained);
    void drained.finally(() => this.#draining.delete(drained));
  }

  /** Closes every upstream (stopping every process it started) and cancels waiting calls. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#relay.close();
    const closing = [...this.#upstreams.values()].map((upstream) => upstream.close());
    this.#upstreams.clear();
    await Promise.all([...closing, ...this.#draining]);
  }
}

/** A resolved spec as it is (its names checked against the separator); settings checked and resolved. */
function toSpec(config: ManagerConfig | ManagerSpec): ManagerSpec {
  if (!Array.isArray((config as ManagerSpec).upstreams)) return parseManagerConfig(config as ManagerConfig);
  const spec = config as ManagerSpec;
  for (const { name, reconnect, breaker } of spec.upstreams) {
    const problem = separatorProblem(name, spec.gateway.separator);
    if (problem !== undefined) throw new McpLocalError(LocalErrorCode.InvalidArgument, `Upstream ${name}: ${problem}`);
    // A spec given in code is not checked by the config schema: a delay between attempts past
    // what a timer holds is refused (it would retry at once); its timeouts past it are none.
    checkTimerMs(`Upstream ${name}: reconnect.initialDelayMs`, reconnect.initialDelayMs);
    checkTimerMs(`Upstream ${name}: reconnect.maxDelayMs`, reconnect.maxDelayMs);
    // As the schema does, before any upstream is made: a window of millions of calls had its
    // slots made at once (out of memory), and cockatiel's refusal of a failureRate of 1 came
    // from a reload half applied.
    const { window, failureRate } = breaker;
    if (!Number.isSafeInteger(window) || window < 2 || window > MAX_BREAKER_WINDOW) throw new McpLocalError(LocalErrorCode.InvalidArgument, `Upstream ${name}: breaker.window must be a whole number from 2 to ${MAX_BREAKER_WINDOW}`);
    if (failureRate !== undefined && !(failureRate > 0 && failureRate < 1)) throw new McpLocalError(LocalErrorCode.InvalidArgument, `Upstream ${name}: breaker.failureRate must be more than 0 and less than 1`);
  }
  return spec;
}

function disabledHealth(spec: UpstreamSpec): UpstreamHealth {
  return {
    name: spec.name,
    transport: spec.transport.kind,
    enabled: spec.enabled,
    required: spec.required,
    state: spec.enabled ? 'closed' : 'disabled',
    connected: false,
    era: null,
    protocolVersion: null,
    server: null,
    breaker: 'closed',
    lastError: null,
    latencyMs: { p50: null, p99: null, samples: 0 },
    calls: { total: 0, failed: 0, running: 0, queued: 0 },
    failures: { dead: 0, slow: 0, breaker_open: 0, auth: 0, overloaded: 0 },
    restarts: 0,
    pid: null,
    tools: 0,
    subscriptions: 0,
  };
}

/** An error as plain data: a stable code and the message. */
export function errorInfo(error: unknown): { code: string; message: string } {
  if (error instanceof McpLocalError) return { code: error.code, message: error.message };
  if (error instanceof McpError) return { code: `JSONRPC_${error.code}`, message: error.message };
  return { code: 'MCP_ERR_INTERNAL', message: error instanceof Error ? error.message : 'Unknown error' };
}
