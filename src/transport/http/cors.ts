/**
 * CORS for browser clients, for origins the origin check allows and no others: the answer to
 * an `OPTIONS` preflight, and the headers every response to such an origin carries so the page
 * can read it (Fetch standard, CORS protocol). Preflights carry no credentials, so they are
 * answered before the edge hook runs.
 */
import type { Headers } from './modern-headers.ts';
import { header } from './modern-headers.ts';
import type { HttpIo, OutgoingHeaders } from './sink.ts';

/** The methods the endpoint serves. */
export const ALLOWED_METHODS = 'GET, POST, DELETE';

/**
 * Response headers a page may read besides the CORS-safelisted ones: the session, the
 * negotiated revision, authentication challenges and back-off hints.
 */
const EXPOSED = 'Mcp-Session-Id, MCP-Protocol-Version, WWW-Authenticate, Retry-After, Allow';

/** Request headers a page may send besides the CORS-safelisted ones; `Mcp-Param-*` too. */
const ALLOWED_HEADERS = new Set([
  'accept',
  'authorization',
  'content-type',
  'last-event-id',
  'mcp-method',
  'mcp-name',
  'mcp-protocol-version',
  'mcp-session-id',
  // W3C trace context, which clients put on requests when they trace.
  'traceparent',
  'tracestate',
]);

/** How long a browser may cache a preflight answer, in seconds. */
const MAX_AGE = '7200';

function allowedHeader(name: string): boolean {
  return ALLOWED_HEADERS.has(name) || name.startsWith('mcp-param-');
}

/** Headers for every response to an allowed origin. */
export function corsHeaders(origin: string): OutgoingHeaders {
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSED, vary: 'Origin' };
}

/**
 * The answer to a preflight from an allowed origin. Of the headers the page asks to send
 * (`Access-Control-Request-Headers`), only those MCP uses are allowed; the browser refuses
 * the request if it needs another.
 */
export function preflightHeaders(origin: string, requested: string | undefined): OutgoingHeaders {
  const allowed: string[] = [];
  if (requested !== undefined) {
    for (const part of requested.split(',')) {
      const name = part.trim().toLowerCase();
      if (name !== '' && allowedHeader(name)) allowed.push(name);
    }
  }
  const headers: OutgoingHeaders = {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': ALLOWED_METHODS,
    'access-control-max-age': MAX_AGE,
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
  };
  if (allowed.length > 0) headers['access-control-allow-headers'] = allowed.join(', ');
  return headers;
}

/**
 * Answers `OPTIONS`: a CORS preflight from an allowed origin (the origin check ran first), or,
 * without Origin, the methods the endpoint serves.
 */
export function answerOptions(origin: string | undefined, headers: Headers, io: HttpIo): void {
  io.discardBody();
  io.extraHeaders = undefined;
  if (origin === undefined) io.send(204, { allow: `${ALLOWED_METHODS}, OPTIONS` }, '');
  else io.send(204, preflightHeaders(origin, header(headers, 'access-control-request-headers')), '');
}
