/**
 * Discovery: from an MCP server's URL (and its 401 challenge) to the protected resource
 * metadata (RFC 9728), and from an issuer to its authorization server metadata (RFC 8414,
 * OpenID Connect Discovery), in the orders 2026-07-28 basic/authorization/
 * authorization-server-discovery prescribes. Servers of the 2025-03-26 revision publish no
 * protected resource metadata: their origin is the authorization server, and when it has no
 * metadata either, its endpoints sit at `/authorize`, `/token` and `/register`. What discovery
 * finds is kept for a while ({@link Discovery}, discovery-cache.ts).
 */
import {
  isSecureEndpoint,
  parseAuthorizationServerMetadata,
  parseProtectedResourceMetadata,
  type AuthorizationServerMetadata,
  type ProtectedResourceMetadata,
} from './metadata.ts';
import { ExpiringCache, lifetimeOf } from './discovery-cache.ts';
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

/** A document found, or not (undefined), and how long the answer may be kept. */
interface Found<T> {
  document: T | undefined;
  lifetimeMs: number;
}

/** GETs a JSON document; undefined when the server has none there (4xx) or it is not JSON. */
async function getJson(client: EndpointClient, url: URL): Promise<Found<unknown>> {
  // A redirect is not followed (nor by the token and registration requests): a 3xx fails.
  const { response, body } = await requestEndpoint(client, url, { headers: { accept: 'application/json' } }, 'Metadata request', (answer) => answer.ok);
  if (response.ok) return { document: body, lifetimeMs: lifetimeOf(response.headers) };
  if (response.status >= 400 && response.status < 500) return { document: undefined, lifetimeMs: lifetimeOf(response.headers) };
  throw new OAuthError(`Metadata request to ${endpointName(url)} failed with HTTP ${response.status}`, { status: response.status });
}

/**
 * The resource_metadata URL a challenge names, checked. Plain HTTP only where the server itself
 * is (its own origin) or on loopback: a challenge must not send the client in clear text
 * elsewhere (2026-07-28 authorization, communication security), where whoever is on the path
 * could forge the metadata and with it the authorization server the client trusts.
 */
function challengedUrl(fromChallenge: string, server: URL): URL {
  let named: URL;
  try {
    named = new URL(fromChallenge);
  } catch {
    throw new OAuthError(`The server named an invalid resource_metadata URL ${quote(fromChallenge)}`);
  }
  if (named.protocol !== 'https:' && named.protocol !== 'http:') throw new OAuthError(`The server named a resource_metadata URL that is not HTTP(S): ${quote(fromChallenge)}`);
  if (!isSecureEndpoint(named) && named.origin !== server.origin) {
    throw new OAuthError(`The server named a resource_metadata URL that is not HTTPS, off loopback and on another origin: ${quote(fromChallenge)}`);
  }
  return named;
}

/**
 * Finds the resource's metadata: at the URL the challenge named, else at the well-known URLs.
 * Undefined when there is none (a 2025-03-26 server). The document must name a resource that
 * covers the server (RFC 9728 Section 3.3).
 */
async function findProtectedResource(client: EndpointClient, server: URL, named: URL | undefined): Promise<Found<ProtectedResourceMetadata>> {
  // Nothing found is kept for as long as the shortest-lived of the answers that said so.
  let lifetimeMs = Infinity;
  for (const url of named === undefined ? protectedResourceMetadataUrls(server) : [named]) {
    const found = await getJson(client, url);
    lifetimeMs = Math.min(lifetimeMs, found.lifetimeMs);
    if (found.document === undefined) continue;
    const metadata = parseProtectedResourceMetadata(found.document);
    if (typeof metadata === 'string') throw new OAuthError(`${metadata} (${endpointName(url)})`);
    if (!resourceCovers(metadata.resource, server)) {
      throw new OAuthError(`The protected resource metadata names resource ${quote(metadata.resource)}, which is not ${quote(server.href)}: refusing to authorize`);
    }
    return { document: metadata, lifetimeMs: found.lifetimeMs };
  }
  if (named !== undefined) throw new OAuthError(`No protected resource metadata at ${quote(named.href)}`);
  return { document: undefined, lifetimeMs };
}

