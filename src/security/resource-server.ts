/**
 * mcp-core as an OAuth 2.1 resource server (spec: authorization): an edge hook that admits
 * requests carrying a valid access token for this server and refuses the rest with the
 * challenge clients need to get one, and the protected resource metadata that tells them where.
 *
 * - No token: 401 with `WWW-Authenticate: Bearer resource_metadata="...", scope="..."`.
 * - A bad token (invalid, expired, another audience or issuer): 401 `invalid_token` with a
 *   fixed description. The token is never echoed, logged, or passed on.
 * - A token without the scopes every request needs: 403 `insufficient_scope`.
 * - Tokens cannot be checked (the key set or the introspection endpoint is unreachable): 503
 *   with Retry-After, so clients wait instead of starting over; the failure is reported. A
 *   failure is not asked about again for a few seconds (failure-pause.ts), while tokens already
 *   remembered keep working.
 *
 * Verified tokens are remembered (token-cache.ts): the first request with a token is verified,
 * the next ones are a Map lookup and stay synchronous. Refused tokens are remembered briefly
 * too, so a client retrying a bad token costs a lookup, not a signature check.
 */
import { reportRefusal } from '../protocol/refusal-report.ts';
import { atMostEvery, REPORT_INTERVAL_MS } from '../protocol/report-interval.ts';
import { bearerCredential, isB64Token, MALFORMED } from './bearer.ts';
import { Challenges, PROBLEM_DESCRIPTIONS, TokenProblem } from './challenge.ts';
import { clientKey } from './client-key.ts';
import { FAILURE_PAUSE_MS } from './failure-pause.ts';
import { retryLater, type EdgeDecision, type Refusal, type EdgeHook, type Principal, type RequestHead } from './edge.ts';
import type { TokenVerifier } from './jwt-verifier.ts';
import { metadataPaths, metadataRoute, metadataUrl, type ProtectedResourceMetadata } from './protected-resource.ts';
import { ScopeHierarchy } from './scopes.ts';
import { TokenCache } from './token-cache.ts';

export interface ResourceServerOptions {
  /** This server's canonical URL (RFC 8707), e.g. `https://mcp.example.com/mcp`. */
  resource: string;
  /** Issuer URLs of the authorization servers that issue tokens for it (at least one). */
  authorizationServers: readonly string[];
  verifier: TokenVerifier;
  /** `scopes_supported` in the metadata, and the `scope` of the 401 challenge when `requiredScopes` is empty. */
  scopesSupported?: readonly string[];
  /** Scopes every request needs. */
  requiredScopes?: readonly string[];
  /** The scope hierarchy; default: every scope stands alone. */
  scopes?: ScopeHierarchy;
  resourceName?: string;
  /** Verified tokens remembered: default 10,000 for 60 s (never past a token's expiry). */
  tokenCache?: { maxEntries?: number; maxAgeMs?: number };
  /** Leeway on a remembered token's expiry, as the verifier allows. Default 30 s. */
  clockToleranceSec?: number;
  /** Told when tokens cannot be verified (at most once every 10 s); default: nothing. */
  onError?: (error: unknown) => void;
}

/** Refused tokens are remembered this long, at most this many. */
const REFUSED_TTL_MS = 10_000;
const REFUSED_MAX = 1000;

/**
 * Tokens cannot be checked now: the client is told to come back when the authorization server
 * will be asked again (failure-pause.ts), with the refusal's reason as every refusal's data.
 */
const UNAVAILABLE = retryLater(503, 'unauthenticated', FAILURE_PAUSE_MS, (seconds) => `Service Unavailable: access tokens cannot be verified now; retry in ${seconds} s`);

/**
 * @example
 * const auth = new ResourceServer({
 *   resource: 'https://mcp.example.com/mcp',
 *   authorizationServers: ['https://auth.example.com'],
 *   verifier: new JwtVerifier({ jwksUrl: 'https://auth.example.com/jwks', issuer: 'https://auth.example.com', audience: 'https://mcp.example.com/mcp' }),
 * });
 * await serveHttp(server, { edge: auth.edge, routes: auth.routes('/mcp') });
 */
export class ResourceServer {
  readonly resource: string;
  /** Where the metadata is served, as the challenges name it. */
  readonly metadataUrl: string;
  readonly challenges: Challenges;
  readonly #metadata: ProtectedResourceMetadata;
  readonly #verifier: TokenVerifier;
  readonly #required: readonly string[];
  readonly #scopes: ScopeHierarchy;
  readonly #accepted: TokenCache<Principal>;
  readonly #refused: TokenCache<TokenProblem>;
  readonly #toleranceMs: number;
  readonly #onError: (error: unknown) => void;

