/**
 * The one thing the Streamable HTTP core writes to: a response that is either sent whole or
 * opened as a stream. The node:http adapter implements it over ServerResponse directly; the
 * fetch adapter builds a web Response.
 */

export type OutgoingHeaders = Record<string, string>;

export interface ResponseSink {
  /** Sends a complete response with a body; on a response already opened, ends it instead. */
  send(status: number, headers: OutgoingHeaders, body: string): void;
  /** Opens a streaming response (status 200). */
  open(headers: OutgoingHeaders): void;
  /** Writes to an open stream; false when the client is not keeping up. */
  write(chunk: string): boolean;
  /** Ends an open stream. */
  end(): void;
  /** Called once if the client goes away before the response ends. */
  onAbort(listener: () => void): void;
  /** Whether the response has ended or the client is gone. */
  readonly done: boolean;
}

export const JSON_HEADERS: OutgoingHeaders = Object.freeze({ 'content-type': 'application/json' }) as OutgoingHeaders;

export const SSE_HEADERS: OutgoingHeaders = Object.freeze({
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  // Tells reverse proxies such as nginx not to buffer the stream (spec: Streamable HTTP).
  'x-accel-buffering': 'no',
}) as OutgoingHeaders;
