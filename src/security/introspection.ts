/**
 * Opaque access tokens, checked with the authorization server's introspection endpoint
 * (RFC 7662), authenticating as a client with HTTP Basic (client_secret_basic). An active
 * token must also name this server as its audience (RFC 8707; spec: authorization, token
 * handling), be within its times, and come from the configured issuer when one is set.
 *
 * Concurrent checks of one token share one request. The resource server remembers the
 * outcome (token-cache.ts), so the endpoint is asked once per token and cache period. Requests
 * to the endpoint in flight are bounded (`maxInFlight`): every distinct token is a request, and
 * a client sending made-up tokens on many connections would otherwise hold as many requests
 * open against the authorization server as it has connections. Each client (the address the
 * resource server keys unauthenticated callers on, client-key.ts) may start a share of them
 * (`maxInFlightPerClient`), so one client's flood of made-up tokens leaves room for the others'
 * new tokens. And once the endpoint failed (no answer in time, no connection, an error status,
 * an answer that is no JSON object), new tokens get that failure (503) without asking it for
 * 5 s, then one token asks whether it is back: those of the client whose request failed, and
 * everyone's once two clients' requests failed (client-failure-pause.ts), so that one token
 * crafted to make the endpoint slow shuts out no one but its sender; while it is down, a client
 * retrying a token in a loop, or sending a new one each time, would ask it once per request,
 * each waiting out the timeout.
 */
import { boundedText } from '../protocol/bounded-body.ts';
import { checkTimerMs } from '../protocol/timer-limit.ts';
import { isObject } from '../protocol/guards.ts';
import { TokenProblem } from './challenge.ts';
import type { Principal } from './edge.ts';
import { ClientFailurePause } from './client-failure-pause.ts';
import { UNKNOWN_CLIENT } from './client-key.ts';
import type { TokenVerifier } from './jwt-verifier.ts';
import { principalFromClaims } from './principal.ts';

export interface IntrospectionOptions {
  /** The `introspection_endpoint`. */
  endpoint: string;
  clientId: string;
  clientSecret: string;
  /** `aud` values accepted (any one of them): this server's resource URL. */
  audience: string | readonly string[];
  /** When set, the `iss` an introspection response must name. */
  issuer?: string;
  /** Leeway for `exp` and `nbf`, in seconds. Default 30. */
  clockToleranceSec?: number;
  /**
   * Default 5 s. At most 2147483647 (2^31 - 1 ms, about 24.8 days, the longest a timer holds):
   * a longer one is refused with a RangeError.
   */
  timeoutMs?: number;
  /** Requests to the endpoint in flight at most; past it a new token gets 503. Default 128. */
  maxInFlight?: number;
  /**
   * Of those, started by one client (one address, client-key.ts) at most; past it a new token
   * of that client gets 503. Default: a quarter of `maxInFlight`, rounded up. Requests whose
   * address the runtime does not tell are not held to it: they may be anyone's.
   */
  maxInFlightPerClient?: number;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

/** An introspection response larger than this is not read (they are a few hundred bytes). */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * The endpoint did not answer as RFC 7662 says, or was not asked; a fault of the server, not of
 * the token. `status`: the HTTP status it answered, when that was the fault.
 */
export class IntrospectionError extends Error {
  readonly status: number | undefined;

  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

/**
 * Whether a failure pauses introspection: for the client whose request met it, and for every
 * client once another client's request failed too (client-failure-pause.ts; a timeout or a
 * gateway's 5xx may be one crafted token's doing, so one client's failures pause only it). No
 * answer (timeout, no connection, a redirect, which is not followed), an answer that is no JSON
 * object, and these statuses do:
 * - 5xx: the authorization server is failing, whatever the token;
 * - 401: RFC 7662 section 2.3, this server's client credentials were refused: so they will be
 *   for every token;
 * - 408 and 429: the authorization server is too busy for this server's requests, and asks for
 *   fewer of them.
 * Any other 4xx does not: 400, 413 or 414 may be this token's own fault (too long, characters
 * the server refuses), and 403 or 404 a server's way of saying it will not tell about this
 * token (RFC 7662 asks for `active: false`); pausing on them would let one made-up token shut
 * every new token out, again and again. That request gets 503 and the next token is asked.
 * `active: false` is an answer, not a failure. Being at `maxInFlight` (or a client's share of
 * it) is no failure of the server either, and pauses nothing.
 */
function pausesAll(error: unknown): boolean {
  if (!(error instanceof IntrospectionError)) return true;
  const status = error.status;
  return status === undefined || status >= 500 || status === 401 || status === 408 || status === 429;
}

/**
 * @example
 * const verifier = new IntrospectionVerifier({ endpoint: 'https://auth.example.com/introspect', clientId: 'mcp', clientSecret, audience: 'https://mcp.example.com/mcp' });
 */
export class IntrospectionVerifier implements TokenVerifier {
  readonly #endpoint: string;
  readonly #authorization: string;
  readonly #audience: ReadonlySet<string>;
  readonly #issuer: string | undefined;
  readonly #toleranceSec: number;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #maxInFlight: number;
  readonly #maxPerClient: number;
  readonly #pending: Map<string, Promise<Principal | TokenProblem>>;
  /** Introspections in flight by the client that started them; a client with none has no entry. */
  readonly #perClient: Map<string, number>;
  readonly #pause: ClientFailurePause;

