/**
 * Bearer challenges (RFC 6750 section 3, with RFC 9728's `resource_metadata`) and the refusals
 * that carry them: 401 when credentials are missing or invalid, 403 `insufficient_scope` when
 * the caller lacks a scope (spec: authorization, error handling and scope challenge handling).
 * The refusals that do not depend on the request are built once.
 */
import { ErrorCode } from '../protocol/wire-errors.ts';
import { Refusal } from './edge.ts';

/** Why credentials were not accepted; each has a fixed description, safe to send and to log. */
export const TokenProblem = {
  Missing: 'missing',
  Malformed: 'malformed',
  Invalid: 'invalid',
  Expired: 'expired',
  Audience: 'audience',
  Issuer: 'issuer',
  Inactive: 'inactive',
  NoSubject: 'no_subject',
} as const;
export type TokenProblem = (typeof TokenProblem)[keyof typeof TokenProblem];

/** Client-facing descriptions: fixed text, never a part of the token or of a library's error. */
export const PROBLEM_DESCRIPTIONS: Readonly<Record<TokenProblem, string>> = {
  missing: 'No access token',
  malformed: 'The Authorization header is not a valid Bearer credential',
  invalid: 'The access token is invalid',
  expired: 'The access token expired',
  audience: 'The access token was not issued for this server',
  issuer: 'The access token was not issued by a trusted authorization server',
  inactive: 'The access token is not active',
  no_subject: 'The access token names no subject',
};

/** A scope as RFC 6749 allows it (NQCHAR): safe inside a quoted header parameter. */
const SCOPE_TOKEN = /^[!#-[\]-~]+$/;

/** A quoted-string header parameter; characters a header cannot carry become `?`. */
function quoted(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, '\\$&')}"`;
}

/** `scope="a b"` of the scopes that are well-formed, or undefined when none is. */
function scopeParameter(scopes: readonly string[]): string | undefined {
  const valid = scopes.filter((scope) => SCOPE_TOKEN.test(scope));
  return valid.length === 0 ? undefined : `scope=${quoted(valid.join(' '))}`;
}

/**
 * Builds the challenges and refusals of one protected resource.
 *
 * @example
 * const challenges = new Challenges({ resourceMetadata: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp' });
 * challenges.unauthenticated('expired') // 401, WWW-Authenticate: Bearer error="invalid_token", ...
 */
export class Challenges {
  readonly #resourceMetadata: string | undefined;
  readonly #unauthenticated: Map<TokenProblem, Refusal>;

  constructor(options: { resourceMetadata?: string; scopes?: readonly string[] } = {}) {
    this.#resourceMetadata = options.resourceMetadata;
    this.#unauthenticated = new Map();
    for (const problem of Object.values(TokenProblem)) this.#unauthenticated.set(problem, this.#build(problem, options.scopes ?? []));
  }

  /** 401 (400 for a malformed header) with the challenge RFC 6750 asks for. */
  unauthenticated(problem: TokenProblem): Refusal {
    return this.#unauthenticated.get(problem)!;
  }

  /**
   * 403 `insufficient_scope`, naming the scopes to ask for: those the caller holds and those
   * it lacks, so a step-up does not lose what was granted (spec: scope challenge handling,
   * the recommended approach).
   */
  insufficientScope(missing: readonly string[], granted: readonly string[], what: string): Refusal {
    const scopes = [...new Set([...granted, ...missing])];
    const parameters = ['error="insufficient_scope"'];
    const scope = scopeParameter(scopes);
    if (scope !== undefined) parameters.push(scope);
    if (this.#resourceMetadata !== undefined) parameters.push(`resource_metadata=${quoted(this.#resourceMetadata)}`);
    parameters.push(`error_description=${quoted(`${what} needs more scopes`)}`);
    return new Refusal(
      403,
      { code: ErrorCode.BadRequest, message: `Forbidden: ${what} needs scope ${missing.join(' ')}`, data: { reason: 'insufficient_scope', requiredScopes: [...missing] } },
      { 'www-authenticate': `Bearer ${parameters.join(', ')}` },
    );
  }

  #build(problem: TokenProblem, scopes: readonly string[]): Refusal {
    const parameters: string[] = [];
    // No credentials at all: the challenge carries no error code (RFC 6750, section 3.1).
    if (problem === TokenProblem.Malformed) parameters.push('error="invalid_request"');
    else if (problem !== TokenProblem.Missing) parameters.push('error="invalid_token"');
    if (this.#resourceMetadata !== undefined) parameters.push(`resource_metadata=${quoted(this.#resourceMetadata)}`);
    const scope = scopeParameter(scopes);
    if (scope !== undefined) parameters.push(scope);
    if (problem !== TokenProblem.Missing) parameters.push(`error_description=${quoted(PROBLEM_DESCRIPTIONS[problem])}`);
    const status = problem === TokenProblem.Malformed ? 400 : 401;
    const prefix = status === 400 ? 'Bad Request' : 'Unauthorized';
    return new Refusal(
      status,
      { code: ErrorCode.BadRequest, message: `${prefix}: ${PROBLEM_DESCRIPTIONS[problem]}` },
      { 'www-authenticate': parameters.length === 0 ? 'Bearer' : `Bearer ${parameters.join(', ')}` },
    );
  }
}
