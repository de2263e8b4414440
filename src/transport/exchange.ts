/**
 * What a transport gives the server for each request it hands over: the way back to the
 * client for messages that belong to that request, its cancellation signal, and who sent it.
 */
import { Cancellation } from '../protocol/cancellation.ts';
import type { JsonRpcNotification, JsonRpcRequest } from '../protocol/jsonrpc.ts';
import type { Principal, Refusal } from '../security/edge.ts';
import type { LegacySession } from '../store/legacy-session.ts';

/** The verified identity behind a request; see {@link Principal}. Kept as an alias. */
export type AuthInfo = Principal;

export interface Exchange {
  /**
   * The legacy session the request belongs to; undefined for a modern (stateless) request.
   * This is how the server tells the eras apart.
   */
  readonly session: LegacySession | undefined;
  readonly auth: Principal | undefined;
  /**
   * Whose quota the request counts against (security/client-key.ts): the principal's subject,
   * or the peer address where the transport knows it. Absent where it does not (stdio,
   * in-memory): there the principal alone, if any, tells callers apart.
   */
  readonly client?: string;
  /** Aborted when the client cancels the request or goes away. */
  readonly signal: AbortSignal;
  /** Whether the request was cancelled; cheaper than creating `signal` just to ask. */
  readonly cancelled: boolean;
  /**
   * The request's cancellation, for listeners that need no AbortSignal (cheaper); exchanges
   * without one are followed through `signal` until the request is answered (so a signal shared
   * by many requests, one per connection, gathers no listeners).
   */
  readonly cancellation?: Cancellation;
  /**
   * Sends a message that belongs to this request: a notification (progress, log) or, in the
   * legacy era, a server-to-client request. Dropped once the request is cancelled.
   */
  send(message: JsonRpcNotification | JsonRpcRequest): void;
  /**
   * Whether the client is not keeping up: what was sent to it waits unwritten past the
   * transport's high-water mark (HTTP: this request's response stream; stdio and WebSocket:
   * the connection). Messages are still queued, never dropped, so a sender that can do with
   * less (progress, where only the latest matters) holds back until {@link onCaughtUp}.
   * Absent where the transport cannot tell.
   */
  readonly backedUp?: boolean;
  /**
   * Calls `listener` once, when the client has read what was waiting (after {@link backedUp}
   * was true); never, if the request's stream ends first.
   */
  onCaughtUp?(listener: () => void): void;
  /**
   * Streamable HTTP, legacy sessions: closes the request's SSE connection while the stream
   * goes on, for the client to resume (SEP-1699). Absent or false where that does not apply.
   */
  closeStream?(): boolean;
  /**
   * Marks the request's answer as a refusal (a missing scope, a rate limit, a full queue), so
   * a transport with statuses sends it with the refusal's status and headers (HTTP: 403 with
   * `WWW-Authenticate`, 429 or 503 with `Retry-After`), in either era. The JSON-RPC error is
   * still the response the dispatch returns. Absent where there are no statuses (stdio).
   */
  refuse?(refusal: Refusal): void;
}

/**
 * What every exchange shares: who and which session, and cancellation (a signal created only
 * when someone asks for it, and a cancel that happens once).
 */
export abstract class BaseExchange implements Exchange {
  readonly session: LegacySession | undefined;
  readonly auth: Principal | undefined;
  readonly client: string | undefined;
  readonly cancellation: Cancellation;

  constructor(session: LegacySession | undefined, auth: Principal | undefined, client?: string) {
    this.session = session;
    this.auth = auth;
    this.client = client;
    this.cancellation = new Cancellation();
  }

  get cancelled(): boolean {
    return this.cancellation.cancelled;
  }

  get signal(): AbortSignal {
    return this.cancellation.signal;
  }

  cancel(reason: unknown): void {
    this.cancellation.cancel(reason);
  }

  abstract send(message: JsonRpcNotification | JsonRpcRequest): void;
}
