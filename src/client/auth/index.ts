/**
 * The MCP client's OAuth 2.1 client: plug an {@link OAuthClientAuth} (or a
 * {@link BearerTokenAuth}) into `StreamableHttpClientTransport`'s `auth` option.
 */
export { OAuthClientAuth, type OAuthClientAuthOptions, type Grant } from './oauth-client-auth.ts';
export { BearerTokenAuth } from './bearer-token-auth.ts';
export { LoopbackAuthorizer, type LoopbackAuthorizerOptions } from './loopback-authorizer.ts';
export type { Authorizer } from './authorization-code.ts';
export type { ClientCredentials, TokenEndpointAuthMethod } from './client-authentication.ts';
export type { ClientMetadata } from './registration.ts';
export type { IdentityProvider, Supplier } from './assertion-grants.ts';
export { MemoryTokenStore, type TokenStore, type StoredTokens, type StoredClient } from './token-store.ts';
export { FileTokenStore } from './file-token-store.ts';
export { OAuthError } from './oauth-error.ts';
export { parseWwwAuthenticate, type Challenge } from './www-authenticate.ts';
export { createClientAuth, defaultTokenStorePath, type ClientAuthSettings, type AuthEnvironment } from './from-settings.ts';