  constructor(options: IntrospectionOptions) {
    this.#endpoint = options.endpoint;
    // RFC 6749 section 2.3.1: the id and secret are form-encoded before Base64.
    const credentials = `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`;
    this.#authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    this.#audience = new Set(typeof options.audience === 'string' ? [options.audience] : options.audience);
    this.#issuer = options.issuer;
    this.#toleranceSec = options.clockToleranceSec ?? 30;
    checkTimerMs('timeoutMs', options.timeoutMs);
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#fetch = options.fetch ?? fetch;
    this.#maxInFlight = options.maxInFlight ?? 128;
    this.#maxPerClient = Math.min(this.#maxInFlight, options.maxInFlightPerClient ?? Math.ceil(this.#maxInFlight / 4));
    this.#pending = new Map();
    this.#perClient = new Map();
    this.#pause = new ClientFailurePause();
  }

  /**
   * `client`: who sent the token (client-key.ts), for the share of `maxInFlight` it may take and
   * for the failure pause; default: the client whose address is unknown.
   */
  verify(token: string, client: string = UNKNOWN_CLIENT): Promise<Principal | TokenProblem> {
    let pending = this.#pending.get(token);
    if (pending === undefined) {
      if (this.#pending.size >= this.#maxInFlight) return Promise.reject(new IntrospectionError(`${this.#maxInFlight} introspections are in flight already`));
      // The map holds only clients with an introspection in flight: at most maxInFlight entries.
      const started = this.#perClient.get(client) ?? 0;
      if (started >= this.#maxPerClient && client !== UNKNOWN_CLIENT) return Promise.reject(new IntrospectionError(`${this.#maxPerClient} introspections are in flight already for this client`));
      this.#perClient.set(client, started + 1);
      pending = this.#pause.run(client, () => this.#introspect(token), pausesAll).finally(() => {
        this.#pending.delete(token);
        const left = this.#perClient.get(client)! - 1;
        if (left === 0) this.#perClient.delete(client);
        else this.#perClient.set(client, left);
      });
      this.#pending.set(token, pending);
    }
    return pending;
  }

  async #introspect(token: string): Promise<Principal | TokenProblem> {
    const response = await this.#fetch(this.#endpoint, {
      method: 'POST',
      headers: { authorization: this.#authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      signal: AbortSignal.timeout(this.#timeoutMs),
      redirect: 'error',
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new IntrospectionError(`the introspection endpoint answered HTTP ${response.status}`, response.status);
    }
    const text = await boundedText(response, MAX_RESPONSE_BYTES, responseTooLarge);
    let claims: unknown;
    try {
      claims = JSON.parse(text);
    } catch {
      throw new IntrospectionError('the introspection endpoint answered with something other than JSON');
    }
    if (!isObject(claims)) throw new IntrospectionError('the introspection endpoint answered with something other than a JSON object');
    return this.#judge(claims, token);
  }

  #judge(claims: Record<string, unknown>, token: string): Principal | TokenProblem {
    if (claims.active !== true) return TokenProblem.Inactive;
    // Times are NumericDates (RFC 7662 section 2.2): one of another type is no time at all, and
    // an expiry that cannot be read must not make a token last forever.
    if (!isTime(claims.exp) || !isTime(claims.nbf)) return TokenProblem.Invalid;
    const now = Date.now() / 1000;
    if (claims.exp !== undefined && claims.exp + this.#toleranceSec <= now) return TokenProblem.Expired;
    if (claims.nbf !== undefined && claims.nbf - this.#toleranceSec > now) return TokenProblem.Invalid;
    if (this.#issuer !== undefined && claims.iss !== this.#issuer) return TokenProblem.Issuer;
    const audience = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
    if (!audience.some((aud) => typeof aud === 'string' && this.#audience.has(aud))) return TokenProblem.Audience;
    return principalFromClaims(claims, token) ?? TokenProblem.NoSubject;
  }
}

/** An absent time claim, or a finite number (JSON.parse makes 1e400 Infinity). */
function isTime(value: unknown): value is number | undefined {
  return value === undefined || (typeof value === 'number' && Number.isFinite(value));
}

function responseTooLarge(): IntrospectionError {
  return new IntrospectionError('the introspection response is too large');
}
