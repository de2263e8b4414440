/**
 * The gateway: an McpServer that offers what a manager's upstreams offer, to clients of either
 * era, over any transport the server is served on.
 *
 * Upstream tools, prompts, resources and templates are registered in the server's own
 * registries (tools with `validate: false`: the upstream checks its arguments, and nothing is
 * compiled at startup), so listing, pagination, capabilities and `list_changed` in both eras
 * are the server's. Reads and completions route by their namespaced URI or name, so resources
 * an upstream never listed (template instances, links in results) are reachable too. Each call
 * is forwarded with what the caller's era needs (see input-bridge.ts), and the upstream's
 * progress and logs come back to the caller.
 */
import { describeValue } from '../protocol/guards.ts';
import type { JsonRpcNotification, Params } from '../protocol/jsonrpc.ts';
import { MetaKey, TASKS_EXTENSION } from '../protocol/meta.ts';
import { Method, Notification } from '../protocol/methods.ts';
import { isLoggingLevel, type InputRequests, type Prompt, type Resource, type ResourceTemplate } from '../protocol/types.ts';
import { invalidParams } from '../protocol/wire-errors.ts';
import type { RequestContext } from '../server/context.ts';
import type { ServerCore } from '../server/core.ts';
import { checkArgument, complete, contextArguments } from '../server/handlers/completion.ts';
import { callTool, resolveCall } from '../server/handlers/tools.ts';
import { readResource } from '../server/handlers/resources.ts';
import { answersTo, checkInputResponses } from '../server/input-responses.ts';
import { Round } from '../server/mrtr.ts';
import type { PromptOutput } from '../server/prompts.ts';
import type { ReadOutput } from '../server/resources.ts';
import { Era, type McpServer } from '../server/server.ts';
import { declaresTasks, tasksRequired } from '../server/tasks.ts';
import { toolError } from '../server/tools.ts';
import { CallerFollows } from './caller-follows.ts';
import type { Collision, ToolRoute } from './catalog.ts';
import { cleanResult, type ManagerHealth, type McpManager } from './manager.ts';
import { rethrowForCaller } from './failures.ts';
import { askDirectly, relayLog, type ForwardOptions } from './input-bridge.ts';
import { MAX_ANSWER_CHARS, MAX_QUERY_LENGTH, queryProblem, ToolIndex } from './tool-search.ts';
import type { CatalogKind } from './upstream.ts';

type Result = Record<string, unknown>;

/** A registered entry the gateway can take back. */
interface Removable {
  remove(): void;
}

/** What the gateway registered for one kind, in order, with each definition as JSON to compare. */
type Registered = Map<string, { entry: Removable; json: string }>;

interface Wanted {
  key: string;
  json: string;
  register(): Removable;
}

export const SEARCH_TOOLS = 'search_tools';
export const CALL_TOOL = 'call_tool';

/**
 * @example
 * const manager = new McpManager(config);
 * const server = new McpServer({ name: 'gateway', version: '1.0.0' });
 * const gateway = new Gateway(server, manager);
 * await manager.start();
 * await serveHttp(server, { port: 3000 });
 */
export class Gateway {
  readonly server: McpServer;
  readonly manager: McpManager;
  readonly #registered: Record<'tools' | 'prompts' | 'resources' | 'templates', Registered>;
  readonly #problems: Map<string, Collision>;
  /** Calls in flight that asked for log messages, by upstream (logs carry no request id). */
  readonly #logging: Map<string, Set<RequestContext>>;
  /** What callers follow of the upstreams' resources. */
  readonly #follows: CallerFollows;
  readonly #detach: () => void;
  #index: ToolIndex | undefined;

