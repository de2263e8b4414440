/**
 * A legacy session's outlet on a message stream (stdio, WebSocket): where the session's own
 * notifications go, those that belong to no request (list changes, resource updates). They
 * come whether the client reads or not, so while it is behind (the connection's output is
 * blocked) they are held rather than written, coalesced as a GET stream holds them
 * (protocol/held-notifications.ts): one per list and per subscribed resource, the latest last;
 * anything else in order up to `MAX_HELD_CHARS` of JSON, the rest dropped and counted. Once the
 * client has read what was waiting, what is held goes out, then, if any was dropped, one log
 * message at level `warning` (logger `mcp-core`) saying how many; a stream has no event store
 * to resume from. While the client reads, a notification is written at once, as before.
 */
import { encodeMessage } from '../protocol/encode.ts';
import { HeldNotifications } from '../protocol/held-notifications.ts';
import type { JsonRpcMessage } from '../protocol/jsonrpc.ts';
import { levelPasses, type LoggingLevel } from '../protocol/types.ts';
import type { LegacySession, SessionOutlet } from '../store/legacy-session.ts';
import { droppedNotice, droppedText } from './held-messages.ts';

/** What the outlet needs of its connection (server/connection.ts). */
export interface OutletConnection {
  readonly connected: boolean;
  /** Whether the peer is not draining what was written to it. */
  readonly outputBlocked: boolean;
  send(message: JsonRpcMessage): boolean;
  /** Calls `listener` once the peer has drained what was written. */
  onCaughtUp(listener: () => void): void;
}

const messageLength = (message: JsonRpcMessage) => encodeMessage(message).length;

/**
 * @example
 * session.outlet = new StreamOutlet(connection, session);
 * session.outlet.send({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
 */
export class StreamOutlet implements SessionOutlet {
  readonly #connection: OutletConnection;
  readonly #session: LegacySession;
  /** What is held while the client is behind; undefined while it reads. */
  #held: HeldNotifications<JsonRpcMessage> | undefined;

  constructor(connection: OutletConnection, session: LegacySession) {
    this.#connection = connection;
    this.#session = session;
    this.#held = undefined;
  }

  get connected(): boolean {
    return this.#connection.connected;
  }

  send(message: JsonRpcMessage): boolean {
    const connection = this.#connection;
    if (this.#held === undefined && !connection.outputBlocked) return connection.send(message);
    return this.#hold(message);
  }

  #hold(message: JsonRpcMessage): boolean {
    const connection = this.#connection;
    let held = this.#held;
    if (held !== undefined && !connection.outputBlocked) {
      // Caught up before its listener ran: what is held is older, and goes first.
      this.#release(held);
      return connection.send(message);
    }
    // A request waits for its answer: it is written, never held or dropped.
    if ('id' in message) return connection.send(message);
    if (held === undefined) {
      const made = (held = this.#held = new HeldNotifications(messageLength));
      connection.onCaughtUp(() => this.#release(made));
    }
    held.hold(message, message);
    return false;
  }

  #release(held: HeldNotifications<JsonRpcMessage>): void {
    if (this.#held !== held) return;
    this.#held = undefined;
    const connection = this.#connection;
    for (const message of held.values()) connection.send(message);
    const text = droppedText('this session', 0, held.dropped);
    if (text !== undefined) connection.send(droppedNotice(this.#noticeLevel(), text, 0, held.dropped));
  }

  /** `warning`, or the client's own level when it asked only for more severe ones (`logging/setLevel`). */
  #noticeLevel(): LoggingLevel {
    const threshold = this.#session.logLevel;
    return threshold === undefined || levelPasses('warning', threshold) ? 'warning' : threshold;
  }
}
