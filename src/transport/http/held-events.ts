/**
 * What a legacy session's GET stream holds while its client is not reading (the connection's
 * high-water mark passed): the session's own notifications, which come whether the client
 * reads or not (list changes, resource updates), would otherwise queue in the process without
 * bound.
 *
 * They are coalesced, which loses nothing the client needs: `notifications/<kind>/list_changed`
 * and `notifications/resources/updated` carry no state, only that the list or the resource
 * changed, and the client lists or reads it again (spec 2025-11-25, server/tools, prompts,
 * resources: list changed notification, subscriptions). One of each kind, and one per
 * resource, tells it all; the latest replaces the earlier one and goes last, so the event ids
 * the client sees still rise. So a stream holds at most one event per list and per subscribed
 * URI (`server.sessionLimits.maxSubscriptions`). Anything else (nothing today) is held as it
 * is; past {@link MAX_HELD_EVENTS} the stream gives up its connection, and the client resumes
 * from the event store with Last-Event-ID (spec 2025-11-25, transports: resumability).
 */
import type { JsonRpcMessage } from '../../protocol/jsonrpc.ts';
import { Notification } from '../../protocol/methods.ts';

/** Events a stream holds at most: every list and the default 256 subscriptions fit, with room. */
export const MAX_HELD_EVENTS = 1024;

/** Under which key a later event replaces an earlier one; undefined when none does. */
function coalesceKey(message: JsonRpcMessage): string | undefined {
  if (!('method' in message) || 'id' in message) return undefined;
  switch (message.method) {
    case Notification.ToolsListChanged:
    case Notification.PromptsListChanged:
    case Notification.ResourcesListChanged:
      return message.method;
    case Notification.ResourcesUpdated: {
      const uri = message.params?.uri;
      return typeof uri === 'string' ? `${message.method} ${uri}` : undefined;
    }
    default:
      return undefined;
  }
}

export class HeldEvents {
  /** The events' SSE text, in the order they go out. */
  readonly #events: Map<string | number, string>;
  /** Keys of events that nothing replaces. */
  #next: number;

  constructor() {
    this.#events = new Map();
    this.#next = 0;
  }

  /** Holds `event` (the SSE text of `message`); false once more are held than the bound. */
  hold(message: JsonRpcMessage, event: string): boolean {
    const key = coalesceKey(message) ?? this.#next++;
    this.#events.delete(key);
    this.#events.set(key, event);
    return this.#events.size <= MAX_HELD_EVENTS;
  }

  get size(): number {
    return this.#events.size;
  }

  /** The events held, in the order they go out. */
  values(): IterableIterator<string> {
    return this.#events.values();
  }
}
