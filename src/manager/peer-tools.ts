/**
 * A peer's tools offered as a server's own: the tools a connected MCP server (the peer, e.g.
 * the Python process that drives the engine) lists are registered on `server` under their own
 * names, and every call is relayed to the peer with the caller's progress, cancellation and
 * answers to the peer's questions (elicitation, sampling) in the caller's era.
 *
 * Unlike a gateway upstream, the peer is not namespaced and has no reconnection or breaker:
 * it is the process the engine lives for, and the engine ends when it does. Its tools are
 * ordinary tools of the server, so every transport and every interceptor (auth, limits,
 * metrics) applies to them, and their arguments are checked against their schemas once, here.
 */
import type { McpClient } from '../client/client.ts';
import type { JsonRpcNotification } from '../protocol/jsonrpc.ts';
import { Method, Notification } from '../protocol/methods.ts';
import type { Tool } from '../protocol/types.ts';
import type { RequestContext } from '../server/context.ts';
import type { McpServer } from '../server/server.ts';
import type { RegisteredTool } from '../server/tools.ts';
import { askDirectly, InputRelay, type ForwardOptions } from './input-bridge.ts';
import { cleanResult } from './manager.ts';

type Result = Record<string, unknown>;

export interface PeerToolsOptions {
  /** How long a peer's call waits for a 2026-07-28 caller's answer to its question. Default 5 minutes. */
  inputTimeoutMs?: number;
  /** Peer calls waiting for such answers at once. Default 1000. */
  maxPendingInputs?: number;
  /** A peer tool that cannot be registered (a name taken, a schema that does not compile). */
  onProblem?: (tool: string, error: Error) => void;
}

/**
 * @example
 * const client = new McpClient({ name: 'engine', version: '1.0.0', capabilities: { elicitation: {}, sampling: {} } });
 * await client.connect(transportToThePeer);
 * const tools = new PeerTools(server, client);
 * await tools.refresh();                       // and again on notifications/tools/list_changed
 */
export class PeerTools {
  readonly server: McpServer;
  readonly client: McpClient;
  readonly #relay: InputRelay;
  readonly #registered: Map<string, { entry: RegisteredTool; json: string }>;
  readonly #onProblem: PeerToolsOptions['onProblem'];
  #refreshing: Promise<void>;

  constructor(server: McpServer, client: McpClient, options: PeerToolsOptions = {}) {
    this.server = server;
    this.client = client;
    this.#relay = new InputRelay({ timeoutMs: options.inputTimeoutMs ?? 300_000, maxPending: options.maxPendingInputs ?? 1000 });
    this.#registered = new Map();
    this.#onProblem = options.onProblem;
    this.#refreshing = Promise.resolve();
  }

  /** How many of the peer's tools are offered. */
  get size(): number {
    return this.#registered.size;
  }

  /** Calls of 2026-07-28 callers waiting for their answers to the peer's questions. */
  get pendingInputs(): number {
    return this.#relay.size;
  }

  /** Passes the peer's notifications that concern its tools: give it the client's `onNotification`. */
  notification(notification: JsonRpcNotification): void {
    if (notification.method === Notification.ToolsListChanged) this.refresh().catch((error: unknown) => this.#onProblem?.('tools/list', error as Error));
  }

  /** Lists the peer's tools and makes the server's registrations match; one listing at a time. */
  refresh(): Promise<void> {
    this.#refreshing = this.#refreshing.then(async () => this.#apply(await this.client.listTools()));
    return this.#refreshing;
  }

  #apply(tools: Tool[]): void {
    const wanted = new Set(tools.map((tool) => tool.name));
    for (const [name, { entry }] of this.#registered) {
      if (wanted.has(name)) continue;
      entry.remove();
      this.#registered.delete(name);
    }
    for (const tool of tools) {
      const json = JSON.stringify(tool);
      const known = this.#registered.get(tool.name);
      if (known?.json === json) continue;
      const config = {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.inputSchema,
        outputSchema: tool.outputSchema,
        annotations: tool.annotations,
        icons: tool.icons,
        _meta: tool._meta as Record<string, unknown> | undefined,
      };
      try {
        if (known !== undefined) {
          known.entry.update(config);
          known.json = json;
        } else {
          const name = tool.name;
          const entry = this.server.tool(name, config, (args, ctx) => this.#call(name, args, ctx));
          this.#registered.set(name, { entry, json });
        }
      } catch (error) {
        this.#onProblem?.(tool.name, error as Error);
      }
    }
  }

  /**
   * Relays one call. A 2026-07-28 caller's questions go through the relay (its retries find
   * the peer's call still waiting); others are asked directly.
   */
  #call(name: string, args: Record<string, unknown>, ctx: RequestContext): Promise<Result> {
    const forward = (options: ForwardOptions) =>
      this.client.request(Method.ToolsCall, { name, arguments: args }, { ...options, timeoutMs: 0 }).then(cleanResult);
    if (ctx.isModern && ctx.taskId === undefined) return this.#relay.run(ctx, forward);
    return forward(askDirectly(ctx));
  }

  /** Takes every registration back and cancels calls waiting for input. */
  close(): void {
    this.#relay.close();
    for (const { entry } of this.#registered.values()) entry.remove();
    this.#registered.clear();
  }
}
