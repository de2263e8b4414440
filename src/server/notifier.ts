/**
 * Fans change notifications out to everyone who asked: legacy sessions (list changes always,
 * resource updates for subscribed URIs) and modern `subscriptions/listen` streams (only the
 * kinds each opted in to). Bursts of registry changes within one tick send one notification.
 *
 * With a bus (several processes behind one endpoint), a change made here is also told to the
 * other processes, and theirs to this one: each delivers to the subscribers connected to it.
 */
import type { JsonRpcNotification } from '../protocol/jsonrpc.ts';
import { MetaKey } from '../protocol/meta.ts';
import { Notification } from '../protocol/methods.ts';
import type { Bus, BusMessage, ListKind } from '../store/bus.ts';
import type { LegacySession } from '../store/legacy-session.ts';

export type { ListKind };

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
  /** Kinds to announce at the end of this tick: true when the change was made here (and goes on the bus). */
  readonly #scheduled: Map<ListKind, boolean>;
  readonly #bus: Bus | undefined;
  readonly #unsubscribe: (() => void) | undefined;

  constructor(bus?: Bus) {
    this.#sessions = new Set();
    this.#listeners = new Set();
    this.#scheduled = new Map();
    this.#bus = bus;
    this.#unsubscribe = bus?.subscribe((message) => this.#heard(message));
  }

  /** Stops hearing other processes' changes. */
  close(): void {
    this.#unsubscribe?.();
  }

  /** Registers a legacy session until it closes. */
  attach(session: LegacySession): void {
    if (session.closed || this.#sessions.has(session)) return;
    this.#sessions.add(session);
    session.onClose = () => this.#sessions.delete(session);
  }

  /**
   * Tells `session` of whatever it may have missed while no process wrote its GET stream (its
   * writer died, and the stream was taken over here): each list of `kinds` may have changed,
   * and each resource it subscribed to. These notifications say only "look again", so one too
   * many costs a client a list or a read, where one missed left it stale.
   */
  missed(session: LegacySession, kinds: readonly ListKind[]): void {
    const outlet = session.outlet;
    if (outlet === undefined) return;
    for (const kind of kinds) outlet.send({ jsonrpc: '2.0', method: LIST_CHANGED[kind] });
    for (const uri of session.subscriptions ?? []) outlet.send({ jsonrpc: '2.0', method: Notification.ResourcesUpdated, params: { uri } });
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

  /** Open `subscriptions/listen` requests (for tests and metrics). */
  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** Schedules one `notifications/<kind>/list_changed` for the end of this tick. */
  listChanged(kind: ListKind, local = true): void {
    if (this.#scheduled.size === 0) queueMicrotask(() => this.#flush());
    if (local || !this.#scheduled.has(kind)) this.#scheduled.set(kind, local);
  }

  /** Sends `notifications/resources/updated` to whoever subscribed to `uri`. */
  resourceUpdated(uri: string): void {
    this.#bus?.publish({ type: 'resourceUpdated', uri });
    this.#resourceUpdatedHere(uri);
  }

  /** Another process's change. The bus is outside this process: what it carries is checked. */
  #heard(message: BusMessage): void {
    if (message.type === 'listChanged' && Object.hasOwn(LIST_CHANGED, message.kind)) this.listChanged(message.kind, false);
    else if (message.type === 'resourceUpdated' && typeof message.uri === 'string') this.#resourceUpdatedHere(message.uri);
  }

  #resourceUpdatedHere(uri: string): void {
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
    for (const [kind, local] of kinds) {
      const method = LIST_CHANGED[kind];
      if (local) this.#bus?.publish({ type: 'listChanged', kind });
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