/**
 * Finds and validates an issuer's metadata. The document's `issuer` must be identical to the
 * issuer the URL was built from (RFC 8414 Section 3.3); a document that differs is not used.
 * Undefined when no well-known URL has a document.
 */
async function findAuthorizationServer(client: EndpointClient, issuer: string): Promise<Found<AuthorizationServerMetadata>> {
  const base = serverUrl(issuer, 'Authorization server');
  if (!isSecureEndpoint(base)) throw new OAuthError(`Authorization server ${quote(issuer)} is not HTTPS`);
  let lifetimeMs = Infinity;
  for (const url of authorizationServerMetadataUrls(base)) {
    const found = await getJson(client, url);
    lifetimeMs = Math.min(lifetimeMs, found.lifetimeMs);
    if (found.document === undefined) continue;
    const metadata = parseAuthorizationServerMetadata(found.document);
    if (typeof metadata === 'string') throw new OAuthError(`${metadata} (${endpointName(url)})`);
    if (metadata.issuer !== issuer) {
      throw new OAuthError(`Authorization server metadata at ${endpointName(url)} names issuer ${quote(metadata.issuer)}, not ${quote(issuer)}: not used`);
    }
    for (const endpoint of [metadata.authorization_endpoint, metadata.token_endpoint, metadata.registration_endpoint]) {
      if (endpoint !== undefined && !isSecureEndpoint(serverUrl(endpoint, 'Authorization server endpoint'))) throw new OAuthError(`Authorization server endpoint ${quote(endpoint)} is not HTTPS`);
    }
    return { document: metadata, lifetimeMs: found.lifetimeMs };
  }
  return { document: undefined, lifetimeMs };
}

/** What discovery gives: the metadata (undefined: none published), and whether it was kept from before. */
export interface Discovered<T> {
  metadata: T | undefined;
  cached: boolean;
}

/**
 * Discovery, with what it found kept for a while (discovery-cache.ts): the resource's metadata
 * per MCP server URL, and with it the resource_metadata URL it came from; an authorization
 * server's metadata per issuer. Only documents that passed every check are kept, under the
 * exact URL or issuer they were checked for, so one server's metadata never answers for
 * another. A challenge naming a resource_metadata URL other than the one kept is followed (the
 * server may have moved it).
 *
 * @example
 * const discovery = new Discovery({ fetch });
 * const { metadata } = await discovery.protectedResource(new URL('https://mcp.example.com/mcp'), challenge.params.resource_metadata);
 */
export class Discovery {
  readonly #client: EndpointClient;
  readonly #resources = new ExpiringCache<{ source: string | undefined; metadata: ProtectedResourceMetadata | undefined }>();
  readonly #servers = new ExpiringCache<AuthorizationServerMetadata | undefined>();

  constructor(client: EndpointClient) {
    this.#client = client;
  }

  async protectedResource(server: URL, fromChallenge?: string): Promise<Discovered<ProtectedResourceMetadata>> {
    const named = fromChallenge === undefined ? undefined : challengedUrl(fromChallenge, server);
    const key = serverKey(server);
    const kept = this.#resources.get(key)?.value;
    if (kept !== undefined && (named === undefined || named.href === kept.source)) return { metadata: kept.metadata, cached: true };
    const found = await findProtectedResource(this.#client, server, named);
    this.#resources.set(key, { source: named?.href, metadata: found.document }, found.lifetimeMs);
    return { metadata: found.document, cached: false };
  }

  async authorizationServer(issuer: string): Promise<Discovered<AuthorizationServerMetadata>> {
    const kept = this.#servers.get(issuer);
    if (kept !== undefined) return { metadata: kept.value, cached: true };
    const found = await findAuthorizationServer(this.#client, issuer);
    this.#servers.set(issuer, found.document, found.lifetimeMs);
    return { metadata: found.document, cached: false };
  }

  /** Forgets what was found for the MCP server at `server` and for `issuer`: the next use discovers them anew. */
  forget(server: URL | undefined, issuer: string | undefined): void {
    if (server !== undefined) this.#resources.delete(serverKey(server));
    if (issuer !== undefined) this.#servers.delete(issuer);
  }
}

/** An MCP server as the cache knows it: its URL without credentials or fragment. */
function serverKey(server: URL): string {
  return `${server.origin}${server.pathname}${server.search}`;
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
