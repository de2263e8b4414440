/**
 * Fans change notifications out to everyone who asked: legacy sessions (list changes always,
 * resource updates for subscribed URIs) and modern `subscriptions/listen` streams (only the
 * kinds each opted in to). Bursts of registry changes within one tick send one notification.
 */
import type { JsonRpcNotification } from '../protocol/jsonrpc.ts';
import { MetaKey } from '../protocol/meta.ts';
import { Notification } from '../protocol/methods.ts';
import type { LegacySession } from '../store/legacy-session.ts';

export type ListKind = 'tools' | 'prompts' | 'resources';

const LIST_CHANGED: Record<ListKind, string> = {
  tools: Notification.ToolsListChanged,
  prompts: Notification.PromptsListChanged,
  resources: Notification.ResourcesListChanged,
};

/** One open `subscriptions/listen` request and the kinds it agreed to receive. */
export interface Listener {
  readonly subscriptionId: string | number;
  readonly lists: ReadonlySet<ListKind>;
  readonly uris: ReadonlySet<string>;
  deliver(notification: JsonRpcNotification): void;
}

export class ChangeNotifier {
  readonly #sessions: Set<LegacySession>;
  readonly #listeners: Set<Listener>;
  readonly #scheduled: Set<ListKind>;

  constructor() {
    this.#sessions = new Set();
    this.#listeners = new Set();
    this.#scheduled = new Set();
  }

  /** Registers a legacy session until it closes. */
  attach(session: LegacySession): void {
    if (session.closed || this.#sessions.has(session)) return;
    this.#sessions.add(session);
    session.onClose = () => this.#sessions.delete(session);
  }

  detach(session: LegacySession): void {
    this.#sessions.delete(session);
  }

  listen(listener: Listener): void {
    this.#listeners.add(listener);
  }

  unlisten(listener: Listener): void {
    this.#listeners.delete(listener);
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** Schedules one `notifications/<kind>/list_changed` for the end of this tick. */
  listChanged(kind: ListKind): void {
    if (this.#scheduled.size === 0) queueMicrotask(() => this.#flush());
    this.#scheduled.add(kind);
  }

  /** Sends `notifications/resources/updated` to whoever subscribed to `uri`. */
  resourceUpdated(uri: string): void {
    for (const session of this.#liveSessions()) {
      if (session.subscriptions?.has(uri)) session.outlet?.send({ jsonrpc: '2.0', method: Notification.ResourcesUpdated, params: { uri } });
    }
    for (const listener of this.#listeners) {
      if (listener.uris.has(uri)) listener.deliver(tagged(Notification.ResourcesUpdated, listener, { uri }));
    }
  }

  #flush(): void {
    const kinds = [...this.#scheduled];
    this.#scheduled.clear();
    for (const kind of kinds) {
      const method = LIST_CHANGED[kind];
      for (const session of this.#liveSessions()) session.outlet?.send({ jsonrpc: '2.0', method });
      for (const listener of this.#listeners) {
        if (listener.lists.has(kind)) listener.deliver(tagged(method, listener));
      }
    }
  }

  *#liveSessions(): Generator<LegacySession> {
    for (const session of this.#sessions) if (session.initialized) yield session;
  }
}

function tagged(method: string, listener: Listener, params: Record<string, unknown> = {}): JsonRpcNotification {
  return { jsonrpc: '2.0', method, params: { ...params, _meta: { [MetaKey.SubscriptionId]: listener.subscriptionId } } };
}
