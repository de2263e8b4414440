/**
 * Getting a client identity at an authorization server, in the priority order of
 * 2026-07-28 authorization/client-registration: pre-registered credentials, then a Client ID
 * Metadata Document URL when the server supports them, then Dynamic Client Registration
 * (RFC 7591) as the deprecated fallback. Registrations are kept per issuer.
 */
import type { ClientCredentials } from './client-authentication.ts';
import { requestEndpoint, type EndpointClient } from './endpoint-request.ts';
import { isObject, type AuthorizationServerMetadata } from './metadata.ts';
import { OAuthError, quote } from './oauth-error.ts';
import type { TokenStore } from './token-store.ts';

/** What the client says of itself when it registers (RFC 7591 Section 2). */
export interface ClientMetadata {
  client_name: string;
  /** `native` for CLIs and desktop apps (loopback redirects), `web` for hosted apps. Default native. */
  application_type?: 'native' | 'web';
  client_uri?: string;
  logo_uri?: string;
  [field: string]: unknown;
}

export interface RegistrationOptions extends EndpointClient {
  server: AuthorizationServerMetadata;
  store: TokenStore;
  metadata: ClientMetadata;
  /** Grants the client will use, e.g. `['authorization_code', 'refresh_token']`. */
  grantTypes: string[];
  redirectUris: string[];
  /** Pre-registered credentials, used first. */
  preRegistered?: ClientCredentials;
  /** An HTTPS URL serving this client's metadata document, used as its client_id (CIMD). */
  clientMetadataUrl?: string;
}

/** The client's credentials at `server`, registering if it must. */
export async function obtainClient(options: RegistrationOptions): Promise<ClientCredentials> {
  if (options.preRegistered !== undefined) return options.preRegistered;
  const { server, store } = options;
  const stored = await store.getClient(server.issuer);
  // A registration is reused only for redirect URIs it registered (a new loopback port needs a
  // new one), and only if this client can authenticate with it (one kept before that was checked).
  if (stored !== undefined && unusable(stored) === undefined && options.redirectUris.every((uri) => stored.redirectUris?.includes(uri) ?? options.redirectUris.length === 0)) return stored;
  if (options.clientMetadataUrl !== undefined && server.client_id_metadata_document_supported === true) {
    // The document's URL is the client_id; it is portable across servers, nothing to store.
    return { clientId: options.clientMetadataUrl, tokenEndpointAuthMethod: 'none' };
  }
  if (server.registration_endpoint === undefined) {
    throw new OAuthError(`The authorization server ${quote(server.issuer)} offers no way to register: configure a pre-registered client_id`);
  }
  const client = await register(options, server.registration_endpoint);
  await store.setClient(server.issuer, client);
  return client;
}

/** Token endpoint authentication methods a dynamically registered client can use: it has no key. */
const REGISTRABLE_METHODS: ReadonlySet<string> = new Set(['none', 'client_secret_basic', 'client_secret_post']);

/**
 * Why this client could not authenticate with a registration (undefined: it can). A server that
 * registered a method the client has no means for (`tls_client_auth`, `private_key_jwt`, ``), or a
 * secret method without a secret, gave a registration that fails every token request.
 */
function unusable(client: ClientCredentials): string | undefined {
  const method = client.tokenEndpointAuthMethod;
  // None named: chosen from what the client holds (client-authentication.ts).
  if (method === undefined) return undefined;
  if (!REGISTRABLE_METHODS.has(method)) return `token_endpoint_auth_method ${quote(method)}, which this client cannot use`;
  if (method !== 'none' && client.clientSecret === undefined) return `token_endpoint_auth_method ${quote(method)} without a client_secret`;
  return undefined;
}

/** A public client when the server allows it; otherwise one with a secret. */
function requestedAuthMethod(server: AuthorizationServerMetadata): string {
  const supported = server.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  for (const method of ['none', 'client_secret_basic', 'client_secret_post']) if (supported.includes(method)) return method;
  return 'client_secret_basic';
}

async function register(options: RegistrationOptions, endpoint: string): Promise<ClientCredentials> {
  const body = {
    application_type: 'native',
    ...options.metadata,
    redirect_uris: options.redirectUris,
    grant_types: options.grantTypes,
    response_types: options.grantTypes.includes('authorization_code') ? ['code'] : [],
    token_endpoint_auth_method: requestedAuthMethod(options.server),
  };
  const { response, body: answer } = await requestEndpoint(
    options,
    new URL(endpoint),
    { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) },
    'Client registration',
  );
  if (!response.ok) {
    const error = isObject(answer) && typeof answer.error === 'string' ? answer.error : undefined;
    const description = isObject(answer) ? answer.error_description : undefined;
    throw new OAuthError(`Client registration refused with HTTP ${response.status}: ${quote(error)}${typeof description === 'string' ? ` ${quote(description)}` : ''}`, { error, status: response.status });
  }
  if (!isObject(answer) || typeof answer.client_id !== 'string' || answer.client_id === '') throw new OAuthError('Client registration answered without a client_id');
  const client: ClientCredentials & { redirectUris: string[] } = { clientId: answer.client_id, redirectUris: options.redirectUris };
  if (typeof answer.client_secret === 'string' && answer.client_secret !== '') client.clientSecret = answer.client_secret;
  // RFC 7591 Section 3.2.1: the server echoes the registered metadata; else what was asked holds.
  client.tokenEndpointAuthMethod = typeof answer.token_endpoint_auth_method === 'string' ? answer.token_endpoint_auth_method : body.token_endpoint_auth_method;
  // Not kept: kept, it would fail every token request until the store is deleted by hand.
  const problem = unusable(client);
  if (problem !== undefined) throw new OAuthError(`Client registration answered with ${problem}: not kept`);
  return client;
}
