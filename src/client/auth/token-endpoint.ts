/**
 * One request to a token endpoint (OAuth 2.1 Section 3.2): a form POST with the client's
 * authentication, a DPoP proof when the client binds its tokens (RFC 9449 Section 5), one
 * retry when the server asks for a DPoP nonce (Section 8), and the answer checked field by
 * field. Error messages carry the server's `error` and `error_description`, never the response
 * body, so no token can leak into them.
 */
import { authenticateClient, chooseAuthMethod, type ClientCredentials } from './client-authentication.ts';
import type { DpopProver } from './dpop.ts';
import { requestEndpoint, type EndpointClient } from './endpoint-request.ts';
import { isObject, type AuthorizationServerMetadata } from './metadata.ts';
import { OAuthError, quote } from './oauth-error.ts';

export interface TokenResponse {
  accessToken: string;
  tokenType: 'Bearer' | 'DPoP';
  refreshToken?: string;
  expiresAt?: number;
  scope?: string;
  /** RFC 8693 token exchange: the type of token issued. */
  issuedTokenType?: string;
}

export interface TokenRequest extends EndpointClient {
  server: AuthorizationServerMetadata;
  /** The grant's parameters (`grant_type`, `code`, `refresh_token`, `resource`, `scope`, ...). */
  params: Record<string, string | undefined>;
  /** The client's identity; absent for requests that carry none. */
  client?: ClientCredentials;
  dpop?: DpopProver;
  /** The endpoint, when not the server's token endpoint (an IdP's, for token exchange). */
  endpoint?: string;
}

/**
 * @example
 * const tokens = await requestToken({ fetch, server, client, params: { grant_type: 'client_credentials', resource } });
 */
export async function requestToken(request: TokenRequest): Promise<TokenResponse> {
  const endpoint = new URL(request.endpoint ?? request.server.token_endpoint);
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(request.params)) if (value !== undefined) body.set(name, value);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (request.client !== undefined) {
    await authenticateClient(chooseAuthMethod(request.client, request.server), request.client, request.server, headers, body);
  }
  const what = `Token request (${quote(request.params.grant_type)})`;
  for (let attempt = 0; ; attempt++) {
    if (request.dpop !== undefined) headers.dpop = await request.dpop.proof('POST', endpoint);
    const { response, body: answer } = await requestEndpoint(request, endpoint, { method: 'POST', headers, body: body.toString() }, what);
    if (response.ok) return parseTokenResponse(answer);
    const error = isObject(answer) && typeof answer.error === 'string' ? answer.error : undefined;
    if (error === 'use_dpop_nonce' && request.dpop !== undefined && attempt === 0 && request.dpop.learnNonce(endpoint, response)) continue;
    const description = isObject(answer) ? answer.error_description : undefined;
    throw new OAuthError(
      `${what} refused with HTTP ${response.status}: ${error === undefined ? 'no OAuth error' : quote(error)}${typeof description === 'string' ? ` ${quote(description)}` : ''}`,
      { error, status: response.status },
    );
  }
}

/**
 * The longest access token kept: what a request header can carry (mcp-core's resource server
 * refuses a longer credential, and Node's refuses headers past 16 KiB in all).
 */
export const MAX_ACCESS_TOKEN_LENGTH = 16 * 1024;

/** RFC 6749 Appendix A.12: `access-token = 1*VSCHAR`. */
const VSCHARS = /^[\x20-\x7e]+$/;

function parseTokenResponse(answer: unknown): TokenResponse {
  if (!isObject(answer) || typeof answer.access_token !== 'string' || answer.access_token === '') {
    throw new OAuthError('The token endpoint answered without an access_token');
  }
  // Kept, a token no request can carry would fail every request (a header fetch refuses, or an
  // answer 431 that is no 401) until it expires, if ever; nothing of it goes into the message.
  if (answer.access_token.length > MAX_ACCESS_TOKEN_LENGTH) {
    throw new OAuthError(`The token endpoint issued an access_token of ${answer.access_token.length} characters, past the ${MAX_ACCESS_TOKEN_LENGTH} a request can carry`);
  }
  if (!VSCHARS.test(answer.access_token)) throw new OAuthError('The token endpoint issued an access_token with characters a request header cannot carry (RFC 6749: visible ASCII and space only)');
  const type = typeof answer.token_type === 'string' ? answer.token_type.toLowerCase() : '';
  const tokens: TokenResponse = { accessToken: answer.access_token, tokenType: type === 'dpop' ? 'DPoP' : 'Bearer' };
  if (type !== 'bearer' && type !== 'dpop' && type !== 'n_a') throw new OAuthError(`The token endpoint issued an unsupported token_type ${quote(answer.token_type)}`);
  if (typeof answer.refresh_token === 'string' && answer.refresh_token !== '') tokens.refreshToken = answer.refresh_token;
  // Past what a number holds (1e306 s) it is no expiry, not Infinity, which JSON writes as null.
  const expiresAt = typeof answer.expires_in === 'number' && answer.expires_in >= 0 ? Date.now() + answer.expires_in * 1000 : NaN;
  if (Number.isFinite(expiresAt)) tokens.expiresAt = expiresAt;
  if (typeof answer.scope === 'string') tokens.scope = answer.scope;
  if (typeof answer.issued_token_type === 'string') tokens.issuedTokenType = answer.issued_token_type;
  return tokens;
}
