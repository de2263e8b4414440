/**
 * OAuthClientAuth: the MCP client's OAuth 2.1 client (2026-07-28 basic/authorization), plugged
 * into the HTTP client transport through {@link HttpClientAuth}. On a 401 it discovers the
 * resource's metadata and its authorization server, registers if it must, obtains a token with
 * the configured grant, and the transport retries; on a 403 `insufficient_scope` it steps up
 * (a few times at most); it refreshes expired tokens; it binds DPoP proofs to requests when
 * the servers support them. A token is only ever put on requests to the resource it was issued
 * for, and it appears in no error and no log.
 */
import { LocalErrorCode } from '../../protocol/local-errors.ts';
import { checkTimerMs } from '../../protocol/timer-limit.ts';
import type { AuthRequest, HttpClientAuth } from '../../transport/http/client-auth.ts';
import { clientCredentialsGrant, enterpriseGrant, workloadIdentityGrant, JWT_BEARER_GRANT, type IdentityProvider, type Supplier } from './assertion-grants.ts';
import { authorizeWithCode, type Authorizer } from './authorization-code.ts';
import type { ClientCredentials } from './client-authentication.ts';
import { canonicalResource, defaultEndpoints, Discovery, resourceCovers } from './discovery.ts';
import { DPOP_ALGORITHM, DpopProver } from './dpop.ts';
import type { EndpointClient } from './endpoint-request.ts';
import type { AuthorizationServerMetadata, ProtectedResourceMetadata } from './metadata.ts';
import { asOAuthError, OAuthError, quote } from './oauth-error.ts';
import { obtainClient, type ClientMetadata } from './registration.ts';
import { selectScope } from './scope.ts';
import { requestToken, type TokenResponse } from './token-endpoint.ts';
import { MemoryTokenStore, type StoredTokens, type TokenStore } from './token-store.ts';
import { findChallenge, type Challenge } from './www-authenticate.ts';

/** How the client obtains tokens. */
export type Grant =
  /** A user signs in through the authorizer (browser, loopback redirect). */
  | { type: 'authorization_code'; authorizer: Authorizer; clientMetadataUrl?: string; offlineAccess?: boolean }
  /** Machine to machine, with the pre-registered `client` (secret or private key). */
  | { type: 'client_credentials' }
  /** A workload identity token (JWT) presented with the JWT bearer grant. */
  | { type: 'workload_identity'; assertion: Supplier }
  /** The user's enterprise ID token, exchanged at the IdP for an ID-JAG. */
  | { type: 'enterprise'; idp: IdentityProvider };

export interface OAuthClientAuthOptions {
  grant: Grant;
  /**
   * Pre-registered credentials. With `issuer`, they are used only at that authorization server;
   * without, at the first one the server names, and a later change is refused.
   */
  client?: ClientCredentials & { issuer?: string };
  /**
   * The only authorization server the client's credentials go to (its pre-registered client,
   * a workload identity assertion): a server naming another fails with an OAuthError before
   * anything is sent. Default: `client.issuer`.
   */
  issuer?: string;
  /** What the client says of itself when it registers dynamically. */
  clientMetadata?: ClientMetadata;
  /** Ask for exactly these scopes instead of following the server's guidance. */
  scope?: string;
  store?: TokenStore;
  /** Bind tokens with DPoP: always, never, or when both servers support it (default). */
  dpop?: boolean | 'auto';
  /** Step-up re-authorizations for one scope set, at most (one per request, 100 scope sets in all). Default 2. */
  maxStepUps?: number;
  /**
   * How long one request to the authorization side (metadata, registration, token) may take,
   * its answer read whole; past it the request fails with an OAuthError (MCP_ERR_TIMEOUT).
   * Default 30,000 ms. At most 2147483647 (2^31 - 1 ms, about 24.8 days, the longest a timer
   * holds): a longer one is refused with a RangeError.
   */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Where to get a token for a server, as discovery found it. */
interface Target {
  resource: string;
  issuer: string;
  server: AuthorizationServerMetadata;
  metadata: ProtectedResourceMetadata | undefined;
  /** Some of it was kept from an earlier discovery, and may be stale. */
  cached: boolean;
}

/**
 * Scope sets stepped up to, in all: the server names them, and one asking for a new scope on
 * every 403 would otherwise have the user sign in on every request, the scope asked for (the
 * union of all) growing without end.
 */
const MAX_SCOPE_SETS = 100;

/** Resources remembered for logout, at most. */
const MAX_RESOURCES = 1000;

/** Answers that say an endpoint is no longer where the metadata put it (moved, or gone). */
const MOVED_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308, 404, 405, 410]);

