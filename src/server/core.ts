/**
 * The server's state, shared by the method handlers: registries, the change notifier, the
 * requestState sealer and the options. Built once; every request only reads it.
 */
import type { Implementation, Prompt, Resource, ResourceTemplate, ServerCapabilities, Tool } from '../protocol/types.ts';
import type { Icon } from '../protocol/types.ts';
import { preEncoded } from '../protocol/encode.ts';
import { reportError } from '../protocol/error-report.ts';
import { TASKS_EXTENSION } from '../protocol/meta.ts';
import type { Bus } from '../store/bus.ts';
import { ChangeNotifier, type ListKind } from './notifier.ts';
import type { RegisteredPrompt } from './prompts.ts';
import { Registry } from './registry.ts';
import { RequestStateSealer } from './request-state.ts';
import type { RegisteredResource, RegisteredResourceTemplate } from './resources.ts';
import { TaskManager, type TaskOptions } from './tasks.ts';
import type { RegisteredTool } from './tools.ts';

/** Freshness hints for cacheable results (spec 2026-07-28, server/utilities/caching). */
export interface CacheHint {
  ttlMs: number;
  cacheScope: 'public' | 'private';
}

/** Bounds on what a legacy session (HTTP or stdio) keeps of what its client sends. */
export interface SessionLimits {
  /** `resources/subscribe` URIs one session holds. Default 256. */
  maxSubscriptions?: number;
  /**
   * Bytes of client data one session keeps: capabilities and clientInfo from `initialize`,
   * and subscribed URIs. Default 16 KiB.
   */
  maxDataBytes?: number;
}

export interface ServerOptions {
  name: string;
  version: string;
  title?: string;
  description?: string;
  websiteUrl?: string;
  icons?: Icon[];
  /** Guidance for models on using this server, returned by initialize and server/discover. */
  instructions?: string;
  /** Items per page of list results. Default 1000. */
  pageSize?: number;
  /** Hints for lists and server/discover (default 0 ms, public) and resources/read (0 ms, private). */
  cache?: { list?: CacheHint; read?: CacheHint };
  /** Secret for sealing MRTR requestState; must be shared by all processes behind one endpoint. */
  requestStateSecret?: string | Uint8Array;
  /** How long a requestState stays valid. Default 10 minutes. */
  requestStateTtlMs?: number;
  /**
   * Legacy era: how long to wait for a client's answer to a server-to-client request. Default
   * 5 minutes. Longer than a timer holds (2^31 - 1 ms, about 24.8 days; Infinity too): no limit.
   */
  clientRequestTimeoutMs?: number;
  /** Whether modern results carry `_meta` `io.modelcontextprotocol/serverInfo`. Default true. */
  serverInfoInResults?: boolean;
  /**
   * Extra capabilities to advertise (experimental, extensions). `tools`, `prompts`,
   * `resources` and `completions` given here are declared even while nothing of that kind is
   * registered, for a server whose entries come later (a gateway whose upstreams connect
   * after it starts): a client does not look for what the server did not declare.
   */
  capabilities?: Pick<ServerCapabilities, 'experimental' | 'extensions' | 'tools' | 'prompts' | 'resources' | 'completions'>;
  /** Tasks extension settings (used by tools registered with `taskSupport`). */
  tasks?: TaskOptions;
  /**
   * How this process hears of, and tells, the other processes serving the same endpoint:
   * list changes and resource updates reach subscribers connected to any of them, and task
   * steering reaches the process running the task. Give the same bus to the HTTP transport.
   * None by default (one process).
   */
  bus?: Bus;
  /** Bounds on what a legacy session keeps of what its client sends. */
  sessionLimits?: SessionLimits;
  /**
   * Called for errors a handler did not mean to send (they reach clients as -32603), and for
   * failures of background work a request started (a task store that could not save). By
   * default they are reported on the `mcp-core:error` diagnostics channel, or to stderr.
   */
  onError?: (error: unknown, context: { method: string }) => void;
}

