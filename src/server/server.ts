/**
 * McpServer: the authoring API (tools, resources, prompts) and the dispatcher that serves
 * both protocol eras from one registry.
 *
 * Transports hand each request over with an {@link Exchange}; its `session` tells the eras
 * apart (present: legacy, absent: modern). Nothing here is built per request except the
 * request's context: registries, validators and capabilities are all built ahead.
 */
import {
  errorResponse,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type Params,
} from '../protocol/jsonrpc.ts';
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import { Method, Notification } from '../protocol/methods.ts';
import { ErrorCode, McpError, methodNotFound } from '../protocol/wire-errors.ts';
import type { LegacySession } from '../store/legacy-session.ts';
import type { Exchange } from '../transport/exchange.ts';
import type { Transport } from '../transport/transport.ts';
import { ServerConnection, type ConnectionOptions } from './connection.ts';
import { RequestContext } from './context.ts';
import { ServerCore, type ServerOptions } from './core.ts';
import { complete } from './handlers/completion.ts';
import { discover, initialize, ping, setLevel } from './handlers/lifecycle.ts';
import { getPrompt, listPrompts } from './handlers/prompts.ts';
import { listResources, listResourceTemplates, readResource, subscribe, unsubscribe } from './handlers/resources.ts';
import { listen } from './handlers/subscriptions.ts';
import { callTool, listTools } from './handlers/tools.ts';
import { dispatchChannel, DispatchMessage, traced, type DispatchingServer } from './diagnostics.ts';
import { readModernMeta } from './modern-meta.ts';
import type { ListKind } from './notifier.ts';
import { ANY_METHOD, Pipeline, type Dispatch, type Interceptor, type UseOptions } from './pipeline.ts';
import { RegisteredPrompt, type PromptConfig, type PromptHandler } from './prompts.ts';
import {
  RegisteredResource,
  RegisteredResourceTemplate,
  type ReadHandler,
  type ResourceConfig,
  type ResourceTemplateConfig,
  type TemplateReadHandler,
} from './resources.ts';
import type { FromSchema, JsonSchema } from './schema-types.ts';
import { RegisteredTool, type ToolConfig, type ToolHandler } from './tools.ts';

type Result = Record<string, unknown>;

/** Which era a method belongs to. */
export const Era = { Both: 0, Modern: 1, Legacy: 2 } as const;
export type EraValue = (typeof Era)[keyof typeof Era];

/** A method handler: params in, result out; throw McpError for a JSON-RPC error. */
export type MethodHandler = (core: ServerCore, params: Params, ctx: RequestContext) => Result | Promise<Result>;

interface MethodEntry {
  era: EraValue;
  /** Modern results of this method carry caching hints (spec: server/utilities/caching). */
  cache: 'list' | 'read' | undefined;
  run: MethodHandler;
  /** The interceptors around this method, composed; null when none applies. */
  chain: Dispatch | null;
}

const EMPTY_PARAMS: Params = Object.freeze({}) as Params;
const LIST_KINDS: readonly ListKind[] = ['tools', 'prompts', 'resources'];

/**
 * @example
 * const server = new McpServer({ name: 'weather', version: '1.0.0' });
 * server.tool('forecast', {
 *   description: 'Forecast for a city',
 *   inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
 * }, async ({ city }) => `Sunny in ${city}`);
 */
export class McpServer implements DispatchingServer {
  /** @internal Shared state read by the method handlers. */
  readonly core: ServerCore;
  readonly #methods: Map<string, MethodEntry>;
  readonly #closing: AbortController;
  readonly #pipeline: Pipeline;
  /** Chains for methods this server does not serve: named by a method filter, or any other. */
  #unknownChains: Map<string, Dispatch> | undefined;
  #anyChain: Dispatch | null;

  constructor(options: ServerOptions) {
    this.core = new ServerCore(options);
    this.#methods = new Map();
    this.#closing = new AbortController();
    this.#pipeline = new Pipeline();
    this.#unknownChains = undefined;
    this.#anyChain = null;
    this.#defineStandardMethods();
  }

  get info() {
    return this.core.info;
  }

  get capabilities() {
    return this.core.capabilities;
  }

  /** Aborted when the server starts shutting down; long-lived requests end gracefully on it. */
  get closingSignal(): AbortSignal {
    return this.#closing.signal;
  }

  // ---- authoring API ------------------------------------------------------------------------

