/**
 * What the Streamable HTTP core reads from and writes to: a response that is either sent whole
 * or opened as a stream, and the request's body. The node:http face implements it over
 * IncomingMessage and ServerResponse directly; the fetch face over a web Request and Response.
 */
import type { InflightTicket } from './inflight.ts';

export type OutgoingHeaders = Record<string, string>;

export interface ResponseSink {
  /** Sends a complete response with a body; on a response already opened, ends it instead. */
  send(status: number, headers: OutgoingHeaders, body: string): void;
  /** Opens a streaming response (status 200). */
  open(headers: OutgoingHeaders): void;
  /** Writes to an open stream; false when the client is not keeping up. */
  write(chunk: string): boolean;
  /** Whether what was written waits unread past the high-water mark (a `write` returned false). */
  readonly backedUp: boolean;
  /** Calls `listener` once the client has read what was waiting; never, if the response ends first. */
  onCaughtUp(listener: () => void): void;
  /** Ends an open stream. */
  end(): void;
  /** Called once if the client goes away before the response ends. */
  onAbort(listener: () => void): void;
  /** Whether the response has ended or the client is gone. */
  readonly done: boolean;
  /** Headers every response of this request carries besides its own (CORS). */
  extraHeaders: OutgoingHeaders | undefined;
  /**
   * Hands over the in-flight share this response holds (see {@link HttpIo.hold}), for the
   * caller to release; undefined when it holds none.
   */
  takeTicket?(): InflightTicket | undefined;
}

/** Why a face stopped reading a body: past `limit`, or past the in-flight byte bounds. */
export const BodyRefused = { TooLarge: 1, OverBounds: 2 } as const;
export type BodyRefused = (typeof BodyRefused)[keyof typeof BodyRefused];

/** One request as a face hands it to the core: the way to its body, and its response. */
export interface HttpIo extends ResponseSink {
  /**
   * Reads the whole body, at most `limit` bytes, holding what it buffers against `ticket`.
   * `done` gets the text, or why reading stopped.
   */
  readBody(limit: number, ticket: InflightTicket, done: (body: string | BodyRefused) => void): void;
  /** The request is refused: its body, if any, goes by unread. */
  discardBody(): void;
  /**
   * Keeps `ticket` until the response ends (`send` or `end`), then releases it; if the client
   * goes away first, the limits' sweep releases it once `done` turns true (a GET's is released
   * at once, by the core's {@link onAbort} listener).
   */
  hold(ticket: InflightTicket): void;
}

export const JSON_HEADERS: OutgoingHeaders = Object.freeze({ 'content-type': 'application/json' }) as OutgoingHeaders;

export const SSE_HEADERS: OutgoingHeaders = Object.freeze({
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  // Tells reverse proxies such as nginx not to buffer the stream (spec: Streamable HTTP).
  'x-accel-buffering': 'no',
}) as OutgoingHeaders;
