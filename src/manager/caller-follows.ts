/**
 * What the gateway's callers follow of its upstreams' resources: a 2025 session's
 * `resources/subscribe`s and a 2026-07-28 `subscriptions/listen`'s `resourceSubscriptions`,
 * each followed upstream too (McpManager.followResource) for as long as the caller follows it.
 *
 * A reload that changes the separator renames every upstream resource, as it renames every
 * tool: the old names lead nowhere any more (a read of one is an unknown resource), and updates
 * come under the new ones, which the callers never followed. So what they follow under the old
 * names ends, as a tool call under an old name fails: they are told, and follow again under the
 * new names once they have listed them. A listen ends with -32602 naming the new URIs; a 2025
 * session, which keeps its other subscriptions, loses those and gets a log message saying so
 * (`notifications/message`, logger `mcp-core`, `data.resources` each `{ uri, now }`).
 */
import { isObject } from '../protocol/guards.ts';
import { reportError } from '../protocol/error-report.ts';
import type { JsonRpcNotification, Params } from '../protocol/jsonrpc.ts';
import { Notification } from '../protocol/methods.ts';
import { levelPasses, type LoggingLevel } from '../protocol/types.ts';
import { ErrorCode, McpError } from '../protocol/wire-errors.ts';
import { clientKey } from '../security/client-key.ts';
import type { RequestContext } from '../server/context.ts';
import type { ServerCore } from '../server/core.ts';
import { subscribe, unsubscribe } from '../server/handlers/resources.ts';
import { listen, resourceSubscriptions } from '../server/handlers/subscriptions.ts';
import { NOTICE_LOGGER } from '../server/held-messages.ts';
import type { McpServer } from '../server/server.ts';
import type { LegacySession } from '../store/legacy-session.ts';
import type { UpstreamResource } from './follows.ts';
import type { McpManager } from './manager.ts';
import type { Namespace } from './names.ts';

type Result = Record<string, unknown>;

/** One namespaced URI a caller follows: the upstream's resource, and the caller it counts for. */
interface Follow {
  resource: UpstreamResource;
  caller: string;
}

/** An open listen that follows upstream resources; `end` ends it, with `error` when it is set. */
interface OpenListen {
  follows: Map<string, Follow>;
  end: AbortController;
  error: McpError | undefined;
}

/** A followed resource renamed: `uri`, the name it was followed under, is `now`. */
interface Renamed {
  uri: string;
  now: string;
}

/**
 * Whose share of an upstream's follows a request counts against (follows.ts): its client, as
 * the HTTP and WebSocket bounds count it, or where the transport knows no peer (stdio, in
 * memory), its principal or the one anonymous peer.
 */
function callerOf(ctx: RequestContext): string {
  return ctx.client ?? clientKey(ctx.auth, undefined);
}

/**
 * @example
 * const follows = new CallerFollows(manager, server);
 * server.method('resources/subscribe', (core, params, ctx) => follows.subscribe(core, params, ctx), { era: Era.Legacy });
 * manager.subscribe({ onRenamed: (previous) => follows.renamed(previous) });
 */
export class CallerFollows {
  readonly #manager: McpManager;
  readonly #server: McpServer;
  /** What each 2025 session follows, by namespaced URI; let go of when it ends. */
  readonly #sessions: Map<LegacySession, Map<string, Follow>>;
  /** The open listens that follow upstream resources. */
  readonly #listens: Set<OpenListen>;

  constructor(manager: McpManager, server: McpServer) {
    this.#manager = manager;
    this.#server = server;
    this.#sessions = new Map();
    this.#listens = new Set();
  }

  /**
   * Legacy `resources/subscribe`: recorded in the session as always, and an upstream's
   * resource is followed upstream too, until the session unsubscribes or ends. Past the
   * caller's share of the upstream's follows, or the upstream's bound, it is refused (-32602)
   * and the session keeps no subscription that nothing would ever update (follows.ts).
   */
  subscribe(core: ServerCore, params: Params, ctx: RequestContext): Result | Promise<Result> {
    const { uri } = params;
    const session = ctx.session;
    const fresh = typeof uri === 'string' && session !== undefined && session.subscriptions?.has(uri) !== true;
    const result = subscribe(core, params, ctx);
    if (!fresh) return result;
    try {
      this.#follow(this.#followsOf(session!), uri as string, callerOf(ctx));
    } catch (error) {
      const undone = unsubscribe(core, params, ctx);
      return Promise.all([result, undone]).then(() => Promise.reject(error));
    }
    return result;
  }

