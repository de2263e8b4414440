/**
 * Security for `mcp-core serve` from the `auth`, `rateLimits` and `limits` settings, on the
 * server's seams: authentication and the per-client rate limit as the HTTP edge hook; per-tool
 * scopes, per-tool rate limits and concurrency limits as interceptors. Each piece is loaded
 * and installed only when its settings turn it on: with none, requests pay nothing.
 *
 * Interceptors, outermost first: the per-client rate limit over stdio and WebSocket (HTTP
 * counts at the edge), the JSON shape limits, tool scopes (a forbidden call costs no rate-limit point and takes no slot), per-tool
 * rate limits, per-tool concurrency, server-wide concurrency.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/config.ts';
import { reportError } from '../protocol/error-report.ts';
import type { EdgeDecision, EdgeHook, RequestHead } from '../security/edge.ts';
import type { Challenges } from '../security/challenge.ts';
import type { TokenVerifier } from '../security/jwt-verifier.ts';
import type { ResourceServer } from '../security/resource-server.ts';
import type { ScopeHierarchy } from '../security/scopes.ts';
import type { McpServer } from '../server/server.ts';
import type { RedisConnection } from '../store/redis/connection.ts';
import { notices } from './notices.ts';
import { rateLimitLimiters, rateLimited } from './rate-limit-store.ts';
import { checkSecurityConfig } from './security-check.ts';

type Route = (req: IncomingMessage, res: ServerResponse) => void;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export interface SecuritySetup {
  /** The HTTP edge hook: authentication, then the per-client rate limit; undefined when neither is on. */
  edge: EdgeHook | undefined;
  /**
   * Called once the listener is up, with its URL (the resource URL when `auth.resource` is not
   * set) and its routes, to which the protected resource metadata is added.
   */
  listening(url: string, routes: Map<string, Route>, mcpPath: string): void;
  /** Gauges to expose: calls waiting for a concurrency slot. */
  gauges: Array<{ name: string; help: string; read: () => number }>;
  /**
   * With `auth.mode: apiKey` over HTTP: puts the API keys of `next` (the configuration loaded
   * again) in place of the running ones, and says what it did; throws when a key is not valid.
   */
  reloadApiKeys: ((next: Config) => string) | undefined;
  close(): Promise<void>;
}

export interface SecurityServeOptions {
  http: boolean;
  stdio: boolean;
  /** WebSocket connections are accepted on the HTTP listener. */
  websocket: boolean;
  /** The stores' Redis connection (`store.redis.url`), which rate-limit counts share by default. */
  redis?: RedisConnection;
}

function report(operation: string): (error: unknown) => void {
  return (error) => reportError(error, { operation });
}