  constructor(options: ResourceServerOptions) {
    if (options.authorizationServers.length === 0) throw new TypeError('A protected resource names at least one authorization server');
    this.resource = options.resource;
    this.metadataUrl = metadataUrl(options.resource);
    this.#required = Object.freeze([...(options.requiredScopes ?? [])]);
    this.challenges = new Challenges({
      resourceMetadata: this.metadataUrl,
      scopes: this.#required.length > 0 ? this.#required : (options.scopesSupported ?? []),
    });
    this.#metadata = {
      resource: options.resource,
      authorization_servers: [...options.authorizationServers],
      bearer_methods_supported: ['header'],
    };
    if (options.scopesSupported !== undefined) this.#metadata.scopes_supported = [...options.scopesSupported];
    if (options.resourceName !== undefined) this.#metadata.resource_name = options.resourceName;
    this.#verifier = options.verifier;
    this.#scopes = options.scopes ?? new ScopeHierarchy();
    this.#accepted = new TokenCache({ maxEntries: options.tokenCache?.maxEntries ?? 10_000, maxAgeMs: options.tokenCache?.maxAgeMs ?? 60_000 });
    this.#refused = new TokenCache({ maxEntries: Math.min(REFUSED_MAX, this.#accepted.maxEntries), maxAgeMs: Math.min(REFUSED_TTL_MS, this.#accepted.maxAgeMs) });
    this.#toleranceMs = (options.clockToleranceSec ?? 30) * 1000;
    this.#onError = atMostEvery(REPORT_INTERVAL_MS, options.onError ?? (() => {}));
  }

  /** The protected resource metadata document. */
  get metadata(): ProtectedResourceMetadata {
    return this.#metadata;
  }

  /** The edge hook: a principal for a valid token, a refusal otherwise. */
  readonly edge: EdgeHook = (head: RequestHead): EdgeDecision | Promise<EdgeDecision> => {
    const token = bearerCredential(head.headers);
    if (token === undefined) return this.#refuse(TokenProblem.Missing);
    if (token === MALFORMED) return this.#refuse(TokenProblem.Malformed);
    // Tokens in the cache were well-formed when they were verified: the syntax check can wait.
    const known = this.#accepted.get(token);
    if (known !== undefined) return this.#admit(known);
    if (!isB64Token(token)) return this.#refuse(TokenProblem.Malformed);
    const refused = this.#refused.get(token);
    if (refused !== undefined) return this.#refuse(refused);
    return this.#verifier.verify(token, clientKey(undefined, head.remoteAddress)).then(
      (result) => this.#verified(token, result),
      (error: unknown) => this.#unavailable(error),
    );
  };

  /**
   * Routes serving the metadata beside an MCP endpoint at `mcpPath` (`serveHttp`'s `routes`).
   */
  routes(mcpPath: string): Record<string, ReturnType<typeof metadataRoute>> {
    const route = metadataRoute(this.#metadata);
    return Object.fromEntries(metadataPaths(mcpPath).map((path) => [path, route]));
  }

  #verified(token: string, result: Principal | TokenProblem): EdgeDecision {
    if (typeof result === 'string') {
      this.#refused.set(token, result);
      return this.#refuse(result);
    }
    this.#accepted.set(token, result, result.expiresAt === undefined ? Infinity : result.expiresAt * 1000 + this.#toleranceMs);
    return this.#admit(result);
  }

  #admit(principal: Principal): EdgeDecision {
    const missing = this.#scopes.missing(principal, this.#required);
    if (missing.length === 0) return principal;
    reportRefusal('forbidden', undefined, `missing scope ${missing.join(' ')}`, principal.subject);
    return this.challenges.insufficientScope(missing, principal.scopes, 'this server');
  }

  #refuse(problem: TokenProblem): Refusal {
    reportRefusal('unauthenticated', undefined, PROBLEM_DESCRIPTIONS[problem]);
    return this.challenges.unauthenticated(problem);
  }

  #unavailable(error: unknown): Refusal {
    this.#onError(error);
    reportRefusal('unauthenticated', undefined, 'access tokens cannot be verified now');
    return UNAVAILABLE;
  }
}