  constructor(server: McpServer, manager: McpManager) {
    this.server = server;
    this.manager = manager;
    this.#registered = { tools: new Map(), prompts: new Map(), resources: new Map(), templates: new Map() };
    this.#problems = new Map();
    this.#logging = new Map();
    this.#follows = new CallerFollows(manager, server);
    this.#index = undefined;
    server.method(Method.ResourcesRead, (core, params, ctx) => this.#readResource(core, params, ctx), { cache: 'read' });
    server.method(Method.CompletionComplete, (core, params) => this.#complete(core, params));
    server.method(Method.ToolsCall, (core, params, ctx) => this.#callToolMethod(core, params, ctx));
    const follows = this.#follows;
    server.method(Method.ResourcesSubscribe, (core, params, ctx) => follows.subscribe(core, params, ctx), { era: Era.Legacy });
    server.method(Method.ResourcesUnsubscribe, (core, params, ctx) => follows.unsubscribe(core, params, ctx), { era: Era.Legacy });
    server.method(Method.SubscriptionsListen, (core, params, ctx) => follows.listen(core, params, ctx), { era: Era.Modern });
    for (const method of [Method.TasksGet, Method.TasksUpdate, Method.TasksCancel]) {
      server.method(method, (core, params, ctx) => this.#taskMethod(method, core, params, ctx), { era: Era.Modern });
    }
    this.#detach = manager.subscribe({
      onChange: (kind) => this.#sync(kind),
      onResourceUpdated: (uri) => server.resourceUpdated(uri),
      onRenamed: (previous) => follows.renamed(previous),
      onNotification: (upstream, notification) => this.#upstreamNotification(upstream, notification),
    });
    for (const kind of ['tools', 'resources', 'prompts'] as const) this.#sync(kind);
  }

  /** The manager's health, with the entries the gateway could not offer among the collisions. */
  health(): ManagerHealth {
    const health = this.manager.health();
    return this.#problems.size === 0 ? health : { ...health, collisions: [...health.collisions, ...this.#problems.values()] };
  }

  /** Stops following the manager (the server keeps what it has). */
  detach(): void {
    this.#detach();
  }

  // ---- keeping the registries in step with the aggregate ---------------------------------------

  #sync(kind: CatalogKind): void {
    const catalog = this.manager.catalog;
    if (kind === 'tools') {
      this.#index = undefined;
      const wanted = this.manager.spec.gateway.toolSearch ? this.#searchTools() : catalog.tools().map((route) => this.#wantTool(route));
      this.#apply('tools', wanted);
    } else if (kind === 'prompts') {
      this.#apply('prompts', catalog.prompts().map((route) => this.#wantPrompt(route.wire)));
    } else {
      this.#apply('resources', catalog.resources().map((entry) => this.#wantResource(entry.wire)));
      this.#apply('templates', catalog.templates().map((entry) => this.#wantTemplate(entry.wire)));
    }
  }

  /** Makes the registered entries of one kind exactly `wanted`, in order; no change, no work. */
  #apply(kind: 'tools' | 'prompts' | 'resources' | 'templates', wanted: Wanted[]): void {
    const registered = this.#registered[kind];
    if (registered.size === wanted.length) {
      let same = true;
      let index = 0;
      for (const [key, { json }] of registered) {
        const want = wanted[index++];
        if (want.key !== key || want.json !== json) {
          same = false;
          break;
        }
      }
      if (same) return;
    }
    for (const { entry } of registered.values()) entry.remove();
    registered.clear();
    for (const key of [...this.#problems.keys()]) if (key.startsWith(`${kind}:`)) this.#problems.delete(key);
    for (const want of wanted) {
      try {
        registered.set(want.key, { entry: want.register(), json: want.json });
      } catch (error) {
        const problem: Collision = { kind: kind === 'tools' ? 'tool' : kind === 'prompts' ? 'prompt' : kind === 'resources' ? 'resource' : 'template', name: want.key, upstream: this.manager.namespace.splitName(want.key)?.upstream ?? this.manager.namespace.splitUri(want.key)?.upstream ?? '', reason: (error as Error).message };
        this.#problems.set(`${kind}:${want.key}`, problem);
      }
    }
  }

  #wantTool(route: ToolRoute): Wanted {
    const { wire } = route;
    // Tasks pass through to a 2026-07-28 upstream; the gateway runs none of its own for them.
    const taskSupport = this.manager.upstream(route.upstream)?.era === 'modern' ? route.taskSupport : 'forbidden';
    return {
      key: wire.name,
      json: `${taskSupport}${JSON.stringify(wire)}`,
      register: () =>
        this.server.tool(wire.name, {
          title: wire.title,
          description: wire.description,
          inputSchema: wire.inputSchema,
          outputSchema: wire.outputSchema,
          annotations: wire.annotations,
          icons: wire.icons,
          _meta: wire._meta as Record<string, unknown> | undefined,
          taskSupport,
          validate: false,
        }, (args, ctx) => this.#callTool(wire.name, args, ctx)),
    };
  }

  #wantPrompt(wire: Prompt): Wanted {
    return {
      key: wire.name,
      json: JSON.stringify(wire),
      register: () =>
        this.server.prompt(wire.name, { title: wire.title, description: wire.description, arguments: wire.arguments, icons: wire.icons, _meta: wire._meta as Record<string, unknown> | undefined }, (args, ctx) =>
          this.#getPrompt(wire.name, args, ctx) as Promise<PromptOutput>,
        ),
    };
  }

  #wantResource(wire: Resource): Wanted {
    const { uri, name, ...config } = wire;
    return {
      key: uri,
      json: JSON.stringify(wire),
      register: () => this.server.resource(uri, { name, ...config } as Parameters<McpServer['resource']>[1], (target, ctx) => this.#forwardRead(target, ctx) as Promise<ReadOutput>),
    };
  }

  #wantTemplate(wire: ResourceTemplate): Wanted {
    const { uriTemplate, name, ...config } = wire;
    return {
      key: uriTemplate,
      json: JSON.stringify(wire),
      register: () =>
        this.server.resourceTemplate(uriTemplate, { name, ...config } as Parameters<McpServer['resourceTemplate']>[1], (target, _variables, ctx) => this.#forwardRead(target, ctx) as Promise<ReadOutput>),
    };
  }

  // ---- calls --------------------------------------------------------------------------------

  /**
   * Forwards with what the caller's era needs: a modern caller's questions go through the
   * relay (rounds of InputRequiredResult); others are asked directly. Log messages of the
   * upstream reach the caller while its call is the upstream's only one that asked for logs.
   */
  #forward(ctx: RequestContext, upstream: string, forward: (options: ForwardOptions) => Promise<Result>): Promise<Result> {
    const relayed = ctx.isModern && ctx.taskId === undefined;
    if (this.#logLevel(ctx) !== undefined) return this.#forwardListening(ctx, upstream, forward, relayed).catch(rethrowForCaller);
    return (relayed ? this.manager.relay.run(ctx, forward) : forward(askDirectly(ctx))).catch(rethrowForCaller);
  }

  /** {@link #forward} for a call that asked for log messages: while it runs, the upstream's are its. */
  async #forwardListening(ctx: RequestContext, upstream: string, forward: (options: ForwardOptions) => Promise<Result>, relayed: boolean): Promise<Result> {
    const listeners = this.#logSet(upstream);
    listeners.add(ctx);
    try {
      return await (relayed ? this.manager.relay.run(ctx, forward) : forward(askDirectly(ctx)));
    } finally {
      listeners.delete(ctx);
    }
  }

