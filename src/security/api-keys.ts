/**
 * Static API keys, each with the principal it stands for and the scopes it grants, sent as
 * `Authorization: Bearer KEY` or `X-API-Key: KEY`. Keys are
 * kept as SHA-256 digests and compared in constant time (`crypto.timingSafeEqual`) against
 * every configured key, without stopping at the first match: how long a check takes says
 * nothing about how close a guess came, nor which key matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { reportRefusal } from '../protocol/refusal-report.ts';
import { apiKeyOf, MALFORMED } from './bearer.ts';
import { Challenges, PROBLEM_DESCRIPTIONS, TokenProblem } from './challenge.ts';
import type { EdgeDecision, EdgeHook, Principal, RequestHead } from './edge.ts';
import { ScopeHierarchy } from './scopes.ts';

export interface ApiKey {
  /** The key itself; or give `sha256`. */
  key?: string;
  /** The key's SHA-256 digest, hex: the configuration then never holds the key. */
  sha256?: string;
  scopes?: readonly string[];
}

interface Entry {
  readonly digest: Buffer;
  readonly principal: Principal;
}

function digestOf(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * @example
 * const keys = new ApiKeys({ ci: { key: process.env.CI_KEY }, ops: { sha256: 'a3f1...', scopes: ['admin'] } });
 * keys.principal(presentedKey) // { subject: 'ci', scopes: [] }, or undefined
 */
export class ApiKeys {
  readonly #entries: readonly Entry[];

  constructor(keys: Readonly<Record<string, ApiKey>>) {
    const entries: Entry[] = [];
    for (const [subject, spec] of Object.entries(keys)) {
      let digest: Buffer;
      if (typeof spec.key === 'string' && spec.key !== '') digest = digestOf(spec.key);
      else if (typeof spec.sha256 === 'string' && /^[0-9a-fA-F]{64}$/.test(spec.sha256)) digest = Buffer.from(spec.sha256, 'hex');
      else throw new TypeError(`API key ${subject} needs a key or its sha256 digest`);
      const principal: Principal = Object.freeze({ subject, scopes: Object.freeze([...(spec.scopes ?? [])]) });
      entries.push({ digest, principal });
    }
    this.#entries = entries;
  }

  get size(): number {
    return this.#entries.length;
  }

  /** The principal of `key`, or undefined when it is none of the configured keys. */
  principal(key: string): Principal | undefined {
    const digest = digestOf(key);
    let found: Principal | undefined;
    for (const entry of this.#entries) {
      // Every entry is compared, whether or not one matched already.
      if (timingSafeEqual(entry.digest, digest) && found === undefined) found = entry.principal;
    }
    return found;
  }
}

export interface ApiKeyAuthOptions {
  /** Scopes every request needs. */
  requiredScopes?: readonly string[];
  /** The scope hierarchy; default: every scope stands alone. */
  scopes?: ScopeHierarchy;
}

/**
 * The edge hook of API keys: the key's principal, 401 without a known key (a Bearer challenge,
 * no resource metadata: there is no authorization server to send clients to), 403
 * `insufficient_scope` without the scopes every request needs. Synchronous.
 *
 * @example
 * const auth = new ApiKeyAuth(new ApiKeys({ ci: { key: process.env.CI_KEY! } }));
 * await serveHttp(server, { edge: auth.edge });
 */
export class ApiKeyAuth {
  readonly challenges: Challenges;
  /** The keys checked; replaced whole (a reload), the next request is checked against the new ones. */
  keys: ApiKeys;
  readonly #required: readonly string[];
  readonly #scopes: ScopeHierarchy;

  constructor(keys: ApiKeys, options: ApiKeyAuthOptions = {}) {
    this.keys = keys;
    this.#required = Object.freeze([...(options.requiredScopes ?? [])]);
    this.#scopes = options.scopes ?? new ScopeHierarchy();
    this.challenges = new Challenges({ scopes: this.#required });
  }

  readonly edge: EdgeHook = (head: RequestHead): EdgeDecision => {
    const key = apiKeyOf(head.headers);
    const problem = key === undefined ? TokenProblem.Missing : key === MALFORMED ? TokenProblem.Malformed : undefined;
    const principal = problem === undefined ? this.keys.principal(key as string) : undefined;
    if (principal === undefined) {
      const why = problem ?? TokenProblem.Invalid;
      reportRefusal('unauthenticated', undefined, PROBLEM_DESCRIPTIONS[why].replace('access token', 'API key'));
      return this.challenges.unauthenticated(why);
    }
    const missing = this.#scopes.missing(principal, this.#required);
    if (missing.length === 0) return principal;
    reportRefusal('forbidden', undefined, `missing scope ${missing.join(' ')}`, principal.subject);
    return this.challenges.insufficientScope(missing, principal.scopes, 'this server');
  };
}
