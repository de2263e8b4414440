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
 *
 * A call cancelled while the peer runs it keeps its place until the peer's function returns,
 * as the server's own handlers do: the caller's cancellation is passed on at once, but a Python
 * function in a thread cannot be stopped, and a client cancelling each call it makes would
 * otherwise have any number run at once, uncounted by the server's limits. A peer that declares
 * {@link PEER_RETURNED_CAPABILITY} says, with {@link PEER_RETURNED}, when a request the engine
 * cancelled has stopped running; the call's handler returns then (or when the peer is gone).
 */
import type { McpClient } from '../client/client.ts';
import { isCancelled } from '../client/requests.ts';
import type { JsonRpcNotification, RequestId } from '../protocol/jsonrpc.ts';
import { Method, Notification } from '../protocol/methods.ts';
import type { Tool } from '../protocol/types.ts';
import type { RequestContext } from '../server/context.ts';
import type { McpServer } from '../server/server.ts';
import type { RegisteredTool } from '../server/tools.ts';
import { askDirectly, InputRelay, type ForwardOptions } from './input-bridge.ts';
import { cleanResult } from './manager.ts';

type Result = Record<string, unknown>;

/** The key, in the peer's `experimental` capabilities, of a peer that sends {@link PEER_RETURNED}. */
export const PEER_RETURNED_CAPABILITY = 'mcp-core/returned';
/**
 * The peer's notice `{"requestId": id}`: a request the engine cancelled no longer runs there
 * (its function returned). It follows every `notifications/cancelled` the peer gets, at once
 * when nothing of that request runs (it was answered, or never started).
 */
export const PEER_RETURNED = 'notifications/mcp-core/returned';

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
  /** The last listing asked for. */
  #refreshing: Promise<void>;
  /** A listing asked for that has not begun: later refreshes join it. */
  #waiting: Promise<void> | undefined;
  /** The peer says when cancelled requests stop running ({@link PEER_RETURNED}). */
  readonly #tellsReturns: boolean;
  /**
   * Calls cancelled while the peer runs them, by the peer request's id: each resolves when the
   * peer says it returned. At most one per call still holding its place, and none once the
   * peer is gone.
   */
  readonly #returning: Map<RequestId, () => void>;
  #peerGone: boolean;

  constructor(server: McpServer, client: McpClient, options: PeerToolsOptions = {}) {
    this.server = server;
    this.client = client;
    this.#relay = new InputRelay({ timeoutMs: options.inputTimeoutMs ?? 300_000, maxPending: options.maxPendingInputs ?? 1000 });
    this.#registered = new Map();
    this.#onProblem = options.onProblem;
    this.#refreshing = Promise.resolve();
    this.#waiting = undefined;
    this.#tellsReturns = client.serverCapabilities.experimental?.[PEER_RETURNED_CAPABILITY] !== undefined;
    this.#returning = new Map();
    this.#peerGone = false;
    // The peer's process died (its functions with it), or the engine closes the connection.
    void client.closed.then(() => this.#release());
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
    if (notification.method === PEER_RETURNED) {
      const requestId = notification.params?.requestId;
      if (typeof requestId === 'string' || typeof requestId === 'number') this.#returned(requestId);
      return;
    }
    if (notification.method === Notification.ToolsListChanged) this.refresh().catch((error: unknown) => this.#onProblem?.('tools/list', error as Error));
  }

  /**
   * Lists the peer's tools and makes the server's registrations match. One listing at a time,
   * and at most one waiting: the refreshes asked while a listing runs are answered by one more
   * (a program registering tools in a loop tells of each, and a listing per notification grew
   * with their number squared). A listing that failed does not stop those after it.
   */
  refresh(): Promise<void> {
    if (this.#waiting !== undefined) return this.#waiting;
    // The last listing's failure went to those who asked for it.
    const waiting = this.#refreshing.catch(() => {}).then(async () => {
      // Listing now: a change told from here on needs the next one.
      this.#waiting = undefined;
      this.#apply(await this.client.listTools());
    });
    this.#waiting = waiting;
    this.#refreshing = waiting;
    return waiting;
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
    const forward = (options: ForwardOptions) => this.#forward(name, args, options);
    if (ctx.isModern && ctx.taskId === undefined) return this.#relay.run(ctx, forward);
    return forward(askDirectly(ctx));
  }

  /** The request to the peer; cancelled while the peer runs it, it settles once the peer's function returned. */
  #forward(name: string, args: Record<string, unknown>, options: ForwardOptions): Promise<Result> {
    const params = { name, arguments: args };
    if (!this.#tellsReturns) return this.client.request(Method.ToolsCall, params, { ...options, timeoutMs: 0 }).then(cleanResult);
    let sent: RequestId | undefined;
    return this.client
      .request(Method.ToolsCall, params, { ...options, timeoutMs: 0, onSent: (id) => (sent = id) })
      .then(cleanResult, (error: unknown) => this.#failedOnceReturned(error, sent, options));
  }

  /**
   * Rethrows a failed call's error; a call the engine cancelled after it was sent first waits
   * for the peer's {@link PEER_RETURNED}. The peer sends it after reading the cancellation,
   * which went out as the call failed: this runs in the microtasks of that failure, before
   * the pipe is read again, so it is waiting by the time the notice can come.
   */
  async #failedOnceReturned(error: unknown, sent: RequestId | undefined, options: ForwardOptions): Promise<never> {
    if (sent !== undefined && isCancelled(options) && !this.#peerGone) await new Promise<void>((resolve) => this.#returning.set(sent, resolve));
    throw error;
  }

  #returned(requestId: RequestId): void {
    const resolve = this.#returning.get(requestId);
    if (resolve === undefined) return;
    this.#returning.delete(requestId);
    resolve();
  }

  /** No notice will come: every call waiting for one returns. */
  #release(): void {
    this.#peerGone = true;
    const waiting = [...this.#returning.values()];
    this.#returning.clear();
    for (const resolve of waiting) resolve();
  }

  /** Takes every registration back, cancels calls waiting for input, and stops waiting for the peer's functions. */
  close(): void {
    this.#relay.close();
    this.#release();
    for (const { entry } of this.#registered.values()) entry.remove();
    this.#registered.clear();
  }
}