  #callTool(exposed: string, args: Record<string, unknown>, ctx: RequestContext): Promise<Result> {
    const route = this.manager.catalog.tool(exposed);
    if (route === undefined) return Promise.resolve(toolError(`Tool ${exposed} is no longer offered`));
    return this.#forwardTool(route, args, ctx);
  }

  #forwardTool(route: ToolRoute, args: unknown, ctx: RequestContext): Promise<Result> {
    const meta = this.#forwardMeta(ctx);
    return this.#forward(ctx, route.upstream, (options) => this.manager.forwardTool(route, args, options, meta));
  }

  #getPrompt(exposed: string, args: Record<string, string>, ctx: RequestContext): Promise<Result> {
    const route = this.manager.catalog.prompt(exposed);
    if (route === undefined) return Promise.reject(invalidParams(`Unknown prompt: ${describeValue(exposed)}`));
    return this.#forward(ctx, route.upstream, (options) => this.manager.getPromptAt(route, args, options, this.#forwardMeta(ctx)));
  }

  #forwardRead(uri: string, ctx: RequestContext): Promise<Result> {
    const upstream = this.manager.namespace.splitUri(uri)?.upstream ?? '';
    return this.#forward(ctx, upstream, (options) => this.manager.readResource(uri, options));
  }

  /**
   * `tools/call`: a call the caller opts in to run as a task goes to the upstream as a task
   * (tasks extension), its handle's `taskId` namespaced like a tool name; every other call is
   * the server's own `tools/call`, which forwards through the registered tool. Both refuse
   * what the server's `tools/call` refuses (handlers/tools.ts resolveCall): a tool the server
   * does not offer (in tool search mode, every upstream tool: they are reached through
   * `call_tool`) and arguments that are not an object.
   */
  #callToolMethod(core: ServerCore, params: Params, ctx: RequestContext): Result | Promise<Result> {
    const route = this.#taskRoute(core, params, ctx);
    if (route === undefined) return callTool(core, params, ctx);
    const { args } = resolveCall(core, params);
    const meta = this.#forwardMeta(ctx);
    const tasks = { [TASKS_EXTENSION]: {} };
    return new Round(core.sealer, ctx, route.wire.name, args).run(() =>
      this.#forward(ctx, route.upstream, async (options) => {
        const result = await this.manager.forwardTool(route, args, { ...options, extensions: tasks }, meta);
        return result.resultType === 'task' && typeof result.taskId === 'string' ? { ...result, taskId: this.manager.namespace.name(route.upstream, result.taskId) } : result;
      }),
    );
  }

  /** The route of a call to run as an upstream's task, or undefined when the server's own `tools/call` is to answer it. */
  #taskRoute(core: ServerCore, params: Params, ctx: RequestContext): ToolRoute | undefined {
    const { name } = params;
    if (typeof name !== 'string' || !ctx.isModern || !declaresTasks(ctx.clientCapabilities)) return undefined;
    // Only a tool the server offers: a plain call of any other is refused as unknown.
    if (core.tools.get(name) === undefined) return undefined;
    const route = this.manager.catalog.tool(name);
    if (route === undefined || route.taskSupport === 'forbidden' || this.manager.upstream(route.upstream)?.era !== 'modern') return undefined;
    return route;
  }

  /** `tasks/get`, `tasks/update`, `tasks/cancel`: an upstream's task (by its namespaced id) is asked of it. */
  async #taskMethod(method: string, core: ServerCore, params: Params, ctx: RequestContext): Promise<Result> {
    const split = typeof params.taskId === 'string' ? this.manager.namespace.splitName(params.taskId) : undefined;
    if (split === undefined || this.manager.upstream(split.upstream) === undefined) {
      if (method === Method.TasksGet) return core.tasks.get(params, ctx);
      return method === Method.TasksUpdate ? core.tasks.update(params, ctx) : core.tasks.cancel(params, ctx);
    }
    if (!declaresTasks(ctx.clientCapabilities)) throw tasksRequired();
    const { _meta: _ignored, ...rest } = params;
    const forwarded = method === Method.TasksUpdate ? this.#updateTask(split.upstream, split.name, params.inputResponses) : this.manager.forwardTask(split.upstream, method, { ...rest, taskId: split.name });
    const result = await forwarded.catch(rethrowForCaller);
    return typeof result.taskId === 'string' ? { ...result, taskId: this.manager.namespace.name(split.upstream, result.taskId) } : result;
  }

  /**
   * `tasks/update` of an upstream's task: the caller's answers are checked as the server checks
   * those to its own tasks (server/input-responses.ts: -32602 for a malformed one, the upstream
   * not asked), against the questions the task has outstanding, which its upstream is asked
   * first (`tasks/get`, whose questions the question guard checks: the gateway keeps no task
   * state). Only answers to those go on; with none left, the upstream is not told.
   */
  async #updateTask(upstream: string, taskId: string, inputResponses: unknown): Promise<Result> {
    const responses = checkInputResponses(inputResponses);
    const task = await this.manager.forwardTask(upstream, Method.TasksGet, { taskId });
    const answers = answersTo(responses, task.status === 'input_required' ? (task.inputRequests as InputRequests) : undefined);
    if (Object.keys(answers).length === 0) return {};
    // The answers were walked for depth by checkInputResponses: the upstream call does not walk them again.
    return this.manager.forwardTask(upstream, Method.TasksUpdate, { taskId, inputResponses: answers }, { paramsDepthChecked: true });
  }

  /** `resources/read`: namespaced URIs go to their upstream, others to the server's own resources. */
  #readResource(core: ServerCore, params: Params, ctx: RequestContext): Result | Promise<Result> {
    const { uri } = params;
    const split = typeof uri === 'string' ? this.manager.namespace.splitUri(uri) : undefined;
    if (split === undefined || this.manager.upstream(split.upstream) === undefined) return readResource(core, params, ctx);
    return new Round(core.sealer, ctx, uri as string, undefined).run(() => this.#forwardRead(uri as string, ctx));
  }

  /** `completion/complete`: checked as the server checks its own before an upstream is asked. */
  #complete(core: ServerCore, params: Params): Promise<Result> {
    const { ref, argument, context } = params;
    if (!this.manager.completes(ref)) return complete(core, params);
    checkArgument(argument);
    contextArguments(context);
    return this.manager.complete(ref, argument, context).catch(rethrowForCaller);
  }

  /** The caller's log level, passed on so a 2026-07-28 upstream sends what the caller wants. */
  #forwardMeta(ctx: RequestContext): Record<string, unknown> | undefined {
    const level = this.#logLevel(ctx);
    return level === undefined ? undefined : { [MetaKey.LogLevel]: level };
  }

  #logLevel(ctx: RequestContext): string | undefined {
    const level = ctx.isModern ? ctx.meta?.[MetaKey.LogLevel] : ctx.session?.logLevel;
    return isLoggingLevel(level) ? level : undefined;
  }

  #logSet(upstream: string): Set<RequestContext> {
    let set = this.#logging.get(upstream);
    if (set === undefined) this.#logging.set(upstream, (set = new Set()));
    return set;
  }

  /**
   * A log message that came outside any call's response stream (over stdio nothing ties a
   * message to a call): it goes to the caller whose call is the upstream's only one that asked
   * for logs. With several calls listening, nothing tells whose message this is: better none
   * than a wrong one. Messages on a call's own stream (HTTP) reach that call's caller directly
   * (see relayLog).
   */
  #upstreamNotification(upstream: string, notification: JsonRpcNotification): void {
    if (notification.method !== Notification.Message) return;
    const callers = this.#logging.get(upstream);
    if (callers === undefined || callers.size !== 1) return;
    const [ctx] = callers;
    relayLog(ctx, notification);
  }

  // ---- tool search ------------------------------------------------------------------------

  #searchTools(): Wanted[] {
    const search: Wanted = {
      key: SEARCH_TOOLS,
      json: SEARCH_TOOLS,
      register: () =>
        this.server.tool(SEARCH_TOOLS, {
          description: 'Finds tools by what they do. Returns the best matches with their input schemas; call one with call_tool.',
          inputSchema: {
            type: 'object',
            properties: {
              query: { type: 'string', maxLength: MAX_QUERY_LENGTH, description: 'A few words (at most 32) describing the task, e.g. "create github issue"' },
              limit: { type: 'integer', minimum: 1, maximum: 50, description: 'How many tools to return (default 10)' },
            },
            required: ['query'],
          },
          annotations: { readOnlyHint: true },
        }, ({ query, limit }) => {
          const problem = queryProblem(query);
          if (problem !== undefined) return toolError(problem);
          this.#index ??= new ToolIndex(this.manager.catalog.tools().map((route) => route.wire));
          const { tools, omitted } = this.#index.find(query, limit ?? 10);
          if (omitted === 0) return { content: [{ type: 'text', text: JSON.stringify(tools) }], structuredContent: { tools } };
          const note = `${omitted} more matching tools are left out: an answer holds at most ${MAX_ANSWER_CHARS} characters. Search with more precise words.`;
          return { content: [{ type: 'text', text: JSON.stringify(tools) }, { type: 'text', text: note }], structuredContent: { tools, omitted } };
        }),
    };
    const call: Wanted = {
      key: CALL_TOOL,
      json: CALL_TOOL,
      register: () =>
        this.server.tool(CALL_TOOL, {
          description: 'Calls a tool found with search_tools, by its name, with its arguments.',
          inputSchema: {
            type: 'object',
            properties: { name: { type: 'string' }, arguments: { type: 'object' } },
            required: ['name'],
          },
        }, ({ name, arguments: args }, ctx) => {
          const route = this.manager.catalog.tool(name);
          if (route === undefined) return toolError(`Unknown tool: ${describeValue(name)}. Find tools with search_tools.`);
          return this.#forwardTool(route, args ?? {}, ctx).then(cleanResult);
        }),
    };
    return [search, call];
  }
}