export async function startSecurity(config: Config, server: McpServer, options: SecurityServeOptions): Promise<SecuritySetup> {
  checkSecurityConfig(config);
  const { auth, rateLimits, limits } = config;
  const closers: Array<() => Promise<void> | void> = [];
  const gauges: SecuritySetup['gauges'] = [];
  if (options.http && auth.mode === 'none' && !LOOPBACK.has(config.http.host)) {
    notices().warn(
      { component: 'auth' },
      `auth.mode is none and the listener is bound to ${config.http.host}, not loopback: anyone who can reach it can call every tool. Set auth.mode (jwt, introspection or apiKey) before exposing it.`,
    );
  }
  const needsScopes = auth.mode !== 'none' || Object.keys(auth.toolScopes).length > 0;
  const { ScopeHierarchy } = needsScopes ? await import('../security/scopes.ts') : { ScopeHierarchy: undefined };
  const hierarchy = ScopeHierarchy === undefined ? undefined : new ScopeHierarchy(auth.impliedScopes);

  // ---- authentication: the edge hook (HTTP only) ----
  let authEdge: EdgeHook | undefined;
  let challenges: Challenges | undefined;
  let resourceServer: ResourceServer | undefined;
  let makeResourceServer: ((resource: string) => ResourceServer) | undefined;
  let reloadApiKeys: SecuritySetup['reloadApiKeys'];
  if (options.http && auth.mode === 'apiKey') {
    const { ApiKeys, ApiKeyAuth } = await import('../security/api-keys.ts');
    const apiKeys = new ApiKeyAuth(new ApiKeys(auth.apiKeys), { requiredScopes: auth.requiredScopes, scopes: hierarchy });
    authEdge = apiKeys.edge;
    challenges = apiKeys.challenges;
    reloadApiKeys = (next) => {
      if (next.auth.mode !== 'apiKey') return `auth.mode is ${next.auth.mode} in the files now: that applies at the next start; the API keys in service stay`;
      apiKeys.keys = new ApiKeys(next.auth.apiKeys);
      return `API keys reloaded: ${apiKeys.keys.size} in service`;
    };
  } else if (options.http && (auth.mode === 'jwt' || auth.mode === 'introspection')) {
    makeResourceServer = await resourceServerMaker(config, hierarchy!);
    if (auth.resource !== undefined) resourceServer = makeResourceServer(auth.resource);
    // The resource URL may be the listener's own, known once it listens: until then (no
    // request can come before), the hook refuses.
    authEdge = (head: RequestHead): EdgeDecision | Promise<EdgeDecision> => resourceServer!.edge(head);
  }

  // ---- interceptors ----
  let limiter: import('../security/rate-limits.ts').RateLimits | undefined;
  if (rateLimited(config)) {
    const { RateLimits } = await import('../security/rate-limits.ts');
    const { limiters, close } = await rateLimitLimiters(config, options.redis);
    closers.push(close);
    limiter = new RateLimits({ ...rateLimits, limiters, onError: report('rate limit store'), isTool: (name) => server.hasTool(name) });
    // Connections that carry many requests (stdio, WebSocket) count each request here; HTTP
    // requests were counted at the edge.
    if ((options.stdio || options.websocket) && limiter.limitsClients) server.use(limiter.requestInterceptor);
  }
  // Before the interceptors that do work: a request of the wrong shape costs nothing more.
  if (limits.json.maxDepth !== undefined || limits.json.maxStringLength !== undefined) {
    const { JsonLimits } = await import('../security/json-limits.ts');
    new JsonLimits(limits.json).install(server);
  }
  if (Object.keys(auth.toolScopes).length > 0) {
    const { ToolScopes } = await import('../security/tool-scopes.ts');
    const { Challenges } = await import('../security/challenge.ts');
    const plain = new Challenges();
    // The challenge names the protected resource metadata once the resource server exists.
    const scopes = new ToolScopes({
      tools: auth.toolScopes,
      declared: (tool) => server.requiredScopes(tool),
      scopes: hierarchy,
      challenges: () => resourceServer?.challenges ?? challenges ?? plain,
    });
    scopes.install(server);
  }
  if (limiter?.limitsTools) server.use(limiter.toolInterceptor, { methods: ['tools/call'] });
  const { concurrency: concurrencySettings } = limits;
  if (concurrencySettings.maxCalls !== undefined || Object.keys(concurrencySettings.tools).length > 0) {
    const { Concurrency } = await import('../security/concurrency.ts');
    const concurrency = new Concurrency(concurrencySettings);
    concurrency.install(server);
    gauges.push({ name: 'mcp_queue_depth', help: 'Calls waiting for a concurrency slot (limits.concurrency).', read: () => concurrency.queued });
    gauges.push({ name: 'mcp_calls_running', help: 'Calls holding a concurrency slot (limits.concurrency).', read: () => concurrency.running });
  }

  return {
    edge: limiter === undefined ? authEdge : limiter.edge(authEdge),
    gauges,
    reloadApiKeys,
    listening(url, routes, mcpPath) {
      if (makeResourceServer === undefined) return;
      if (resourceServer === undefined) {
        resourceServer = makeResourceServer(url);
        if (!LOOPBACK.has(config.http.host)) {
          notices().warn({ component: 'auth' }, `auth.resource is not set: tokens must name ${url} as their audience; set auth.resource to the URL clients use`);
        }
      }
      for (const [path, route] of Object.entries(resourceServer.routes(mcpPath))) routes.set(path, route);
    },
    async close() {
      for (const close of closers) await close();
    },
  };
}

/** Builds the resource server of `auth.mode` jwt or introspection, for a resource URL. */
async function resourceServerMaker(config: Config, hierarchy: ScopeHierarchy): Promise<(resource: string) => ResourceServer> {
  const { auth } = config;
  const { ResourceServer } = await import('../security/resource-server.ts');
  const verifierFor = await verifierMaker(config);
  const { issuer, clockToleranceSec } = auth.mode === 'jwt' ? auth.jwt : auth.introspection;
  return (resource) =>
    new ResourceServer({
      resource,
      authorizationServers: auth.authorizationServers ?? [issuer!],
      verifier: verifierFor(resource),
      scopesSupported: auth.scopesSupported,
      requiredScopes: auth.requiredScopes,
      scopes: hierarchy,
      resourceName: auth.resourceName,
      tokenCache: auth.tokenCache,
      clockToleranceSec,
      onError: report('access token verification'),
    });
}

/** The token verifier of `auth.mode`, for a resource URL (the audience unless one is set). */
async function verifierMaker(config: Config): Promise<(resource: string) => TokenVerifier> {
  const { auth } = config;
  if (auth.mode === 'jwt') {
    const { JwtVerifier } = await import('../security/jwt-verifier.ts');
    const { jwt } = auth;
    return (resource) =>
      new JwtVerifier({
        jwksUrl: jwt.jwksUrl!,
        issuer: jwt.issuer!,
        audience: jwt.audience ?? resource,
        algorithms: jwt.algorithms,
        clockToleranceSec: jwt.clockToleranceSec,
        jwksCacheMaxAgeMs: jwt.jwksCacheMaxAgeMs,
        jwksCooldownMs: jwt.jwksCooldownMs,
        jwksTimeoutMs: jwt.jwksTimeoutMs,
      });
  }
  const { IntrospectionVerifier } = await import('../security/introspection.ts');
  const { introspection } = auth;
  return (resource) =>
    new IntrospectionVerifier({
      endpoint: introspection.endpoint!,
      clientId: introspection.clientId!,
      clientSecret: introspection.clientSecret!,
      issuer: introspection.issuer,
      audience: introspection.audience ?? resource,
      clockToleranceSec: introspection.clockToleranceSec,
      timeoutMs: introspection.timeoutMs,
      maxInFlight: introspection.maxInFlight,
      maxInFlightPerClient: introspection.maxInFlightPerClient,
    });
}
