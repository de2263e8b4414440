/**
 * Which scopes to ask for (2026-07-28 authorization, Scope Selection Strategy and Step-Up
 * Authorization Flow): the challenge's `scope` first, else every scope of the resource's
 * `scopes_supported`, else no `scope` at all; on re-authorization the union of what was
 * asked before and what the challenge asks now. `offline_access` is added for refresh tokens
 * only when the authorization server lists it (Refresh Tokens), and never invented into a
 * request that would otherwise carry no scope.
 */

/** Space-separated scope strings merged, each scope once, in first-seen order. */
export function unionScopes(...sets: Array<string | undefined>): string | undefined {
  const all = new Set<string>();
  for (const set of sets) for (const scope of set?.split(' ') ?? []) if (scope !== '') all.add(scope);
  return all.size === 0 ? undefined : [...all].join(' ');
}

export interface ScopeInputs {
  /** The `scope` of the server's challenge. */
  challenged?: string;
  /** The resource's `scopes_supported`. */
  resourceScopes?: string[];
  /** Scopes asked for or granted before, kept on re-authorization. */
  prior?: string;
  /** The authorization server's `scopes_supported`. */
  serverScopes?: string[];
  /** Whether to ask for a refresh token. */
  offlineAccess: boolean;
}

/**
 * @example
 * selectScope({ challenged: 'files:write', prior: 'files:read', offlineAccess: false }) // 'files:read files:write'
 */
export function selectScope(inputs: ScopeInputs): string | undefined {
  const base = inputs.challenged ?? (inputs.resourceScopes === undefined ? undefined : inputs.resourceScopes.join(' '));
  const scope = unionScopes(inputs.prior, base);
  if (scope === undefined || !inputs.offlineAccess || !inputs.serverScopes?.includes('offline_access')) return scope;
  return unionScopes(scope, 'offline_access');
}