  unsubscribe(core: ServerCore, params: Params, ctx: RequestContext): Result | Promise<Result> {
    const { uri } = params;
    const result = unsubscribe(core, params, ctx);
    const follows = ctx.session === undefined || typeof uri !== 'string' ? undefined : this.#sessions.get(ctx.session);
    const follow = follows?.get(uri as string);
    if (follow !== undefined) {
      follows!.delete(uri as string);
      this.#manager.unfollowResource(follow.resource, follow.caller);
    }
    return result;
  }

  /**
   * Modern `subscriptions/listen`: the upstream resources it names are followed while it is
   * open; at most as many as a 2025 session may subscribe to (`sessionLimits.maxSubscriptions`),
   * and within the caller's share of each upstream's follows (follows.ts): past either, the
   * listen is refused (-32602).
   */
  async listen(core: ServerCore, params: Params, ctx: RequestContext): Promise<Result> {
    const filter = params.notifications;
    // Checked as the server's listen checks it, before anything is followed upstream.
    const wanted = isObject(filter) ? resourceSubscriptions(core, filter.resourceSubscriptions) : [];
    const caller = callerOf(ctx);
    const open: OpenListen = { follows: new Map(), end: new AbortController(), error: undefined };
    const closing = this.#server.closingSignal;
    try {
      for (const uri of wanted) this.#follow(open.follows, uri, caller);
      if (open.follows.size === 0) return await listen(core, params, ctx, closing);
      this.#listens.add(open);
      const result = await listen(core, params, ctx, AbortSignal.any([closing, open.end.signal]));
      if (open.error !== undefined) throw open.error;
      return result;
    } finally {
      this.#listens.delete(open);
      this.#release(open.follows);
    }
  }

  /**
   * The separator changed (`previous` was the namespace): what callers follow under the old
   * names ends. Each listen that follows any ends with -32602; each 2025 session loses those
   * subscriptions and is told in a log message; the upstreams stop following them.
   */
  renamed(previous: Namespace): void {
    const said = (again: string, [first]: Renamed[]) =>
      `Subscriptions to resources of the gateway's upstreams ended: the gateway's name separator changed from ${JSON.stringify(previous.separator)} to ${JSON.stringify(this.#manager.namespace.separator)}, and their URIs with it (${first.uri} is now ${first.now}). List resources and ${again} with the new URIs.`;
    for (const open of this.#listens) {
      const resources = this.#release(open.follows);
      open.error = new McpError(ErrorCode.InvalidParams, said('listen again', resources), { resources });
      open.end.abort();
    }
    for (const [session, follows] of this.#sessions) {
      if (follows.size === 0) continue;
      const resources = this.#release(follows);
      for (const { uri } of resources) session.unsubscribe(uri);
      session.changed()?.catch((error: unknown) => reportError(error, { operation: 'saving a session whose subscriptions were renamed' }));
      session.outlet?.send(notice(session.logLevel, { message: said('subscribe again', resources), resources }));
    }
  }

  #follow(follows: Map<string, Follow>, uri: string, caller: string): void {
    const resource = this.#manager.followResource(uri, caller);
    if (resource !== undefined) follows.set(uri, { resource, caller });
  }

  /** Lets go of every follow in `follows` (emptied); returns what each is called now. */
  #release(follows: Map<string, Follow>): Renamed[] {
    const namespace = this.#manager.namespace;
    const renamed: Renamed[] = [];
    for (const [uri, { resource, caller }] of follows) {
      this.#manager.unfollowResource(resource, caller);
      renamed.push({ uri, now: namespace.uri(resource.upstream, resource.uri) });
    }
    follows.clear();
    return renamed;
  }

  /** The upstream resources a session has the gateway follow; let go of when it ends. */
  #followsOf(session: LegacySession): Map<string, Follow> {
    let follows = this.#sessions.get(session);
    if (follows === undefined) {
      const created = (follows = new Map());
      this.#sessions.set(session, created);
      session.whenClosed(() => {
        this.#sessions.delete(session);
        this.#release(created);
      });
    }
    return follows;
  }
}

/** A log message of the gateway's own to a 2025 session: at `warning`, or its own level when it asked only for more severe ones. */
function notice(threshold: LoggingLevel | undefined, data: Record<string, unknown>): JsonRpcNotification {
  const level = threshold === undefined || levelPasses('warning', threshold) ? 'warning' : threshold;
  return { jsonrpc: '2.0', method: Notification.Message, params: { level, logger: NOTICE_LOGGER, data } };
}
