/**
 * `mcp-core/security`: authentication (an OAuth 2.1 resource server with JWT or introspected
 * tokens, API keys), per-tool scopes, rate limits and backpressure, all on the server's seams:
 * edge hooks for HTTP, interceptors for the dispatch. A separate entry point, so that
 * importing `mcp-core` never loads jose or rate-limiter-flexible.
 *
 * @example
 * import { JwtVerifier, ResourceServer, useToolScopes } from 'mcp-core/security';
 * const resource = 'https://mcp.example.com/mcp';
 * const auth = new ResourceServer({
 *   resource,
 *   authorizationServers: ['https://auth.example.com'],
 *   verifier: new JwtVerifier({ jwksUrl: 'https://auth.example.com/jwks', issuer: 'https://auth.example.com', audience: resource }),
 * });
 * useToolScopes(server, { challenges: auth.challenges });
 * await serveHttp(server, { edge: auth.edge, routes: auth.routes('/mcp') });
 */
export { ResourceServer, type ResourceServerOptions } from './resource-server.ts';
export { JwtVerifier, type JwtVerifierOptions, type TokenVerifier } from './jwt-verifier.ts';
export { IntrospectionVerifier, IntrospectionError, type IntrospectionOptions } from './introspection.ts';
export { ApiKeys, ApiKeyAuth, type ApiKey, type ApiKeyAuthOptions } from './api-keys.ts';
export { Challenges, TokenProblem } from './challenge.ts';
export { bearerToken, apiKeyOf, MALFORMED } from './bearer.ts';
export { metadataUrl, metadataRoute, metadataPaths, WELL_KNOWN_PATH, type ProtectedResourceMetadata } from './protected-resource.ts';
export { principalFromClaims } from './principal.ts';
export { ScopeHierarchy, scopesOfClaims } from './scopes.ts';
export { ToolScopes, useToolScopes, type ToolScopeOptions } from './tool-scopes.ts';
export { RateLimits, memoryLimiters, redisLimiters, type RateLimit, type RateLimitOptions, type LimiterFactory } from './rate-limits.ts';
export { Concurrency, ConcurrencyLimit, LIMITED_METHODS, type ConcurrencyOptions, type ConcurrencyLimitOptions } from './concurrency.ts';
export { JsonLimits, jsonExcess, type JsonLimitOptions } from './json-limits.ts';
export { refuseCall, type CallExchange, type SecurityInterceptor, type InterceptedServer } from './interceptors.ts';
export { TokenCache } from './token-cache.ts';
export { Refusal, type EdgeHook, type EdgeDecision, type Principal, type RequestHead } from './edge.ts';
export { clientKey } from './client-key.ts';
export { createOriginCheck, type OriginCheck, type OriginPolicyOptions } from './origin.ts';
