/**
 * The metadata documents the OAuth client reads, checked field by field: a server's JSON is
 * hostile until each value has the type the RFC gives it. Protected Resource Metadata is
 * RFC 9728 Section 2; Authorization Server Metadata is RFC 8414 Section 2 (OpenID Connect
 * Discovery 1.0 Section 3 uses the same names for the fields MCP needs).
 */

export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  /** RFC 9449 Section 5.1 / RFC 9728: the resource accepts DPoP proofs with these algorithms. */
  dpop_signing_alg_values_supported?: string[];
  dpop_bound_access_tokens_required?: boolean;
}

export interface AuthorizationServerMetadata {
  issuer: string;
  authorization_endpoint?: string;
  token_endpoint: string;
  registration_endpoint?: string;
  scopes_supported?: string[];
  grant_types_supported?: string[];
  code_challenge_methods_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
  token_endpoint_auth_signing_alg_values_supported?: string[];
  client_id_metadata_document_supported?: boolean;
  authorization_response_iss_parameter_supported?: boolean;
  dpop_signing_alg_values_supported?: string[];
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
}

function optional<T>(target: Record<string, unknown>, name: string, value: T | undefined): void {
  if (value !== undefined) target[name] = value;
}

/** Returns the metadata, or a sentence saying what is wrong with it. */
export function parseProtectedResourceMetadata(value: unknown): ProtectedResourceMetadata | string {
  if (!isObject(value)) return 'protected resource metadata is not a JSON object';
  if (typeof value.resource !== 'string') return 'protected resource metadata has no "resource"';
  const servers = strings(value.authorization_servers);
  if (servers === undefined || servers.length === 0) return 'protected resource metadata lists no "authorization_servers"';
  const metadata: ProtectedResourceMetadata = { resource: value.resource, authorization_servers: servers };
  optional(metadata as unknown as Record<string, unknown>, 'scopes_supported', strings(value.scopes_supported));
  optional(metadata as unknown as Record<string, unknown>, 'dpop_signing_alg_values_supported', strings(value.dpop_signing_alg_values_supported));
  if (typeof value.dpop_bound_access_tokens_required === 'boolean') metadata.dpop_bound_access_tokens_required = value.dpop_bound_access_tokens_required;
  return metadata;
}

const URL_FIELDS = ['authorization_endpoint', 'registration_endpoint'] as const;
const LIST_FIELDS = [
  'scopes_supported',
  'grant_types_supported',
  'code_challenge_methods_supported',
  'token_endpoint_auth_methods_supported',
  'token_endpoint_auth_signing_alg_values_supported',
  'dpop_signing_alg_values_supported',
] as const;
const FLAG_FIELDS = ['client_id_metadata_document_supported', 'authorization_response_iss_parameter_supported'] as const;

/** Returns the metadata, or a sentence saying what is wrong with it. */
export function parseAuthorizationServerMetadata(value: unknown): AuthorizationServerMetadata | string {
  if (!isObject(value)) return 'authorization server metadata is not a JSON object';
  if (typeof value.issuer !== 'string') return 'authorization server metadata has no "issuer"';
  if (typeof value.token_endpoint !== 'string') return 'authorization server metadata has no "token_endpoint"';
  const metadata: Record<string, unknown> = { issuer: value.issuer, token_endpoint: value.token_endpoint };
  for (const name of URL_FIELDS) if (typeof value[name] === 'string') metadata[name] = value[name];
  for (const name of LIST_FIELDS) optional(metadata, name, strings(value[name]));
  for (const name of FLAG_FIELDS) if (typeof value[name] === 'boolean') metadata[name] = value[name];
  return metadata as unknown as AuthorizationServerMetadata;
}

/**
 * Authorization server endpoints must be HTTPS (2026-07-28 authorization, Communication
 * Security); plain HTTP is allowed on loopback only, for local development and tests.
 */
export function isSecureEndpoint(url: URL): boolean {
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]');
}
