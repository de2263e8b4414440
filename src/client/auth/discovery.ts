/**
 * Discovery: from an MCP server's URL (and its 401 challenge) to the protected resource
 * metadata (RFC 9728), and from an issuer to its authorization server metadata (RFC 8414,
 * OpenID Connect Discovery), in the orders 2026-07-28 basic/authorization/
 * authorization-server-discovery prescribes. Servers of the 2025-03-26 revision publish no
 * protected resource metadata: their origin is the authorization server, and when it has no
 * metadata either, its endpoints sit at `/authorize`, `/token` and `/register`.
 */
import {
  isSecureEndpoint,
  parseAuthorizationServerMetadata,
  parseProtectedResourceMetadata,
  type AuthorizationServerMetadata,
  type ProtectedResourceMetadata,
} from './metadata.ts';
import { endpointName, requestEndpoint, type EndpointClient } from './endpoint-request.ts';
import { OAuthError, quote } from './oauth-error.ts';

/**
 * The well-known URLs of a resource's metadata, in priority order: path-aware first, then the
 * root (RFC 9728 Section 3.1).
 *
 * @example
 * protectedResourceMetadataUrls(new URL('https://example.com/public/mcp'))
 * // [https://example.com/.well-known/oauth-protected-resource/public/mcp,
 * //  https://example.com/.well-known/oauth-protected-resource]
 */
export function protectedResourceMetadataUrls(server: URL): URL[] {
  const root = new URL('/.well-known/oauth-protected-resource', server);
  const path = server.pathname.replace(/\/$/, '');
  return path === '' ? [root] : [new URL(`/.well-known/oauth-protected-resource${path}`, server), root];
}

/**
 * The well-known URLs of an issuer's metadata, in priority order (RFC 8414 Section 3.1 path
 * insertion, then OpenID Connect Discovery with path insertion and with path appending).
 */
export function authorizationServerMetadataUrls(issuer: URL): URL[] {
  const path = issuer.pathname.replace(/\/$/, '');
  if (path === '') return [new URL('/.well-known/oauth-authorization-server', issuer), new URL('/.well-known/openid-configuration', issuer)];
  return [
    new URL(`/.well-known/oauth-authorization-server${path}`, issuer),
    new URL(`/.well-known/openid-configuration${path}`, issuer),
    new URL(`${path}/.well-known/openid-configuration`, issuer),
  ];
}

/** A URL from a server's document; an OAuthError, not a TypeError, when it is none. */
function serverUrl(value: string, what: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new OAuthError(`${what} ${quote(value)} is not a URL`);
  }
}

/** GETs a JSON document; undefined when the server has none there (4xx) or it is not JSON. */
async function getJson(client: EndpointClient, url: URL): Promise<unknown> {
  // A redirect is not followed (nor by the token and registration requests): a 3xx fails.
  const { response, body } = await requestEndpoint(client, url, { headers: { accept: 'application/json' } }, 'Metadata request', (answer) => answer.ok);
  if (response.ok) return body;
  if (response.status >= 400 && response.status < 500) return undefined;
  throw new OAuthError(`Metadata request to ${endpointName(url)} failed with HTTP ${response.status}`, { status: response.status });
}

/**
 * Finds the resource's metadata: at the URL the challenge named, else at the well-known URLs.
 * Undefined when there is none (a 2025-03-26 server).
 */
export async function discoverProtectedResource(client: EndpointClient, server: URL, fromChallenge?: string): Promise<ProtectedResourceMetadata | undefined> {
  let candidates = protectedResourceMetadataUrls(server);
  if (fromChallenge !== undefined) {
    let named: URL;
    try {
      named = new URL(fromChallenge);
    } catch {
      throw new OAuthError(`The server named an invalid resource_metadata URL ${quote(fromChallenge)}`);
    }
    if (named.protocol !== 'https:' && named.protocol !== 'http:') throw new OAuthError(`The server named a resource_metadata URL that is not HTTP(S): ${quote(fromChallenge)}`);
    // Plain HTTP only where the server itself is (its own origin) or on loopback: a challenge
    // must not send the client in clear text elsewhere (2026-07-28 authorization,
    // communication security), where whoever is on the path could forge the metadata and
    // with it the authorization server the client trusts.
    if (!isSecureEndpoint(named) && named.origin !== server.origin) {
      throw new OAuthError(`The server named a resource_metadata URL that is not HTTPS, off loopback and on another origin: ${quote(fromChallenge)}`);
    }
    candidates = [named];
  }
  for (const url of candidates) {
    const document = await getJson(client, url);
    if (document === undefined) continue;
    const metadata = parseProtectedResourceMetadata(document);
    if (typeof metadata === 'string') throw new OAuthError(`${metadata} (${endpointName(url)})`);
    return metadata;
  }
  if (fromChallenge !== undefined) throw new OAuthError(`No protected resource metadata at ${quote(fromChallenge)}`);
  return undefined;
}

/**
 * Finds and validates an issuer's metadata. The document's `issuer` must be identical to the
 * issuer the URL was built from (RFC 8414 Section 3.3); a document that differs is not used.
 * Undefined when no well-known URL has a document.
 */
export async function discoverAuthorizationServer(client: EndpointClient, issuer: string): Promise<AuthorizationServerMetadata | undefined> {
  const base = serverUrl(issuer, 'Authorization server');
  if (!isSecureEndpoint(base)) throw new OAuthError(`Authorization server ${quote(issuer)} is not HTTPS`);
  for (const url of authorizationServerMetadataUrls(base)) {
    const document = await getJson(client, url);
    if (document === undefined) continue;
    const metadata = parseAuthorizationServerMetadata(document);
    if (typeof metadata === 'string') throw new OAuthError(`${metadata} (${endpointName(url)})`);
    if (metadata.issuer !== issuer) {
      throw new OAuthError(`Authorization server metadata at ${endpointName(url)} names issuer ${quote(metadata.issuer)}, not ${quote(issuer)}: not used`);
    }
    for (const endpoint of [metadata.authorization_endpoint, metadata.token_endpoint, metadata.registration_endpoint]) {
      if (endpoint !== undefined && !isSecureEndpoint(serverUrl(endpoint, 'Authorization server endpoint'))) throw new OAuthError(`Authorization server endpoint ${quote(endpoint)} is not HTTPS`);
    }
    return metadata;
  }
  return undefined;
}

/** The endpoints a 2025-03-26 client assumes when the server's origin has no metadata. */
export function defaultEndpoints(origin: string): AuthorizationServerMetadata {
  return {
    issuer: origin,
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}/token`,
    registration_endpoint: `${origin}/register`,
    code_challenge_methods_supported: ['S256'],
  };
}

/**
 * Whether `resource` (from the metadata) may name the server at `server`: same origin, and a
 * path that is the server's path or a parent of it (RFC 9728 Section 3.3 binds the document to
 * the resource; a document naming another resource is refused, 2026-07-28 authorization).
 */
export function resourceCovers(resource: string, server: URL): boolean {
  let named: URL;
  try {
    named = new URL(resource);
  } catch {
    return false;
  }
  if (named.origin !== server.origin || named.hash !== '') return false;
  const path = named.pathname.replace(/\/$/, '');
  return server.pathname === path || server.pathname.startsWith(`${path}/`) || path === '';
}

/** The canonical URI of an MCP server when it names none: no fragment, no trailing slash. */
export function canonicalResource(server: URL): string {
  const url = new URL(server);
  url.hash = '';
  return url.href.replace(/\/$/, '');
}
