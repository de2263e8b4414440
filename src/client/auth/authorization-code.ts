/**
 * The interactive authorization code grant (OAuth 2.1 Section 4.1) as MCP profiles it: PKCE
 * S256, a `state`, the `resource` indicator (RFC 8707) in both requests, and the response's
 * `iss` checked against the issuer recorded before the redirect (RFC 9207 Section 2.4, with
 * the table of 2026-07-28 authorization, Authorization Response Validation). How the user
 * reaches the authorization URL and how the redirect comes back is the {@link Authorizer}'s.
 */
import type { ClientCredentials } from './client-authentication.ts';
import type { DpopProver } from './dpop.ts';
import type { EndpointClient } from './endpoint-request.ts';
import type { AuthorizationServerMetadata } from './metadata.ts';
import { OAuthError, quote } from './oauth-error.ts';
import { createPkce, createState } from './pkce.ts';
import { requestToken, type TokenResponse } from './token-endpoint.ts';

/**
 * The "open this URL" step: sends the user to the authorization server and hands back the URL
 * it redirected to. The CLI prints the URL and listens on a loopback port
 * (`LoopbackAuthorizer`); a desktop app opens a browser; tests follow the redirects.
 */
export interface Authorizer {
  /** The redirect URI to register and to send; may start a listener. */
  redirectUri(): string | Promise<string>;
  /** Sends the user to `url`; resolves with the URL the server redirected back to. */
  authorize(url: URL): Promise<URL>;
}

export interface AuthorizationCodeOptions extends EndpointClient {
  server: AuthorizationServerMetadata;
  client: ClientCredentials;
  authorizer: Authorizer;
  redirectUri: string;
  resource: string;
  scope: string | undefined;
  dpop?: DpopProver;
}

/**
 * PKCE must be supported, as the metadata says (2026-07-28 authorization, Authorization Code
 * Protection): a server whose metadata lacks S256 is refused.
 */
function checkPkceSupport(server: AuthorizationServerMetadata): void {
  if (!server.code_challenge_methods_supported?.includes('S256')) {
    throw new OAuthError(`The authorization server ${quote(server.issuer)} does not advertise PKCE S256 support; refusing to authorize`);
  }
}

/** Runs the grant and returns the tokens. */
export async function authorizeWithCode(options: AuthorizationCodeOptions): Promise<TokenResponse> {
  const { server, client } = options;
  if (server.authorization_endpoint === undefined) throw new OAuthError(`The authorization server ${quote(server.issuer)} has no authorization_endpoint`);
  checkPkceSupport(server);
  const pkce = createPkce();
  const state = createState();
  // Recorded before the redirect, from validated metadata, with the verifier and state.
  const expectedIssuer = server.issuer;
  const url = new URL(server.authorization_endpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', client.clientId);
  url.searchParams.set('redirect_uri', options.redirectUri);
  url.searchParams.set('code_challenge', pkce.challenge);
  url.searchParams.set('code_challenge_method', pkce.method);
  url.searchParams.set('state', state);
  if (options.scope !== undefined) url.searchParams.set('scope', options.scope);
  url.searchParams.set('resource', options.resource);
  const callback = await options.authorizer.authorize(url);
  const code = validateCallback(callback, { state, expectedIssuer, issRequired: server.authorization_response_iss_parameter_supported === true });
  return requestToken({
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    server,
    client,
    dpop: options.dpop,
    params: { grant_type: 'authorization_code', code, redirect_uri: options.redirectUri, code_verifier: pkce.verifier, resource: options.resource },
  });
}

/** Checks the redirect back and returns the code. */
export function validateCallback(callback: URL, expected: { state: string; expectedIssuer: string; issRequired: boolean }): string {
  const params = callback.searchParams;
  const iss = params.get('iss');
  // RFC 9207 Section 2.4: simple string comparison, no normalization of any kind.
  if (iss !== null && iss !== expected.expectedIssuer) {
    // On mismatch nothing of the response is acted on or shown, errors included.
    throw new OAuthError(`The authorization response came from issuer ${quote(iss)}, not ${quote(expected.expectedIssuer)}: rejected`);
  }
  if (iss === null && expected.issRequired) {
    throw new OAuthError('The authorization response has no iss, which its server advertises: rejected');
  }
  if (params.get('state') !== expected.state) throw new OAuthError('The authorization response does not carry the state of its request: rejected');
  const error = params.get('error');
  if (error !== null) {
    throw new OAuthError(`Authorization refused: ${quote(error)}${params.has('error_description') ? ` ${quote(params.get('error_description'))}` : ''}`, { error });
  }
  const code = params.get('code');
  if (code === null || code === '') throw new OAuthError('The authorization response has no code');
  return code;
}
