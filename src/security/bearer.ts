/**
 * Reading a bearer credential from a request head (RFC 6750, section 2.1): the
 * `Authorization: Bearer <token>` header, the only place MCP clients send access tokens (spec:
 * authorization, access token usage; never the query string). API keys may also come in
 * `X-API-Key`.
 */
import type { HeadHeaders } from './edge.ts';

/** The header held something, but not a well-formed credential. */
export const MALFORMED = Symbol('malformed credential');

/** b64token (RFC 6750): what a bearer token may be made of. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Longer credentials are refused unread: no token an authorization server issues is this long. */
const MAX_TOKEN_LENGTH = 16 * 1024;

/**
 * The bearer token of a request: the token, `undefined` when there is none (no Authorization
 * header, or another scheme), or {@link MALFORMED}.
 *
 * @example
 * bearerToken({ authorization: 'Bearer abc.def.ghi' }) // 'abc.def.ghi'
 */
export function bearerToken(headers: HeadHeaders): string | undefined | typeof MALFORMED {
  const token = bearerCredential(headers);
  return typeof token === 'string' && !isB64Token(token) ? MALFORMED : token;
}

/**
 * The credential after `Bearer`, its syntax not yet checked: a token found in a cache of
 * verified tokens needs no second look (it was checked before it was verified).
 */
export function bearerCredential(headers: HeadHeaders): string | undefined | typeof MALFORMED {
  const value = headers.authorization;
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return MALFORMED;
  // The common spelling first; the scheme is case-insensitive (RFC 9110, section 11.1).
  if (value.startsWith('Bearer ')) return credentialAfter(value, 7);
  const space = value.indexOf(' ');
  // Another scheme is no bearer credential.
  if ((space === -1 ? value : value.slice(0, space)).toLowerCase() !== 'bearer') return value.trim() === '' ? MALFORMED : undefined;
  return space === -1 ? MALFORMED : credentialAfter(value, space + 1);
}

function credentialAfter(value: string, start: number): string | typeof MALFORMED {
  const token = value.slice(start).trim();
  return token.length === 0 || token.length > MAX_TOKEN_LENGTH ? MALFORMED : token;
}

/** Whether `token` is a b64token, as RFC 6750 defines a bearer token. */
export function isB64Token(token: string): boolean {
  return B64TOKEN.test(token);
}

/** An API key: the bearer token, else the `X-API-Key` header. */
export function apiKeyOf(headers: HeadHeaders): string | undefined | typeof MALFORMED {
  const bearer = bearerToken(headers);
  if (bearer !== undefined) return bearer;
  const key = headers['x-api-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_TOKEN_LENGTH) return MALFORMED;
  return key;
}
