/**
 * PKCE with the S256 method (RFC 7636; required by 2026-07-28 authorization, Authorization Code
 * Protection), and the `state` value that ties a callback to its request.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface Pkce {
  verifier: string;
  challenge: string;
  method: 'S256';
}

/**
 * @example
 * const { verifier, challenge } = createPkce(); // send challenge, keep verifier for the token request
 */
export function createPkce(): Pkce {
  // 32 random bytes: a 43-character verifier, within RFC 7636's 43..128.
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url'), method: 'S256' };
}

/** An unguessable `state` for one authorization request. */
export function createState(): string {
  return randomBytes(16).toString('base64url');
}