  /** Registers a tool. Its input schema is compiled now; calls are validated against it. */
  tool<const S extends JsonSchema = JsonSchema>(
    name: string,
    config: ToolConfig<S>,
    handler: ToolHandler<FromSchema<S> extends Record<string, unknown> ? FromSchema<S> : Record<string, unknown>>,
  ): RegisteredTool {
    const tool = this.core.tools.add(new RegisteredTool(this.core.tools, name, config as ToolConfig, handler as ToolHandler<never>));
    if (tool.taskSupport !== 'forbidden' && !this.core.tasksEnabled) {
      this.core.tasksEnabled = true;
      this.core.invalidateCapabilities();
    }
    return tool;
  }

  /** Registers a resource with a fixed URI. */
  resource(uri: string, config: ResourceConfig, handler: ReadHandler): RegisteredResource {
    return this.core.resources.add(new RegisteredResource(this.core.resources, uri, config, handler));
  }

  /** Registers a resource template (RFC 6570); reads of matching URIs get its variables. */
  resourceTemplate(uriTemplate: string, config: ResourceTemplateConfig, handler: TemplateReadHandler): RegisteredResourceTemplate {
    return this.core.templates.add(new RegisteredResourceTemplate(this.core.templates, uriTemplate, config, handler));
  }

  /** Registers a prompt. */
  prompt(name: string, config: PromptConfig, handler: PromptHandler): RegisteredPrompt {
    return this.core.prompts.add(new RegisteredPrompt(this.core.prompts, name, config, handler));
  }

  /** Tells subscribers that a resource's content changed (`notifications/resources/updated`). */
  resourceUpdated(uri: string): void {
    this.core.notifier.resourceUpdated(uri);
  }

