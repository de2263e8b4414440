/**
 * What the client makes of an HTTP answer that is not an SSE stream (spec 2025-11-25 and
 * 2026-07-28, basic/transports: a POST is answered with one JSON-RPC message, an SSE stream,
 * or 202 Accepted). Every answer to a request settles that request: either with the JSON-RPC
 * message it carries or with a local error that says what came back instead, so no request
 * waits for its timeout because of an answer the client could not place.
 */
import { describeValue, isObject, quoteValue } from '../../protocol/guards.ts';
import { classify, malformedAnswer, MessageKind, type JsonRpcMessage, type RequestId } from '../../protocol/jsonrpc.ts';
import { LocalErrorCode, MalformedAnswerError, McpLocalError } from '../../protocol/local-errors.ts';
import { parseJson } from '../../protocol/long-strings.ts';

/** What was sent, as far as reading its answer goes. */
export interface SentMessage {
  /** The request's id; undefined for a notification or a response. */
  id: RequestId | undefined;
  method: string | undefined;
  /** The legacy session the message named, if any. */
  sessionId: string | undefined;
}

/** An answer read: a message to deliver, an error for the request, or both (or neither). */
export interface Answer {
  message?: JsonRpcMessage;
  error?: McpLocalError;
}

/** Bytes of a non-MCP body quoted in an error. */
const QUOTED = 200;

/**
 * Interprets a non-SSE answer. `text` is its body.
 *
 * - 404 to a message that named a session: the session is gone (MCP_ERR_SESSION_EXPIRED; the
 *   spec says to start a new one). The Python SDK 1.x answers it with `"id": "server-error"`.
 * - 429 and 503: the server refused the request before serving it (MCP_ERR_OVERLOADED), with
 *   the `Retry-After` it gave.
 * - 401 and 403 that the auth layer (if any) did not resolve: MCP_ERR_UNAUTHORIZED.
 * - A redirect (3xx): the fetch follows them, so this one was past what it follows (a loop, or
 *   no location to follow): MCP_ERR_PROTOCOL naming it.
 * - A JSON-RPC error: it answers the request that was posted, whatever id it carries (servers
 *   that cannot read the id answer with null or a placeholder such as `"server-error"`).
 * - A result with another request's id, a page that is not JSON-RPC (HTML, `{"status":"ok"}`),
 *   or no body: an error naming the status and content type.
 */
export function readAnswer(status: number, headers: Headers, text: string, sent: SentMessage): Answer {
  const body = parseBody(text);
  const kind = classify(body);
  if (status === 404 && sent.sessionId !== undefined) {
    return { error: new McpLocalError(LocalErrorCode.SessionExpired, `Session not found (HTTP 404): ${serverSays(body, text)}`) };
  }
  if (status === 429 || status === 503) {
    const retryAfter = headers.get('retry-after');
    const after = retryAfter === null ? '' : `; retry after ${describeValue(retryAfter)}`;
    return { error: new McpLocalError(LocalErrorCode.Overloaded, `Server refused ${sent.method ?? 'the message'} (HTTP ${status}): ${serverSays(body, text)}${after}`) };
  }
  if (status === 401 || status === 403) {
    return { error: new McpLocalError(LocalErrorCode.Unauthorized, `HTTP ${status}: ${serverSays(body, text)}`) };
  }
  if (status >= 300 && status < 400) {
    // The fetch follows redirects: one that reaches here is past what it follows (a loop).
    const location = headers.get('location');
    const to = location === null ? ' without a location' : ` to ${quoteValue(location.slice(0, QUOTED))}`;
    return { error: new McpLocalError(LocalErrorCode.ProtocolViolation, `The server answered ${sent.method ?? 'the message'} with a redirect that was not followed (HTTP ${status}${to}): at most 5 are followed in a row, each to a location`) };
  }
  if (kind === MessageKind.Error) {
    const message = body as { id?: RequestId | null };
    if (sent.id !== undefined) message.id = sent.id;
    return { message: message as JsonRpcMessage };
  }
  if (kind === MessageKind.Result) {
    if (sent.id === undefined || (body as { id: RequestId }).id === sent.id) return { message: body as JsonRpcMessage };
    return { error: new McpLocalError(LocalErrorCode.ProtocolViolation, `The answer to ${sent.method} carries the id of another request`) };
  }
  if (kind === MessageKind.Request || kind === MessageKind.Notification) {
    // A message from the server, but no answer to the request that was posted.
    return sent.id === undefined ? { message: body as JsonRpcMessage } : { message: body as JsonRpcMessage, error: noAnswer(status, headers, text, sent) };
  }
  if (sent.id === undefined && status >= 200 && status < 300) return {}; // a notification accepted with a body of no interest
  // The answer to the request posted (under its id, as an error above), but malformed: said so.
  const answer = isObject(body) && sent.id !== undefined ? malformedAnswer({ ...body, id: sent.id }) : undefined;
  if (answer !== undefined) return { error: new MalformedAnswerError(sent.method ?? 'the request', answer.what, answer.problem) };
  return { error: noAnswer(status, headers, text, sent) };
}

function noAnswer(status: number, headers: Headers, text: string, sent: SentMessage): McpLocalError {
  const type = headers.get('content-type');
  const got = `${type === null ? 'no content type' : describeValue(type)} (HTTP ${status})`;
  const quoted = text.length > 0 ? `: ${text.slice(0, QUOTED).trim()}` : '';
  return new McpLocalError(LocalErrorCode.ProtocolViolation, `Expected a JSON-RPC message or an SSE stream in answer to ${sent.method ?? 'the message'}, got ${got}${quoted}${olderTransport(status, sent)}`);
}

/**
 * A handshake POST refused as a method or path the server does not have: what a server on the
 * HTTP+SSE transport of 2024-11-05 answers at its stream URL (its POSTs go elsewhere). Said,
 * so that its user need not guess which transport to pick.
 */
function olderTransport(status: number, sent: SentMessage): string {
  if ((status !== 404 && status !== 405) || (sent.method !== 'initialize' && sent.method !== 'server/discover')) return '';
  return '. A server on the HTTP+SSE transport of 2024-11-05 is reached with SseClientTransport (a gateway upstream: type sse)';
}

/** The server's own words: the JSON-RPC error message when there is one, else the body. */
export function serverSays(body: unknown, text: string): string {
  const error = isObject(body) ? body.error : undefined;
  if (isObject(error) && typeof error.message === 'string') return describeValue(error.message);
  return text.length > 0 ? text.slice(0, QUOTED).trim() : 'no body';
}

export function parseBody(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return parseJson(text);
  } catch {
    return undefined;
  }
}
