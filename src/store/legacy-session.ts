/**
 * One legacy (initialize-based) conversation as this process holds it: an HTTP session
 * identified by Mcp-Session-Id, or a stdio connection after `initialize`. Two parts:
 * - its record (the {@link SessionRecord} fields: version, capabilities, log level,
 *   subscriptions, owner), which a shared store keeps for every process serving the session;
 *   changes are written back through {@link LegacySession.changed};
 * - what it does here: server-to-client requests waiting for the client's answer, and the
 *   outlet for messages that belong to no request.
 * Kept small on purpose: an idle session is a few hundred bytes, so a server can hold tens of
 * thousands.
 */
import { settleWith, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse, type Params, type RequestId } from '../protocol/jsonrpc.ts';
import { Notification } from '../protocol/methods.ts';
import { timerHolds } from '../protocol/timer-limit.ts';
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import type { ClientCapabilities, Implementation, LoggingLevel } from '../protocol/types.ts';
import type { SessionRecord } from './session-record.ts';

/** Where a session's messages that belong to no request go: the GET stream, or stdout. */
export interface SessionOutlet {
  send(message: JsonRpcMessage): boolean;
  /** Whether a client is on the other end right now (an idle session with one is in use). */
  readonly connected: boolean;
}

interface PendingRequest {
  resolve(result: Record<string, unknown>): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
  cleanup: (() => void) | undefined;
}

export interface OutgoingRequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Writes a session's record where a shared store keeps it. */
export type SessionSaver = (session: LegacySession) => Promise<void>;

export class LegacySession {
  /** The Mcp-Session-Id on HTTP; undefined on stdio, where the process is the session. */
  readonly id: string | undefined;
  /**
   * The subject of the principal that opened the session; only requests of the same subject
   * may use it. Undefined when it was opened without authentication.
   */
  owner: string | undefined;
  /** Whose quota the session counts against: the owner, or the address it came from. */
  client: string;
  protocolVersion: string;
  clientCapabilities: ClientCapabilities;
  clientInfo: Implementation | undefined;
  /** Set by `notifications/initialized`. */
  initialized: boolean;
  /** Minimum level from `logging/setLevel`; undefined means the client asked for no filter. */
  logLevel: LoggingLevel | undefined;
  /** Resource URIs from `resources/subscribe`, allocated on first use. */
  subscriptions: Set<string> | undefined;
  /** Bytes of client data kept: capabilities, clientInfo, subscribed URIs (bounded by the server). */
  dataBytes: number;
  outlet: SessionOutlet | undefined;
  lastActive: number;
  closed: boolean;
  /** Called once when the session closes, so registries holding it can let go. */
  onClose: (() => void) | undefined;
  /** More of the same (see {@link whenClosed}), allocated on first use. */
  #closeListeners: Array<() => void> | undefined;
  /** Where changes to the record are written: set by a shared store, undefined in memory. */
  saver: SessionSaver | undefined;
  /** The write of the latest change, while it is in flight. */
  saving: Promise<void> | undefined;
  /**
   * Starts the ids of server-to-client requests. When several processes serve one session,
   * each has its own, so that an answer arriving at another process finds the request it
   * belongs to and no other.
   */
  requestIdPrefix: string;
  #pending: Map<RequestId, PendingRequest> | undefined;
  #nextId: number;

  constructor(id: string | undefined, protocolVersion: string) {
    this.id = id;
    this.owner = undefined;
    this.client = '';
    this.protocolVersion = protocolVersion;
    this.clientCapabilities = {};
    this.clientInfo = undefined;
    this.initialized = false;
    this.logLevel = undefined;
    this.subscriptions = undefined;
    this.dataBytes = 0;
    this.outlet = undefined;
    this.lastActive = Date.now();
    this.closed = false;
    this.onClose = undefined;
    this.#closeListeners = undefined;
    this.saver = undefined;
    this.saving = undefined;
    this.requestIdPrefix = 's';
    this.#pending = undefined;
    this.#nextId = 0;
  }

  /** A session of this process made from a record a store kept. */
  static fromRecord(record: SessionRecord): LegacySession {
    const session = new LegacySession(record.id, record.protocolVersion);
    session.apply(record);
    return session;
  }

  /** Takes the record's fields (a newer copy, read from a shared store or sent by another process). */
  apply(record: SessionRecord): void {
    this.owner = record.owner;
    this.client = record.client;
    this.protocolVersion = record.protocolVersion;
    this.clientCapabilities = record.clientCapabilities;
    this.clientInfo = record.clientInfo;
    this.initialized = record.initialized;
    this.logLevel = record.logLevel;
    this.subscriptions = record.subscriptions === undefined ? undefined : new Set(record.subscriptions);
    this.dataBytes = record.dataBytes;
    this.lastActive = Math.max(this.lastActive, record.lastActive);
  }

  /** The record: plain data, what a store keeps of this session. */
  toRecord(): SessionRecord {
    const record: SessionRecord = {
      id: this.id!,
      client: this.client,
      protocolVersion: this.protocolVersion,
      clientCapabilities: this.clientCapabilities,
      initialized: this.initialized,
      dataBytes: this.dataBytes,
      lastActive: this.lastActive,
    };
    if (this.owner !== undefined) record.owner = this.owner;
    if (this.clientInfo !== undefined) record.clientInfo = this.clientInfo;
    if (this.logLevel !== undefined) record.logLevel = this.logLevel;
    if (this.subscriptions !== undefined && this.subscriptions.size > 0) record.subscriptions = [...this.subscriptions];
    return record;
  }

