/**
 * The principal behind a verified access token: subject, client, scopes, expiry and claims.
 * The token itself rides along for handlers that must present it (a non-enumerable property,
 * so serialising or logging a principal never writes it); mcp-core never forwards it.
 */
import type { Principal } from './edge.ts';
import { scopesOfClaims } from './scopes.ts';

/**
 * A frozen principal from verified claims (a JWT's payload, or an introspection response), or
 * undefined when the claims name no subject. `extra` holds the claims.
 *
 * @example
 * principalFromClaims({ sub: 'alice', client_id: 'app', scope: 'files:read', exp: 1767225600 }, token)
 * // { subject: 'alice', clientId: 'app', scopes: ['files:read'], expiresAt: 1767225600, extra: { ...claims } }
 */
export function principalFromClaims(claims: Record<string, unknown>, token: string): Principal | undefined {
  const subject = claims.sub;
  if (typeof subject !== 'string' || subject === '') return undefined;
  const principal: Principal = { subject, scopes: scopesOfClaims(claims) };
  // client_id: RFC 9068 and RFC 7662; azp: OpenID Connect's authorized party.
  const clientId = typeof claims.client_id === 'string' ? claims.client_id : typeof claims.azp === 'string' ? claims.azp : undefined;
  if (clientId !== undefined) principal.clientId = clientId;
  if (typeof claims.exp === 'number' && Number.isFinite(claims.exp)) principal.expiresAt = claims.exp;
  principal.extra = Object.freeze({ ...claims });
  return withToken(principal, token);
}

/** Attaches the credential, hidden from enumeration, and freezes the principal. */
export function withToken(principal: Principal, token: string): Principal {
  Object.defineProperty(principal, 'token', { value: token, enumerable: false });
  return Object.freeze(principal);
}