  /**
   * Adds (or replaces) a JSON-RPC method, e.g. for an extension. `era` limits it to modern
   * or legacy requests.
   */
  method(name: string, run: MethodHandler, options: { era?: EraValue; cache?: 'list' | 'read' } = {}): void {
    this.#define(name, options.era ?? Era.Both, run, options.cache);
    if (!this.#pipeline.empty) this.#composeUnknown();
  }

  /**
   * Whether `method` is one this server knows: a method it serves (in either era), or one an
   * interceptor's method filter names. Client-chosen names that are neither share one label
   * in metrics and traces.
   */
  hasMethod(method: string): boolean {
    return this.#methods.has(method) || this.#unknownChains?.has(method) === true;
  }

  /**
   * Puts an interceptor around the dispatch of every method, or of `options.methods`.
   * Interceptors run in the order they were added, the first one outermost. The chains are
   * composed now (and again when a method is added), never per request.
   *
   * @example
   * server.use((next, method) => async (request, exchange) => {
   *   const started = performance.now();
   *   const response = await next(request, exchange);
   *   console.log(method, performance.now() - started);
   *   return response;
   * });
   */
  use(interceptor: Interceptor, options?: UseOptions): this {
    this.#pipeline.add(interceptor, options);
    try {
      this.#composeAll();
    } catch (error) {
      this.#pipeline.removeLast();
      this.#composeAll();
      throw error;
    }
    return this;
  }

  // ---- dispatch -----------------------------------------------------------------------------

  /**
   * Serves one request. Resolves with the response to send, or undefined when none must be
   * sent (the request was cancelled). May return synchronously: callers on the hot path check
   * for a Promise before awaiting. Published on the `mcp-core:dispatch` diagnostics channel
   * when it has subscribers (see diagnostics.ts).
   */
  dispatch(request: JsonRpcRequest, exchange: Exchange): JsonRpcResponse | undefined | Promise<JsonRpcResponse | undefined> {
    if (dispatchChannel.hasSubscribers) return traced(dispatchChannel, new DispatchMessage(this, request, exchange), () => this.#route(request, exchange));
    return this.#route(request, exchange);
  }

  /** Runs the method's chain of interceptors, or serves it directly when it has none. */
  #route(request: JsonRpcRequest, exchange: Exchange): JsonRpcResponse | undefined | Promise<JsonRpcResponse | undefined> {
    const entry = this.#methods.get(request.method);
    const chain = entry === undefined ? this.#unknownChain(request.method) : entry.chain;
    if (chain === null) return this.#serve(entry, request, exchange);
    let out: JsonRpcResponse | undefined | Promise<JsonRpcResponse | undefined>;
    try {
      out = chain(request, exchange);
    } catch (error) {
      return this.#fail(request, exchange, error);
    }
    return out instanceof Promise ? out.then(undefined, (error: unknown) => this.#fail(request, exchange, error)) : out;
  }

  /** The end of every chain: reads `_meta`, builds the context and runs the method. */
  #serve(entry: MethodEntry | undefined, request: JsonRpcRequest, exchange: Exchange): JsonRpcResponse | undefined | Promise<JsonRpcResponse | undefined> {
    const params = request.params ?? EMPTY_PARAMS;
    let ctx: RequestContext;
    let output: Result | Promise<Result>;
    try {
      const session = exchange.session;
      if (session === undefined) {
        const meta = readModernMeta(params);
        if (entry === undefined || entry.era === Era.Legacy) throw methodNotFound(request.method);
        ctx = new RequestContext(this.core, exchange, request.id, request.method, params, meta.protocolVersion, meta.clientCapabilities, meta.clientInfo);
      } else {
        session.lastActive = Date.now();
        if (entry === undefined || entry.era === Era.Modern) throw methodNotFound(request.method);
        ctx = new RequestContext(this.core, exchange, request.id, request.method, params, session.protocolVersion, session.clientCapabilities, session.clientInfo);
      }
      output = entry.run(this.core, params, ctx);
    } catch (error) {
      return this.#fail(request, exchange, error);
    }
    // What the context held back while the client was not reading goes before the answer.
    if (output instanceof Promise) {
      return output.then(
        (result) => {
          ctx.beforeAnswer();
          return this.#respond(request, exchange, entry, result);
        },
        (error) => {
          ctx.beforeAnswer();
          return this.#fail(request, exchange, error);
        },
      );
    }
    ctx.beforeAnswer();
    return this.#respond(request, exchange, entry, output);
  }

  /** Serves one request and always returns a promise; see {@link dispatch}. */
  async handleRequest(request: JsonRpcRequest, exchange: Exchange): Promise<JsonRpcResponse | undefined> {
    return this.dispatch(request, exchange);
  }

  /**
   * Reports an error a transport caught while serving `context.method` (e.g. a result JSON
   * cannot carry) to the server's `onError`. Never throws.
   */
  reportError(error: unknown, context: { method: string }): void {
    this.core.report(error, context);
  }

  /**
   * The scopes a tool requires (`ToolConfig.scopes`), or undefined when there is no such tool;
   * read by the tool scope interceptors.
   */
  requiredScopes(toolName: string): readonly string[] | undefined {
    return this.core.tools.get(toolName)?.scopes;
  }

  /** Whether a tool of this name is registered (read by the per-tool rate limits). */
  hasTool(toolName: string): boolean {
    return this.core.tools.get(toolName) !== undefined;
  }

  /** The x-mcp-header parameters of a tool, for transports that check Mcp-Param-* headers. */
  headerParams(toolName: string) {
    return this.core.tools.get(toolName)?.headerParams;
  }

  /**
   * Serves one message-stream connection (stdio, WebSocket, in-memory): both eras, as the
   * client chooses per message. Returns the connection, already started.
   *
   * @example
   * server.connect(new StdioServerTransport());
   */
  connect(transport: Transport, options?: ConnectionOptions): ServerConnection {
    return new ServerConnection(this, transport, options).start();
  }

  /** Handles a notification from the client. */
  handleNotification(notification: JsonRpcNotification, exchange: Exchange): void {
    const session = exchange.session;
    if (notification.method === Notification.Initialized && session !== undefined && !session.initialized) {
      session.initialized = true;
      this.core.notifier.attach(session);
      // A shared store writes the change; the transport answers once it is written
      // (`session.saving`), and the write's failure is its to report.
      session.changed();
    }
    // notifications/cancelled is handled by the transport that tracks in-flight requests;
    // others (roots/list_changed, progress) need no action from the server core.
  }

  /**
   * A legacy session whose messages that belong to no request now go out from this process
   * (its GET stream opened here): it receives list changes and resource updates. The session
   * may have been initialized by another process sharing the session store. `takenOver`: the
   * stream was a dead process's; what changed while nobody wrote it is told as possible changes.
   */
  attachSession(session: LegacySession, takenOver = false): void {
    this.core.notifier.attach(session);
    if (!takenOver) return;
    const capabilities = this.capabilities;
    this.core.notifier.missed(session, LIST_KINDS.filter((kind) => capabilities[kind]?.listChanged === true));
  }

  /**
   * Begins shutdown: open `subscriptions/listen` requests end with their graceful result.
   * Transports close their own connections.
   */
  close(): void {
    this.#closing.abort();
    this.core.notifier.close();
    this.core.tasks.close();
  }

  #define(name: string, era: EraValue, run: MethodHandler, cache?: 'list' | 'read'): void {
    const entry: MethodEntry = { era, cache, run, chain: null };
    entry.chain = this.#compose(name, entry);
    this.#methods.set(name, entry);
  }