/**
 * Whether a failure says the metadata it was sent by may be stale: an endpoint that answered
 * that it is not there (404, 410, a redirect), or a server out of reach.
 */
function suggestsMoved(error: unknown): boolean {
  return error instanceof OAuthError && (error.code === LocalErrorCode.Unreachable || (error.status !== undefined && MOVED_STATUSES.has(error.status)));
}

/**
 * Whether a failure is no answer of an authorization server: the connection broke or never
 * carried HTTP (TLS spoken to a plain port, garbage), fetch refused the URL (credentials in it),
 * or an error status without the RFC 6749 `error` member every token and registration error
 * carries (a 431, a proxy's 502). Kept metadata naming such an endpoint may be what is wrong.
 * An answer with `error` (`invalid_client`, `invalid_grant`, ...) is the server's word, and a
 * timeout is not counted: running the step again would have the caller wait twice the timeout
 * (see timedOut).
 */
function notAnAnswer(error: unknown): boolean {
  return error instanceof OAuthError && (error.code === LocalErrorCode.ConnectionClosed || (error.status !== undefined && error.status >= 400 && error.error === undefined));
}

/** Whether a request to the authorization side got no answer in time. */
function timedOut(error: unknown): boolean {
  return error instanceof OAuthError && error.code === LocalErrorCode.Timeout;
}

/** Seconds of clock skew tolerated before an expiry is trusted. */
const EXPIRY_MARGIN_MS = 5_000;

/**
 * @example
 * const auth = new OAuthClientAuth({
 *   grant: { type: 'authorization_code', authorizer: new LoopbackAuthorizer() },
 *   store: new FileTokenStore(tokensPath),
 * });
 * await client.connect(new StreamableHttpClientTransport(url, { auth }));
 */
export class OAuthClientAuth implements HttpClientAuth {
  readonly #options: OAuthClientAuthOptions;
  readonly #store: TokenStore;
  /** How requests reach the authorization side: the fetch and the timeout of each. */
  readonly #endpoints: EndpointClient;
  /** What discovery found, kept for a while: each 401 need not fetch the metadata again. */
  readonly #discovery: Discovery;
  /** What discovery found, per resource: which token goes where, and how to refresh it. */
  readonly #targets = new Map<string, Target>();
  /** Every resource discovery named, for logout: tokens may be kept for one it no longer names. */
  readonly #resources = new Set<string>();
  /** The access token each request carried, to tell a stale token from a rejected one. */
  readonly #sent = new WeakMap<AuthRequest, string>();
  readonly #stepUps = new Map<string, number>();
  /** Requests stepped up once already: a 403 again is the caller's answer. */
  readonly #steppedUp = new WeakSet<AuthRequest>();
  /** Requests a grant was run for: a 401 again means the server refuses what it is issued. */
  readonly #granted = new WeakSet<AuthRequest>();
  /** Requests last authorized with kept metadata: a 401 again may mean it is stale. */
  readonly #authorizedFromCache = new WeakSet<AuthRequest>();
  readonly #refreshing = new Map<string, Promise<StoredTokens | undefined>>();
  #dpop: DpopProver | undefined;
  #boundIssuer: string | undefined;
  /** The scheme of the last challenge: a `DPoP` challenge asks for DPoP-bound tokens. */
  #lastScheme: string | undefined;
  /** One authorization at a time; concurrent challenges wait for it. */
  #pending: Promise<boolean> | undefined;

  constructor(options: OAuthClientAuthOptions) {
    checkTimerMs('timeoutMs', options.timeoutMs);
    this.#options = options;
    this.#store = options.store ?? new MemoryTokenStore();
    this.#endpoints = { fetch: options.fetch ?? fetch, timeoutMs: options.timeoutMs };
    this.#discovery = new Discovery(this.#endpoints);
    this.#dpop = undefined;
    this.#boundIssuer = options.issuer ?? options.client?.issuer;
    this.#lastScheme = undefined;
    this.#pending = undefined;
  }

