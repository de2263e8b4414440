/**
 * What a legacy session holds of its own notifications while its client is not reading (the
 * connection's high-water mark passed): a GET stream's events over HTTP, the messages of the
 * connection over stdio and WebSocket. They come whether the client reads or not (list
 * changes, resource updates, from this process or from a gateway's upstream), and were
 * otherwise queued in the process without bound.
 *
 * The notifications that carry no state are coalesced, which loses nothing the client needs:
 * `notifications/<kind>/list_changed` and `notifications/resources/updated` say only that the
 * list or the resource changed, and the client lists or reads it again (spec 2025-11-25,
 * server/tools, prompts, resources: list changed notification, subscriptions). One of each
 * kind, and one per resource, tells it all; the latest replaces the earlier one and goes last
 * (so the event ids a GET stream's client sees still rise). So at most one is held per list
 * and per subscribed URI (`server.sessionLimits.maxSubscriptions`).
 *
 * Anything else is held as it is, in order, up to {@link MAX_HELD_CHARS} of JSON; past it,
 * it and every later one is dropped and counted ({@link HeldNotifications.dropped}): what to
 * do then is the holder's (a GET stream gives up its connection, for the client to resume from
 * the event store; a stdio or WebSocket connection, which has no store, tells the client how
 * many were dropped).
 *
 * @example
 * const held = new HeldNotifications<string>((event) => event.length);
 * held.hold(message, formatEvent(message));
 * for (const event of held.values()) sink.write(event);
 */
import type { JsonRpcMessage } from './jsonrpc.ts';
import { Notification } from './methods.ts';

/**
 * Characters of JSON held at most of what is not coalesced: four times a response stream's
 * high-water mark (16 KiB). About a hundred log lines of ordinary length, or several hundred
 * small notifications. By size, not by count: the size is what costs memory, and one message
 * may be megabytes.
 */
export const MAX_HELD_CHARS = 64 * 1024;

/** Under which key a later notification replaces an earlier one; undefined when none does. */
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

/** Held messages, each as `T`: what goes out for it (a GET stream's SSE text, or the message). */
export class HeldNotifications<T> {
  /** What is held, in the order it goes out. */
  readonly #held: Map<string | number, T>;
  /** How many characters of JSON an item that is not coalesced is. */
  readonly #chars: (item: T) => number;
  /** Keys of what nothing replaces. */
  #next: number;
  /** Characters held of what is not coalesced. */
  #heldChars: number;
  /**
   * One did not fit: the ones after it are dropped unmeasured, the first ones kept (they tell
   * how it began), and no JSON is made for a flood that is only counted.
   */
  #full: boolean;
  /** Messages not coalesced that were dropped past {@link MAX_HELD_CHARS}. */
  dropped: number;

  constructor(chars: (item: T) => number) {
    this.#held = new Map();
    this.#chars = chars;
    this.#next = 0;
    this.#heldChars = 0;
    this.#full = false;
    this.dropped = 0;
  }

  /** Holds `item` (what goes out for `message`); false when it was dropped past the bound. */
  hold(message: JsonRpcMessage, item: T): boolean {
    const key = coalesceKey(message);
    if (key !== undefined) {
      this.#held.delete(key);
      this.#held.set(key, item);
      return true;
    }
    const chars = this.#full ? 0 : this.#chars(item);
    if (this.#full || this.#heldChars + chars > MAX_HELD_CHARS) {
      this.#full = true;
      this.dropped++;
      return false;
    }
    this.#heldChars += chars;
    this.#held.set(this.#next++, item);
    return true;
  }

  get size(): number {
    return this.#held.size;
  }

  /** What is held, in the order it goes out. */
  values(): IterableIterator<T> {
    return this.#held.values();
  }
}
