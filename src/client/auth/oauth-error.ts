/**
 * The one error the OAuth client throws. It carries the authorization server's `error` code
 * when there is one (RFC 6749 Section 5.2), and never a token, a secret or a response body:
 * its message is built only from values the client checked to be short strings.
 */
import { LocalErrorCode, McpLocalError, type LocalErrorCodeValue } from '../../protocol/local-errors.ts';

const brand = Symbol.for('mcp-core.OAuthError');

/**
 * @example
 * try { await client.connect(transport); }
 * catch (e) { if (e instanceof OAuthError && e.error === 'invalid_grant') await store.deleteTokens(url); }
 */
export class OAuthError extends McpLocalError {
  /** The OAuth error code from the server (`invalid_grant`, `insufficient_scope`, ...), if any. */
  readonly error: string | undefined;
  /** The HTTP status of the authorization server's answer that failed, if one came. */
  readonly status: number | undefined;

  /**
   * `code`: MCP_ERR_UNAUTHORIZED, unless no answer came from the authorization side: then
   * MCP_ERR_TIMEOUT, MCP_ERR_UNREACHABLE or MCP_ERR_CONNECTION_CLOSED, as for any request, so
   * that retry policies treat it as they would the request it held up.
   */
  constructor(message: string, options: { error?: string; status?: number; code?: LocalErrorCodeValue; cause?: unknown } = {}) {
    super(options.code ?? LocalErrorCode.Unauthorized, message, { cause: options.cause });
    this.name = 'OAuthError';
    this.error = options.error;
    this.status = options.status;
    (this as unknown as Record<symbol, boolean>)[brand] = true;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

/**
 * What the OAuth client threw, as an OAuthError: a store, an authorizer, a key, a DPoP proof
 * that failed fail the request as authorization failures, not as a request that may have
 * reached the server.
 */
export function asOAuthError(error: unknown): OAuthError {
  if (error instanceof OAuthError) return error;
  return new OAuthError(`Authorization failed: ${error instanceof Error ? quote(error.message) : 'unknown error'}`, { cause: error });
}

/** A server-sent string made safe for an error message: printable, one line, bounded. */
export function quote(value: unknown, max = 200): string {
  if (typeof value !== 'string') return '(none)';
  const clean = value.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(clean.length > max ? `${clean.slice(0, max)}...` : clean);
}
