/**
 * What one request holds back while its client is not reading (`Exchange.backedUp`): made on
 * the first message held, so a request whose client keeps up never has one.
 *
 * - Progress: only the latest (each supersedes the one before; spec basic/utilities/progress).
 * - Log messages (`ctx.log`): distinct events, kept in order up to {@link MAX_HELD_CHARS}; the
 *   rest are dropped and counted (the spec asks servers to rate-limit logs:
 *   server/utilities/logging), and the client is told how many.
 * - Other notifications (`ctx.notify`): in order with the logs, within the same bound; one equal
 *   to a notification already held (same method and params) is held once. What a request
 *   notifies is mostly a state change the client re-reads (a `subscriptions/listen` stream's
 *   list changes and resource updates), where a second copy says nothing new.
 */
import { encodeMessage } from '../protocol/encode.ts';
import { MAX_HELD_CHARS } from '../protocol/held-notifications.ts';
import type { JsonRpcNotification } from '../protocol/jsonrpc.ts';
import { Notification } from '../protocol/methods.ts';
import type { LoggingLevel } from '../protocol/types.ts';

/**
 * Characters of JSON one request holds back at most, as much as a session holds of its own
 * notifications: with `http.inflight.maxRequestsPerClient` (256) requests in flight, a client
 * that reads nothing makes the server hold 16 MiB of them at most, as much as the request
 * bodies it may have in flight (`maxBytesPerClient`).
 */
export { MAX_HELD_CHARS };

/** The logger of the notice telling a client how many messages were dropped. */
export const NOTICE_LOGGER = 'mcp-core';

/**
 * What a client is told of the messages of `whose` ("this request", "this session") dropped
 * while it was not reading; undefined when none was.
 */
export function droppedText(whose: string, logs: number, others: number): string | undefined {
  if (logs === 0 && others === 0) return undefined;
  const what = others === 0 ? `${logs} log messages` : logs === 0 ? `${others} notifications` : `${logs} log messages and ${others} other notifications`;
  return `${what} of ${whose} were dropped while the client was not reading (at most ${MAX_HELD_CHARS / 1024} KiB of them are held)`;
}

/**
 * The log message (at `level`, logger `mcp-core`) telling a client what was dropped: `text`
 * from {@link droppedText}, and the counts as numbers.
 *
 * @example
 * const text = droppedText('this session', 0, held.dropped);
 * if (text !== undefined) send(droppedNotice('warning', text, 0, held.dropped));
 */
export function droppedNotice(level: LoggingLevel, text: string, logs: number, others: number): JsonRpcNotification {
  const data = { message: text, dropped: logs, droppedNotifications: others };
  return { jsonrpc: '2.0', method: Notification.Message, params: { level, logger: NOTICE_LOGGER, data } };
}

export class HeldMessages {
  /** Log messages and other notifications, in the order they were sent. */
  readonly messages: JsonRpcNotification[];
  /** The latest progress notification. */
  progress: JsonRpcNotification | undefined;
  /** Log messages dropped past the bound. */
  droppedLogs: number;
  /** Other notifications dropped past the bound. */
  droppedNotifications: number;
  #chars: number;
  /**
   * A message did not fit: the ones after it are dropped unmeasured, the first ones kept (they
   * tell how it began), and no JSON is made for a flood that is only counted.
   */
  #full: boolean;
  /** The JSON of the other notifications held, so that an equal one is held once. */
  #notified: Set<string> | undefined;

  constructor() {
    this.messages = [];
    this.progress = undefined;
    this.droppedLogs = 0;
    this.droppedNotifications = 0;
    this.#chars = 0;
    this.#full = false;
    this.#notified = undefined;
  }

  /** Holds a log message, or counts it as dropped past the bound. */
  log(message: JsonRpcNotification): void {
    if (this.#full || !this.#fits(encodeMessage(message).length)) this.droppedLogs++;
    else this.messages.push(message);
  }

  /** Holds a notification unless an equal one is held, or counts it as dropped past the bound. */
  notification(message: JsonRpcNotification): void {
    if (this.#full) {
      this.droppedNotifications++;
      return;
    }
    const json = encodeMessage(message);
    if (this.#notified?.has(json)) return;
    if (!this.#fits(json.length)) {
      this.droppedNotifications++;
      return;
    }
    (this.#notified ??= new Set()).add(json);
    this.messages.push(message);
  }

  /** What the client is told of what was dropped; undefined when nothing was. */
  droppedText(): string | undefined {
    return droppedText('this request', this.droppedLogs, this.droppedNotifications);
  }

  #fits(chars: number): boolean {
    if (this.#chars + chars > MAX_HELD_CHARS) {
      this.#full = true;
      return false;
    }
    this.#chars += chars;
    return true;
  }
}