  #composeAll(): void {
    for (const [name, entry] of this.#methods) entry.chain = this.#compose(name, entry);
    this.#composeUnknown();
  }

  #compose(name: string, entry: MethodEntry | undefined): Dispatch | null {
    if (this.#pipeline.empty) return null;
    return this.#pipeline.compose(name, (request, exchange) => this.#serve(entry, request, exchange));
  }

  /** Chains for methods the server does not serve (their requests end in -32601). */
  #composeUnknown(): void {
    let named: Map<string, Dispatch> | undefined;
    for (const name of this.#pipeline.namedMethods()) {
      if (this.#methods.has(name)) continue;
      const chain = this.#compose(name, undefined);
      if (chain !== null) (named ??= new Map()).set(name, chain);
    }
    this.#unknownChains = named;
    this.#anyChain = this.#compose(ANY_METHOD, undefined);
  }

  #unknownChain(method: string): Dispatch | null {
    return this.#unknownChains?.get(method) ?? this.#anyChain;
  }

  #respond(request: JsonRpcRequest, exchange: Exchange, entry: MethodEntry, result: Result): JsonRpcResponse | undefined {
    if (exchange.cancelled) return undefined;
    if (exchange.session !== undefined) return { jsonrpc: '2.0', id: request.id, result };
    const core = this.core;
    const out: Result = { ...result };
    if (out.resultType === undefined) out.resultType = 'complete';
    if (entry.cache !== undefined && out.resultType === 'complete') {
      const hint = entry.cache === 'read' ? core.readHint : core.listHint;
      if (out.ttlMs === undefined) out.ttlMs = hint.ttlMs;
      if (out.cacheScope === undefined) out.cacheScope = hint.cacheScope;
    }
    if (core.serverInfoMeta !== undefined) {
      out._meta = out._meta === undefined ? core.serverInfoMeta : { ...(out._meta as Result), ...core.serverInfoMeta };
    }
    return { jsonrpc: '2.0', id: request.id, result: out };
  }

  #fail(request: JsonRpcRequest, exchange: Exchange, error: unknown): JsonRpcResponse | undefined {
    if (error instanceof McpError) return errorResponse(request.id, error.toWire());
    if (exchange.cancelled || (error instanceof McpLocalError && error.code === LocalErrorCode.Cancelled)) return undefined;
    this.core.report(error, { method: request.method });
    return errorResponse(request.id, { code: ErrorCode.InternalError, message: 'Internal error' });
  }

  #defineStandardMethods(): void {
    const define = (name: string, era: EraValue, run: MethodHandler, cache?: 'list' | 'read') => this.#define(name, era, run, cache);
    define(Method.Initialize, Era.Legacy, initialize);
    define(Method.Ping, Era.Legacy, ping);
    define(Method.LoggingSetLevel, Era.Legacy, setLevel);
    define(Method.ResourcesSubscribe, Era.Legacy, subscribe);
    define(Method.ResourcesUnsubscribe, Era.Legacy, unsubscribe);
    define(Method.ServerDiscover, Era.Modern, discover, 'list');
    define(Method.SubscriptionsListen, Era.Modern, (core, params, ctx) => listen(core, params, ctx, this.#closing.signal));
    define(Method.ToolsList, Era.Both, listTools, 'list');
    define(Method.ToolsCall, Era.Both, callTool);
    define(Method.ResourcesList, Era.Both, listResources, 'list');
    define(Method.ResourcesTemplatesList, Era.Both, listResourceTemplates, 'list');
    define(Method.ResourcesRead, Era.Both, readResource, 'read');
    define(Method.PromptsList, Era.Both, listPrompts, 'list');
    define(Method.PromptsGet, Era.Both, getPrompt);
    define(Method.CompletionComplete, Era.Both, complete);
    define(Method.TasksGet, Era.Modern, (core, params, ctx) => core.tasks.get(params, ctx));
    define(Method.TasksUpdate, Era.Modern, (core, params, ctx) => core.tasks.update(params, ctx));
    define(Method.TasksCancel, Era.Modern, (core, params, ctx) => core.tasks.cancel(params, ctx));
  }
}

export type { ServerOptions };
export type { Dispatch, Interceptor, UseOptions };
