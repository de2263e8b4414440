/**
 * The edge hook: the one place a transport asks "who is this, and may they come in?" before it
 * reads a request's body. One hook per transport family, called the same way for every HTTP
 * method (POST, GET, DELETE) on both HTTP faces (node:http and fetch). Authentication (OAuth
 * 2.1 resource server, API keys), per-address quotas and rate limits are edge hooks.
 *
 * It sees the request head only, so a refusal costs no body buffering. It answers with a
 * {@link Principal} (the caller), `undefined` (anonymous), or a {@link Refusal} (status,
 * headers such as `WWW-Authenticate` or `Retry-After`, and a JSON-RPC error), which both HTTP
 * faces write identically. It may return a promise when it must wait (a JWKS fetch); a
 * synchronous hook keeps the request on the synchronous path.
 */
import { ErrorCode, type WireError } from '../protocol/wire-errors.ts';

/** The verified identity behind a request, produced by an edge hook; handlers see it as `ctx.auth`. */
export interface Principal {
  /**
   * Subject of the credential (user or client). Legacy sessions, tasks and MRTR state are bound
   * to it: another subject cannot use them.
   */
  subject: string;
  clientId?: string;
  scopes: readonly string[];
  /** Seconds since the epoch. */
  expiresAt?: number;
  /** The credential itself, for handlers that must present it; never forwarded by mcp-core. */
  token?: string;
  extra?: Record<string, unknown>;
}

/** Header values as node:http gives them: lower-case names. */
export type HeadHeaders = Record<string, string | string[] | undefined>;

/** What an edge hook sees of a request: everything but the body. */
export interface RequestHead {
  /** `POST`, `GET` or `DELETE`. */
  readonly method: string;
  /** The path, without the query string. */
  readonly path: string;
  /** Lower-case header names. */
  readonly headers: HeadHeaders;
  /**
   * The client's IP address, so quotas can key on it without authentication: the peer's
   * (node:http: the socket's; fetch face: as the runtime gave it), or, when the peer is a
   * trusted proxy (`trustProxy`), the one its `X-Forwarded-For` names. Undefined when the
   * runtime does not tell.
   */
  readonly remoteAddress: string | undefined;
}

const brand = Symbol.for('mcp-core.Refusal');

/**
 * A request refused at the edge: written as `status`, `headers` and a JSON-RPC error response
 * without id.
 *
 * @example
 * const edge = (head) => head.headers.authorization === `Bearer ${KEY}`
 *   ? { subject: 'ops', scopes: [] }
 *   : new Refusal(401, { code: -32000, message: 'Unauthorized' }, { 'www-authenticate': 'Bearer' });
 */
export class Refusal {
  readonly status: number;
  readonly error: WireError;
  /** Extra response headers, lower-case names: `www-authenticate`, `retry-after`, `allow`... */
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(status: number, error: WireError, headers?: Record<string, string>) {
    this.status = status;
    this.error = error;
    this.headers = headers;
    (this as unknown as Record<symbol, boolean>)[brand] = true;
  }

  /** Recognizes refusals made by another copy of this module too. */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

/**
 * A refusal to ask again after `retryAfterMs`: `Retry-After` in whole seconds (rounded up, at
 * least one), and the delay itself in the error's `data` beside `reason`, for clients that see
 * no headers (stdio). `message` is given the seconds.
 *
 * @example
 * retryLater(429, 'rate_limited', 1500, (s) => `Too Many Requests: retry in ${s} s`); // Retry-After: 2
 */
export function retryLater(status: number, reason: string, retryAfterMs: number, message: (seconds: number) => string): Refusal {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new Refusal(status, { code: ErrorCode.BadRequest, message: message(seconds), data: { reason, retryAfterMs } }, { 'retry-after': String(seconds) });
}

/** What an edge hook decides: a caller, an anonymous caller (`undefined`), or a refusal. */
export type EdgeDecision = Principal | Refusal | undefined;

/**
 * `(request head) -> principal | refusal`, sync or async.
 *
 * @example
 * createNodeHandler(server, {
 *   edge: ({ headers }) => headers['x-api-key'] === process.env.API_KEY
 *     ? { subject: 'ci', scopes: ['tools'] }
 *     : new Refusal(401, { code: -32000, message: 'Unauthorized' }),
 * });
 */
export type EdgeHook = (head: RequestHead) => EdgeDecision | Promise<EdgeDecision>;
