/**
 * The grants that need no user at the keyboard:
 * - client credentials (OAuth 2.1 Section 4.2; MCP extension
 *   io.modelcontextprotocol/oauth-client-credentials), authenticated with a secret or a
 *   signed JWT (RFC 7523 Section 2.2);
 * - the JWT bearer grant (RFC 7523 Section 2.1) with a workload identity token (workload
 *   identity federation, SEP-1933): one attempt, errors surfaced, no fallback to another grant;
 * - enterprise-managed authorization (ID-JAG, io.modelcontextprotocol/enterprise-managed-
 *   authorization): an RFC 8693 token exchange at the enterprise IdP turns the user's ID token
 *   into an ID-JAG, which the JWT bearer grant turns into an access token.
 */
import type { ClientCredentials } from './client-authentication.ts';
import type { DpopProver } from './dpop.ts';
import type { EndpointClient } from './endpoint-request.ts';
import type { AuthorizationServerMetadata } from './metadata.ts';
import { OAuthError, quote } from './oauth-error.ts';
import { requestToken, type TokenResponse } from './token-endpoint.ts';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ID_JAG_TYPE = 'urn:ietf:params:oauth:token-type:id-jag';
const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';

/** A value, or a function that produces it fresh for each use (a token that rotates). */
export type Supplier = string | (() => string | Promise<string>);

async function supply(value: Supplier): Promise<string> {
  return typeof value === 'string' ? value : await value();
}

interface GrantContext extends EndpointClient {
  server: AuthorizationServerMetadata;
  resource: string;
  scope: string | undefined;
  dpop?: DpopProver;
}

export function clientCredentialsGrant(context: GrantContext, client: ClientCredentials): Promise<TokenResponse> {
  return requestToken({ ...context, client, params: { grant_type: 'client_credentials', resource: context.resource, scope: context.scope } });
}

/** The enterprise IdP's side of enterprise-managed authorization. */
export interface IdentityProvider {
  /** The IdP's token endpoint. */
  tokenEndpoint: string;
  /** The MCP client's client_id at the IdP. */
  clientId: string;
  clientSecret?: string;
  /** The user's ID token from single sign-on. */
  idToken: Supplier;
}

/**
 * @example
 * await jwtBearerGrant(context, await supplyWorkloadToken(), { clientId: 'workload', tokenEndpointAuthMethod: 'none' });
 */
export async function jwtBearerGrant(context: GrantContext, assertion: string, client: ClientCredentials | undefined): Promise<TokenResponse> {
  return requestToken({ ...context, client, params: { grant_type: JWT_BEARER_GRANT, assertion, resource: context.resource, scope: context.scope } });
}

export async function workloadIdentityGrant(context: GrantContext, assertion: Supplier, client: ClientCredentials | undefined): Promise<TokenResponse> {
  return jwtBearerGrant(context, await supply(assertion), client);
}

/** Exchanges the user's ID token for an ID-JAG at the IdP, then the ID-JAG for an access token. */
export async function enterpriseGrant(context: GrantContext, idp: IdentityProvider, client: ClientCredentials): Promise<TokenResponse> {
  const idpServer: AuthorizationServerMetadata = { issuer: new URL(idp.tokenEndpoint).origin, token_endpoint: idp.tokenEndpoint, token_endpoint_auth_methods_supported: ['client_secret_post', 'none'] };
  const idpClient: ClientCredentials = { clientId: idp.clientId };
  if (idp.clientSecret !== undefined) idpClient.clientSecret = idp.clientSecret;
  const exchanged = await requestToken({
    fetch: context.fetch,
    timeoutMs: context.timeoutMs,
    server: idpServer,
    client: idpClient,
    params: {
      grant_type: TOKEN_EXCHANGE_GRANT,
      requested_token_type: ID_JAG_TYPE,
      audience: context.server.issuer,
      resource: context.resource,
      scope: context.scope,
      subject_token: await supply(idp.idToken),
      subject_token_type: ID_TOKEN_TYPE,
    },
  });
  if (exchanged.issuedTokenType !== undefined && exchanged.issuedTokenType !== ID_JAG_TYPE) {
    throw new OAuthError(`The identity provider issued ${quote(exchanged.issuedTokenType)}, not an ID-JAG`);
  }
  return jwtBearerGrant(context, exchanged.accessToken, client);
}