  headers(request: AuthRequest): Promise<Record<string, string>> {
    return this.#headers(request).catch((error: unknown) => {
      throw asOAuthError(error);
    });
  }

  async #headers(request: AuthRequest): Promise<Record<string, string>> {
    // Tokens go only to the resource they were issued for (RFC 8707, 2026-07-28 authorization).
    const target = this.#targetFor(request.url);
    if (target === undefined) return {};
    let tokens = await this.#store.getTokens(target.resource);
    if (tokens === undefined || tokens.issuer !== target.issuer || tokens.resource !== target.resource) return {};
    if (tokens.expiresAt !== undefined && Date.now() > tokens.expiresAt - EXPIRY_MARGIN_MS && tokens.refreshToken !== undefined) {
      // An endpoint moved: the token goes as it is, and the 401 it meets discovers anew.
      tokens = (await this.#refreshQuietly(target, tokens).catch((error: unknown) => (suggestsMoved(error) ? undefined : Promise.reject(error)))) ?? tokens;
    }
    this.#sent.set(request, tokens.accessToken);
    if (tokens.tokenType === 'DPoP') {
      const prover = await this.#proverFor(tokens);
      return { authorization: `DPoP ${tokens.accessToken}`, dpop: await prover.proof(request.method, request.url, tokens.accessToken) };
    }
    return { authorization: `Bearer ${tokens.accessToken}` };
  }

  observe(response: Response, request: AuthRequest): void {
    // RFC 9449 Section 9: a resource may hand out a fresh nonce on any answer.
    this.#dpop?.learnNonce(request.url, response);
  }

  challenge(response: Response, request: AuthRequest): Promise<boolean> {
    return this.#challenge(response, request).catch((error: unknown) => {
      throw asOAuthError(error);
    });
  }

  async #challenge(response: Response, request: AuthRequest): Promise<boolean> {
    const challenge = findChallenge(response);
    this.#lastScheme = challenge?.scheme;
    if (challenge?.params.error === 'use_dpop_nonce') return this.#dpop?.learnNonce(request.url, response) ?? false;
    if (response.status === 403) {
      if (challenge?.params.error !== 'insufficient_scope' || challenge.params.scope === undefined) return false;
      if (this.#steppedUp.has(request)) return false;
      this.#steppedUp.add(request);
      return this.#exclusive(() => this.#stepUp(request.url, challenge));
    }
    return this.#exclusive(() => this.#reauthorize(request, challenge));
  }

  /**
   * Concurrent challenges share the outcome, failure included: a request that waited for a
   * failed authorization fails with its OAuthError, not as the bare 401 it got.
   */
  async #exclusive(task: () => Promise<boolean>): Promise<boolean> {
    if (this.#pending !== undefined) return this.#pending;
    const run = task();
    this.#pending = run;
    try {
      return await run;
    } finally {
      if (this.#pending === run) this.#pending = undefined;
    }
  }

  /**
   * A 401: reuse a newer token, refresh, or run the grant; once per request, since a server
   * that refuses a token just issued would refuse the next one too (a user would sign in
   * again and again for nothing). Unless that token came by kept metadata: the resource may
   * have moved to another authorization server behind the same metadata URL (SEP-2352), so
   * the metadata is discovered anew and the request authorized once more.
   */
  async #reauthorize(request: AuthRequest, challenge: Challenge | undefined): Promise<boolean> {
    const stale = this.#authorizedFromCache.has(request);
    this.#authorizedFromCache.delete(request);
    if (stale) this.#discovery.forget(request.url, this.#targetFor(request.url)?.issuer);
    else if (this.#granted.has(request)) {
      throw new OAuthError('The server refused the token its authorization server just issued (HTTP 401): not authorizing again');
    }
    return this.#withTarget(request.url, challenge, (target) => this.#authorize(request, challenge, target));
  }

  async #authorize(request: AuthRequest, challenge: Challenge | undefined, target: Target): Promise<boolean> {
    const sent = this.#sent.get(request);
    let prior: StoredTokens | undefined = await this.#store.getTokens(target.resource);
    if (prior !== undefined && prior.issuer !== target.issuer) {
      // The resource moved to another authorization server: nothing of the old one is reused.
      await this.#store.deleteTokens(target.resource);
      prior = undefined;
    }
    if (prior !== undefined && prior.accessToken !== sent) return true;
    if (prior?.refreshToken !== undefined && challenge?.params.error !== 'insufficient_scope') {
      if ((await this.#refreshQuietly(target, prior)) !== undefined) return this.#authorized(request, target);
    }
    const fresh = await this.#forSignIn(request.url, challenge, target);
    if (fresh !== target) return this.#authorize(request, challenge, fresh);
    this.#granted.add(request);
    await this.#obtain(target, selectScope(this.#scopeInputs(target, challenge, prior?.scope)));
    return this.#authorized(request, target);
  }

  /**
   * A user's sign-in is worth a fresh look at where to send them: before one, kept metadata is
   * discovered anew (a grant without a user runs on it, and is run again if refused).
   */
  async #forSignIn(url: URL, challenge: Challenge | undefined, target: Target): Promise<Target> {
    if (!target.cached || this.#options.grant.type !== 'authorization_code') return target;
    this.#discovery.forget(url, target.issuer);
    return this.#discover(url, challenge);
  }

  /** The request goes again with new tokens; noted when they came by kept metadata. */
  #authorized(request: AuthRequest, target: Target): true {
    if (target.cached) this.#authorizedFromCache.add(request);
    return true;
  }

  /** A 403 insufficient_scope: re-authorize with the union of old and new scopes, a few times. */
  async #stepUp(url: URL, challenge: Challenge): Promise<boolean> {
    const key = challenge.params.scope!.split(' ').sort().join(' ');
    const attempts = this.#stepUps.get(key) ?? 0;
    if (attempts >= (this.#options.maxStepUps ?? 2)) return false;
    if (attempts === 0 && this.#stepUps.size >= MAX_SCOPE_SETS) return false;
    this.#stepUps.set(key, attempts + 1);
    return this.#withTarget(url, challenge, async (kept) => {
      const target = await this.#forSignIn(url, challenge, kept);
      const prior = await this.#store.getTokens(target.resource);
      const priorScope = prior?.issuer === target.issuer ? prior.scope : undefined;
      await this.#obtain(target, selectScope(this.#scopeInputs(target, challenge, priorScope)));
      return true;
    });
  }

  /**
   * Runs `step` with what discovery finds for `url`. When it fails in a way that says the
   * metadata may be stale (suggestsMoved), or with no answer of an authorization server
   * (notAnAnswer), that metadata is forgotten; if it was kept from before, `step` runs once
   * more with what discovery finds anew, as it would have without the cache: kept, metadata
   * naming a broken endpoint would fail every request for its whole lifetime (an hour at most),
   * the server's fixed metadata unread. A timeout has the metadata forgotten too, without the
   * second run.
   */
  async #withTarget(url: URL, challenge: Challenge | undefined, step: (target: Target) => Promise<boolean>): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const target = await this.#discover(url, challenge);
      try {
        return await step(target);
      } catch (error) {
        const stale = suggestsMoved(error) || notAnAnswer(error);
        if (!stale && !timedOut(error)) throw error;
        // A step that discovered anew itself (before a sign-in) failed on fresh metadata: a
        // user is not sent to sign in a second time for the same failure.
        const ranOnKept = target.cached && this.#targets.get(target.resource) === target;
        this.#discovery.forget(url, target.issuer);
        // A timeout is not run again (the caller would wait twice its timeout), but the
        // metadata is forgotten all the same: the next request reads it anew.
        if (!stale || !ranOnKept || attempt > 0) throw error;
      }
    }
  }

  #scopeInputs(target: Target, challenge: Challenge | undefined, prior: string | undefined) {
    if (this.#options.scope !== undefined) return { challenged: this.#options.scope, offlineAccess: false };
    const grant = this.#options.grant;
    return {
      challenged: challenge?.params.scope,
      resourceScopes: target.metadata?.scopes_supported,
      prior,
      serverScopes: target.server.scopes_supported,
      offlineAccess: grant.type === 'authorization_code' && grant.offlineAccess !== false,
    };
  }

  /** From the server's URL and challenge to the resource, its issuer and that issuer's metadata. */
  async #discover(url: URL, challenge: Challenge | undefined): Promise<Target> {
    const resource = await this.#discovery.protectedResource(url, challenge?.params.resource_metadata);
    const metadata = resource.metadata;
    let target: Target;
    if (metadata !== undefined) {
      const issuer = metadata.authorization_servers[0];
      const server = await this.#discovery.authorizationServer(issuer);
      if (server.metadata === undefined) {
        // Not kept: answers that said "none here" (a 4xx with a max-age) would fail every
        // attempt for their lifetime, the server's metadata unread once published.
        this.#discovery.forget(undefined, issuer);
        throw new OAuthError(`No authorization server metadata for ${quote(issuer)}`);
      }
      target = { resource: metadata.resource, issuer, server: server.metadata, metadata, cached: resource.cached || server.cached };
    } else {
      // A 2025-03-26 server: its origin is the authorization server.
      const issuer = url.origin;
      const server = await this.#discovery.authorizationServer(issuer);
      target = { resource: canonicalResource(url), issuer, server: server.metadata ?? defaultEndpoints(issuer), metadata: undefined, cached: resource.cached || server.cached };
    }
    // What was discovered for this server before, under another resource (the metadata changed
    // it), no longer says where its tokens go: kept, a more specific one would win over the new
    // one, and requests would go without the token just obtained, refused again and again.
    for (const resource of this.#targets.keys()) if (resource !== target.resource && resourceCovers(resource, url)) this.#targets.delete(resource);
    this.#targets.set(target.resource, target);
    this.#resources.delete(target.resource);
    this.#resources.add(target.resource);
    // Servers name these: the oldest is dropped past the bound (its tokens are left in the store).
    // One is added at most, so one goes at most.
    if (this.#resources.size > MAX_RESOURCES) this.#resources.delete(this.#resources.values().next().value as string);
    return target;
  }

  /** The most specific known resource covering `url`. */
  #targetFor(url: URL): Target | undefined {
    let found: Target | undefined;
    for (const target of this.#targets.values()) {
      if (resourceCovers(target.resource, url) && (found === undefined || target.resource.length > found.resource.length)) found = target;
    }
    return found;
  }

  /** The pre-registered client, if it belongs to this issuer (client-registration, Authorization Server Binding). */
  #preRegistered(issuer: string): ClientCredentials | undefined {
    const client = this.#options.client;
    if (client !== undefined) this.#boundIssuer ??= issuer;
    if (this.#boundIssuer !== undefined && this.#boundIssuer !== issuer) {
      // Its credentials were issued by the bound server: none is sent to another.
      throw new OAuthError(`The configured client is registered with ${quote(this.#boundIssuer)}, but the server asks for authorization by ${quote(issuer)}: its credentials are not sent there (configure a client of ${quote(issuer)})`);
    }
    return client;
  }

  async #clientFor(target: Target, redirectUri?: string): Promise<ClientCredentials> {
    const grant = this.#options.grant;
    return obtainClient({
      ...this.#endpoints,
      server: target.server,
      store: this.#store,
      metadata: this.#options.clientMetadata ?? { client_name: 'mcp-core' },
      grantTypes: grant.type === 'authorization_code' ? ['authorization_code', 'refresh_token'] : grant.type === 'client_credentials' ? ['client_credentials'] : [JWT_BEARER_GRANT],
      redirectUris: redirectUri === undefined ? [] : [redirectUri],
      preRegistered: this.#preRegistered(target.issuer),
      clientMetadataUrl: grant.type === 'authorization_code' ? grant.clientMetadataUrl : undefined,
    });
  }

  /** Runs the configured grant and stores its tokens. */
  async #obtain(target: Target, scope: string | undefined): Promise<void> {
    // A client of another authorization server fails here, before a sign-in listener opens.
    this.#preRegistered(target.issuer);
    const dpop = (await this.#wantsDpop(target)) ? await this.#newProver() : undefined;
    const context = { ...this.#endpoints, server: target.server, resource: target.resource, scope, dpop };
    const grant = this.#options.grant;
    let tokens: TokenResponse;
    switch (grant.type) {
      case 'authorization_code': {
        const redirectUri = await grant.authorizer.redirectUri();
        const client = await this.#clientFor(target, redirectUri);
        tokens = await authorizeWithCode({ ...context, client, authorizer: grant.authorizer, redirectUri });
        break;
      }
      case 'client_credentials':
        tokens = await clientCredentialsGrant(context, this.#requireClient(target));
        break;
      case 'workload_identity':
        tokens = await workloadIdentityGrant(context, grant.assertion, this.#preRegistered(target.issuer));
        break;
      case 'enterprise':
        tokens = await enterpriseGrant(context, grant.idp, this.#requireClient(target));
        break;
    }
    await this.#save(target, tokens, scope, dpop);
  }

  #requireClient(target: Target): ClientCredentials {
    const client = this.#preRegistered(target.issuer);
    if (client === undefined) throw new OAuthError(`The ${this.#options.grant.type} grant needs a pre-registered client`);
    return client;
  }

  async #save(target: Target, tokens: TokenResponse, requestedScope: string | undefined, dpop: DpopProver | undefined, previous?: StoredTokens): Promise<StoredTokens> {
    const stored: StoredTokens = { accessToken: tokens.accessToken, tokenType: tokens.tokenType, issuer: target.issuer, resource: target.resource };
    // A refresh that returns no new refresh token keeps the old one (OAuth 2.1 Section 4.3.3).
    const refreshToken = tokens.refreshToken ?? previous?.refreshToken;
    if (refreshToken !== undefined) stored.refreshToken = refreshToken;
    if (tokens.expiresAt !== undefined) stored.expiresAt = tokens.expiresAt;
    const scope = tokens.scope ?? requestedScope;
    if (scope !== undefined) stored.scope = scope;
    if (tokens.tokenType === 'DPoP') {
      if (dpop === undefined) throw new OAuthError('The token endpoint issued a DPoP token without a DPoP proof');
      stored.dpopKey = dpop.privateJwk;
    }
    await this.#store.setTokens(target.resource, stored);
    return stored;
  }

  /**
   * Refreshes; on failure forgets the tokens and returns undefined so the grant runs again.
   * One refresh per resource at a time: concurrent requests share it, since a rotated refresh
   * token works once (OAuth 2.1 Section 4.3.1) and a second refresh would lose the tokens.
   */
  #refreshQuietly(target: Target, tokens: StoredTokens): Promise<StoredTokens | undefined> {
    const running = this.#refreshing.get(target.resource);
    if (running !== undefined) return running;
    const refresh = this.#refresh(target, tokens).finally(() => this.#refreshing.delete(target.resource));
    this.#refreshing.set(target.resource, refresh);
    return refresh;
  }

  async #refresh(target: Target, tokens: StoredTokens): Promise<StoredTokens | undefined> {
    const dpop = tokens.tokenType === 'DPoP' ? await this.#proverFor(tokens) : undefined;
    try {
      const client = await this.#clientFor(target);
      const fresh = await requestToken({
        ...this.#endpoints,
        server: target.server,
        client,
        dpop,
        params: { grant_type: 'refresh_token', refresh_token: tokens.refreshToken, resource: target.resource },
      });
      return await this.#save(target, fresh, tokens.scope, dpop, tokens);
    } catch (error) {
      // Refused, the tokens are of no more use; not answered (a timeout, a server out of
      // reach), or sent where the endpoint no longer is, they may still be good, and are
      // tried again (the issuer's metadata forgotten, to be discovered anew).
      if (suggestsMoved(error)) this.#discovery.forget(undefined, target.issuer);
      if (!(error instanceof OAuthError) || error.code !== LocalErrorCode.Unauthorized || suggestsMoved(error)) throw error;
      await this.#store.deleteTokens(target.resource);
      return undefined;
    }
  }

  /**
   * DPoP is used when asked for, or (auto) when the authorization server supports ES256 proofs
   * and the resource asks for them (a `DPoP` challenge, or DPoP fields in its metadata).
   */
  async #wantsDpop(target: Target): Promise<boolean> {
    const setting = this.#options.dpop ?? 'auto';
    if (setting !== 'auto') return setting;
    if (!target.server.dpop_signing_alg_values_supported?.includes(DPOP_ALGORITHM)) return false;
    const metadata = target.metadata;
    return this.#lastScheme === 'dpop' || metadata?.dpop_signing_alg_values_supported !== undefined || metadata?.dpop_bound_access_tokens_required === true;
  }

  async #newProver(): Promise<DpopProver> {
    this.#dpop ??= await DpopProver.create();
    return this.#dpop;
  }

  async #proverFor(tokens: StoredTokens): Promise<DpopProver> {
    if (tokens.dpopKey === undefined) throw new OAuthError('A stored DPoP token has no key');
    if (this.#dpop === undefined || this.#dpop.privateJwk.d !== tokens.dpopKey.d) this.#dpop = await DpopProver.fromJwk(tokens.dpopKey);
    return this.#dpop;
  }

  /** Forgets the tokens of every server this instance signed in to (logout). */
  async forget(): Promise<void> {
    for (const resource of this.#resources) await this.#store.deleteTokens(resource);
  }
}
