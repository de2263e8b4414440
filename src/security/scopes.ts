/**
 * OAuth scopes: reading them from token claims, and deciding whether a caller holds the ones an
 * operation needs, with a scope hierarchy (spec 2026-07-28, authorization: servers MUST account
 * for scope hierarchies, where a broader scope implies narrower ones).
 */
import type { Principal } from './edge.ts';

const EMPTY: readonly string[] = Object.freeze([]);

/**
 * The scopes a token grants: `scope` (a space-separated string, RFC 9068 and RFC 7662) and
 * `scp` (a list or a string, as some authorization servers write it). Anything else is
 * ignored: the claims came from a token, and a claim of the wrong type grants nothing.
 *
 * @example
 * scopesOfClaims({ scope: 'files:read files:write' }) // ['files:read', 'files:write']
 */
export function scopesOfClaims(claims: Record<string, unknown>): readonly string[] {
  const found = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === 'string') {
      for (const part of value.split(' ')) if (part !== '') found.add(part);
    } else if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'string' && item !== '' && !item.includes(' ')) found.add(item);
    }
  };
  add(claims.scope);
  add(claims.scp);
  return found.size === 0 ? EMPTY : Object.freeze([...found]);
}

/**
 * Which scopes a caller holds, the hierarchy applied: a scope also grants the scopes it
 * implies, transitively. Built once; a principal's effective scopes are computed on its first
 * check and remembered while the principal lives (verified tokens are cached, so that is once
 * per token).
 *
 * @example
 * const scopes = new ScopeHierarchy({ admin: ['tools:write'], 'tools:write': ['tools:read'] });
 * scopes.missing({ subject: 'a', scopes: ['admin'] }, ['tools:read']) // []
 */
export class ScopeHierarchy {
  readonly #implied: ReadonlyMap<string, readonly string[]>;
  readonly #effective: WeakMap<Principal, ReadonlySet<string>>;

  constructor(implied: Readonly<Record<string, readonly string[]>> = {}) {
    this.#implied = closure(implied);
    this.#effective = new WeakMap();
  }

  /** The scopes of `required` the caller does not hold (all of them for an anonymous caller). */
  missing(principal: Principal | undefined, required: readonly string[]): readonly string[] {
    if (required.length === 0) return EMPTY;
    if (principal === undefined) return required;
    const held = this.#held(principal);
    let missing: string[] | undefined;
    for (const scope of required) if (!held.has(scope)) (missing ??= []).push(scope);
    return missing ?? EMPTY;
  }

  #held(principal: Principal): ReadonlySet<string> {
    let held = this.#effective.get(principal);
    if (held === undefined) {
      const set = new Set<string>();
      for (const scope of principal.scopes) {
        set.add(scope);
        for (const implied of this.#implied.get(scope) ?? EMPTY) set.add(implied);
      }
      held = set;
      this.#effective.set(principal, held);
    }
    return held;
  }
}

/** Every scope each scope implies, directly or through others (cycles allowed). */
function closure(implied: Readonly<Record<string, readonly string[]>>): Map<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  for (const root of Object.keys(implied)) {
    const seen = new Set<string>();
    const stack = [...implied[root]];
    while (stack.length > 0) {
      const scope = stack.pop()!;
      if (seen.has(scope)) continue;
      seen.add(scope);
      if (Object.hasOwn(implied, scope)) stack.push(...implied[scope]);
    }
    out.set(root, [...seen]);
  }
  return out;
}