export class ServerCore {
  readonly info: Implementation;
  readonly instructions: string | undefined;
  readonly pageSize: number;
  readonly listHint: CacheHint;
  readonly readHint: CacheHint;
  readonly sealer: RequestStateSealer;
  readonly clientRequestTimeoutMs: number;
  readonly serverInfoMeta: Record<string, unknown> | undefined;
  readonly notifier: ChangeNotifier;
  readonly tools: Registry<RegisteredTool, Tool>;
  readonly prompts: Registry<RegisteredPrompt, Prompt>;
  readonly resources: Registry<RegisteredResource, Resource>;
  readonly templates: Registry<RegisteredResourceTemplate, ResourceTemplate>;
  readonly onError: (error: unknown, context: { method: string }) => void;
  readonly tasks: TaskManager;
  readonly maxSubscriptions: number;
  readonly maxSessionDataBytes: number;
  readonly #extraCapabilities: ServerOptions['capabilities'];
  #capabilities: ServerCapabilities | undefined;
  /** Whether any tool may run as a task; then the extension is advertised. */
  tasksEnabled: boolean;

  constructor(options: ServerOptions) {
    const info: Implementation = { name: options.name, version: options.version };
    if (options.title !== undefined) info.title = options.title;
    if (options.description !== undefined) info.description = options.description;
    if (options.websiteUrl !== undefined) info.websiteUrl = options.websiteUrl;
    if (options.icons !== undefined) info.icons = options.icons;
    this.info = info;
    this.instructions = options.instructions;
    this.pageSize = options.pageSize ?? 1000;
    this.listHint = options.cache?.list ?? { ttlMs: 0, cacheScope: 'public' };
    this.readHint = options.cache?.read ?? { ttlMs: 0, cacheScope: 'private' };
    this.sealer = new RequestStateSealer(options.requestStateSecret, options.requestStateTtlMs ?? 10 * 60_000);
    this.clientRequestTimeoutMs = options.clientRequestTimeoutMs ?? 5 * 60_000;
    this.serverInfoMeta = options.serverInfoInResults === false ? undefined : preEncoded({ 'io.modelcontextprotocol/serverInfo': info });
    this.notifier = new ChangeNotifier(options.bus);
    this.tools = new Registry('Tool', () => this.#changed('tools'));
    this.prompts = new Registry('Prompt', () => this.#changed('prompts'));
    this.resources = new Registry('Resource', () => this.#changed('resources'));
    this.templates = new Registry('Resource template', () => this.#changed('resources'));
    this.onError = options.onError ?? reportError;
    this.tasks = new TaskManager(options.tasks, (error, context) => this.report(error, context), options.bus);
    this.maxSubscriptions = options.sessionLimits?.maxSubscriptions ?? 256;
    this.maxSessionDataBytes = options.sessionLimits?.maxDataBytes ?? 16 * 1024;
    this.#extraCapabilities = options.capabilities;
    this.#capabilities = undefined;
    this.tasksEnabled = false;
  }

  /** What this server offers, derived from what is registered. */
  get capabilities(): ServerCapabilities {
    if (this.#capabilities) return this.#capabilities;
    const capabilities: ServerCapabilities = { logging: {} };
    const declared = this.#extraCapabilities;
    if (this.tools.size > 0 || declared?.tools) capabilities.tools = { listChanged: true };
    if (this.prompts.size > 0 || declared?.prompts) capabilities.prompts = { listChanged: true };
    if (this.resources.size > 0 || this.templates.size > 0 || declared?.resources) capabilities.resources = { subscribe: true, listChanged: true };
    if (this.prompts.size > 0 || this.templates.size > 0 || declared?.completions) capabilities.completions = {};
    const extensions = { ...this.#extraCapabilities?.extensions };
    if (this.tasksEnabled) extensions[TASKS_EXTENSION] = {};
    if (Object.keys(extensions).length > 0) capabilities.extensions = extensions;
    if (this.#extraCapabilities?.experimental) capabilities.experimental = this.#extraCapabilities.experimental;
    this.#capabilities = capabilities;
    return capabilities;
  }

  /**
   * Hands an error nobody meant to send to `onError`. Never throws: an `onError` that fails is
   * itself written to stderr, so that reporting one request's failure cannot take down others.
   */
  report(error: unknown, context: { method: string }): void {
    try {
      this.onError(error, context);
    } catch (failure) {
      reportError(failure, { method: `onError, reporting on ${context.method}` });
    }
  }

  invalidateCapabilities(): void {
    this.#capabilities = undefined;
  }

  #changed(kind: ListKind): void {
    this.#capabilities = undefined;
    this.notifier.listChanged(kind);
  }
}