  /** Drops the subscription to `uri` and the bytes it took; true when the session had it. */
  unsubscribe(uri: string): boolean {
    if (!this.subscriptions?.delete(uri)) return false;
    this.dataBytes -= uri.length;
    return true;
  }

  /**
   * The record changed (log level, subscriptions, `initialized`): a shared store writes it.
   * Undefined when the session lives in this process's memory only, which is the fast path;
   * else the write, which the caller awaits before answering so that the next request, on
   * whichever process, sees the change.
   */
  changed(): Promise<void> | undefined {
    const saver = this.saver;
    if (saver === undefined) return undefined;
    const saving = saver(this);
    this.saving = saving;
    const settled = () => {
      if (this.saving === saving) this.saving = undefined;
    };
    saving.then(settled, settled);
    return saving;
  }

  /**
   * Sends a server-to-client request through `send` and resolves with the client's result.
   * The answer arrives later through {@link settle}.
   */
  request(
    send: (message: JsonRpcRequest | JsonRpcNotification) => void,
    method: string,
    params: Params | undefined,
    options: OutgoingRequestOptions = {},
  ): Promise<Record<string, unknown>> {
    if (this.closed) return Promise.reject(new McpLocalError(LocalErrorCode.ConnectionClosed, 'Session is closed'));
    const id = `${this.requestIdPrefix}${++this.#nextId}`;
    const pending = (this.#pending ??= new Map());
    return new Promise((resolve, reject) => {
      const entry: PendingRequest = { resolve, reject, timer: undefined, cleanup: undefined };
      const { signal, timeoutMs } = options;
      // Past what a timer holds (Infinity too) is never: setTimeout would fire it at once.
      if (timeoutMs !== undefined && timeoutMs > 0 && timerHolds(timeoutMs)) {
        entry.timer = setTimeout(() => {
          this.#finish(id)?.reject(new McpLocalError(LocalErrorCode.Timeout, `${method} timed out after ${timeoutMs} ms`));
          withdraw(send, id, 'timeout');
        }, timeoutMs);
      }
      if (signal) {
        if (signal.aborted) {
          reject(new McpLocalError(LocalErrorCode.Cancelled, `${method} was cancelled`));
          return;
        }
        const onAbort = () => {
          this.#finish(id)?.reject(new McpLocalError(LocalErrorCode.Cancelled, `${method} was cancelled`));
          withdraw(send, id, 'cancelled');
        };
        signal.addEventListener('abort', onAbort, { once: true });
        entry.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      pending.set(id, entry);
      const message: JsonRpcRequest = params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
      send(message);
    });
  }

  /** Whether a server-to-client request of this process is waiting for an answer. */
  get waiting(): boolean {
    return this.#pending !== undefined && this.#pending.size > 0;
  }

  /** Delivers the client's response to a server-to-client request. False if none was waiting. */
  settle(response: JsonRpcResponse): boolean {
    const id = (response as { id?: RequestId }).id;
    if (id === undefined) return false;
    const entry = this.#finish(id);
    if (!entry) return false;
    settleWith(entry, response);
    return true;
  }

  #finish(id: RequestId): PendingRequest | undefined {
    const entry = this.#pending?.get(id);
    if (!entry) return undefined;
    this.#pending!.delete(id);
    if (entry.timer) clearTimeout(entry.timer);
    entry.cleanup?.();
    return entry;
  }

  /**
   * Calls `listener` once when the session closes (at once if it has), after `onClose`: for
   * what a method handler made someone hold for the session (a gateway's upstream
   * subscriptions).
   *
   * @example
   * ctx.session?.whenClosed(() => upstream.unsubscribe(uri));
   */
  whenClosed(listener: () => void): void {
    if (this.closed) listener();
    else (this.#closeListeners ??= []).push(listener);
  }

  /** Ends the session: waiting server-to-client requests fail with MCP_ERR_CONNECTION_CLOSED. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.outlet = undefined;
    this.onClose?.();
    const listeners = this.#closeListeners;
    this.#closeListeners = undefined;
    for (const listener of listeners ?? []) listener();
    const pending = this.#pending;
    this.#pending = undefined;
    if (!pending) return;
    for (const entry of pending.values()) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.cleanup?.();
      entry.reject(new McpLocalError(LocalErrorCode.ConnectionClosed, 'Session closed'));
    }
  }
}

/**
 * Tells the client a question of the server's is no longer wanted (its request was cancelled,
 * or it timed out): otherwise the client's handler (a user asked to answer an elicitation) ran
 * on for nothing, for ever. The stream it went on may be gone already; then so is the question.
 */
function withdraw(send: (message: JsonRpcNotification) => void, requestId: RequestId, reason: string): void {
  try {
    send({ jsonrpc: '2.0', method: Notification.Cancelled, params: { requestId, reason } });
  } catch {
    // Nothing left to tell.
  }
}
