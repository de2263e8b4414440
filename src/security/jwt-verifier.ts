/**
 * Access tokens as JWTs, verified with jose against the authorization server's JSON Web Key
 * Set (spec: authorization, token handling; OAuth 2.1 section 5.2; RFC 9068): the signature
 * with an allowed algorithm (never `none`, never a shared secret), the issuer, the audience
 * (this server: RFC 8707), and the times with a clock tolerance.
 *
 * The key set is fetched on first use and cached (`jwksCacheMaxAgeMs`); a token signed with a
 * key the set does not hold makes it be fetched again, at most once per `jwksCooldownMs`, which
 * is how a rotated key is picked up without letting made-up key ids hammer the server. The set
 * is read within a bound, and a fetch that failed is not tried again for a few seconds
 * (key-set-fetch.ts).
 */
import { createRemoteJWKSet, customFetch, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { checkTimerMs } from '../protocol/timer-limit.ts';
import { TokenProblem } from './challenge.ts';
import type { Principal } from './edge.ts';
import { FailurePause } from './failure-pause.ts';
import { keySetFetch } from './key-set-fetch.ts';
import { principalFromClaims } from './principal.ts';

/** Verifies a token: its principal, the problem with it, or a rejection when it cannot tell (the key set is unreachable). */
export interface TokenVerifier {
  /** `client`: who sent it (client-key.ts), for verifiers that share something out among clients. */
  verify(token: string, client?: string): Promise<Principal | TokenProblem>;
}

export interface JwtVerifierOptions {
  /** The authorization server's `jwks_uri`. */
  jwksUrl: string;
  /** The `iss` tokens must carry. */
  issuer: string;
  /** `aud` values accepted: this server's resource URL. */
  audience: string | readonly string[];
  /** Signature algorithms accepted. Default RS256, PS256, ES256, EdDSA. */
  algorithms?: readonly string[];
  /** Leeway for time claims, in seconds. Default 30. */
  clockToleranceSec?: number;
  /** Default 10 minutes. */
  jwksCacheMaxAgeMs?: number;
  /** Default 30 s. */
  jwksCooldownMs?: number;
  /**
   * Default 5 s. At most 2147483647 (2^31 - 1 ms, about 24.8 days, the longest a timer holds):
   * a longer one is refused with a RangeError.
   */
  jwksTimeoutMs?: number;
}

/** jose error codes that mean "this token is not good", by the problem they are. */
const PROBLEMS: Readonly<Record<string, TokenProblem>> = {
  ERR_JWT_EXPIRED: TokenProblem.Expired,
  ERR_JOSE_ALG_NOT_ALLOWED: TokenProblem.Invalid,
  ERR_JOSE_NOT_SUPPORTED: TokenProblem.Invalid,
  ERR_JWS_INVALID: TokenProblem.Invalid,
  ERR_JWT_INVALID: TokenProblem.Invalid,
  ERR_JWK_INVALID: TokenProblem.Invalid,
  ERR_JWKS_NO_MATCHING_KEY: TokenProblem.Invalid,
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: TokenProblem.Invalid,
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: TokenProblem.Invalid,
};

/**
 * @example
 * const verifier = new JwtVerifier({ jwksUrl: 'https://auth.example.com/jwks', issuer: 'https://auth.example.com', audience: 'https://mcp.example.com/mcp' });
 * await verifier.verify(token) // a Principal, or 'expired', 'audience', ...
 */
export class JwtVerifier implements TokenVerifier {
  readonly #keys: JWTVerifyGetKey;
  readonly #options: { issuer: string; audience: string[]; algorithms: string[]; clockTolerance: number };

  constructor(options: JwtVerifierOptions) {
    checkTimerMs('jwksTimeoutMs', options.jwksTimeoutMs);
    this.#keys = createRemoteJWKSet(new URL(options.jwksUrl), {
      cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000,
      cooldownDuration: options.jwksCooldownMs ?? 30_000,
      timeoutDuration: options.jwksTimeoutMs ?? 5_000,
      [customFetch]: keySetFetch(new FailurePause()),
    });
    const algorithms = [...(options.algorithms ?? ['RS256', 'PS256', 'ES256', 'EdDSA'])];
    if (algorithms.some((alg) => alg === 'none' || alg.startsWith('HS'))) throw new TypeError('JWT algorithms must be asymmetric: none and HS* are never accepted');
    this.#options = {
      issuer: options.issuer,
      audience: typeof options.audience === 'string' ? [options.audience] : [...options.audience],
      algorithms,
      clockTolerance: options.clockToleranceSec ?? 30,
    };
  }

  verify(token: string): Promise<Principal | TokenProblem> {
    return jwtVerify(token, this.#keys, this.#options).then(
      ({ payload }) => principalFromClaims(payload, token) ?? TokenProblem.NoSubject,
      (error: unknown) => problemOf(error),
    );
  }
}

/** The problem a jose error names, or the error again when it is not the token's fault. */
function problemOf(error: unknown): TokenProblem {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
    const claim = (error as { claim?: unknown }).claim;
    return claim === 'aud' ? TokenProblem.Audience : claim === 'iss' ? TokenProblem.Issuer : TokenProblem.Invalid;
  }
  if (typeof code === 'string' && Object.hasOwn(PROBLEMS, code)) return PROBLEMS[code];
  // The key set could not be fetched or read (ERR_JWKS_TIMEOUT, ERR_JWKS_INVALID, a network error).
  throw error;
}
