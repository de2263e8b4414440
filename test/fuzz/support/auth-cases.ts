/**
 * What an attacker sends a resource server, and what a broken or hostile authorization server
 * answers it, as fast-check arbitraries, each with the outcome the MCP authorization spec and
 * RFC 6750 give it: Authorization headers of every shape (no Bearer, odd spacing, past node's
 * header limit, bytes no token has), JWTs with garbage segments, `alg` none, HS256 signed with
 * the public key as secret, unknown algorithms, `crit` members, a `kid` of any JSON type;
 * key sets that are no key sets, and introspection answers whose members have every type.
 */
import { webcrypto } from 'node:crypto';
import fc from 'fast-check';
import { exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import type { Answer } from '../../helpers/authorization-server.ts';

export const RESOURCE = 'https://mcp.example.test/mcp';
export const SCOPE = 'mcp';
/** The key id the key set's signing key has. */
export const KID = 'key-1';

/**
 * What a request must get, whatever the authorization server answered: `missing` 401 with no
 * error code, `malformed` 400 `invalid_request`, `huge` 400 or node's 431, `odd` 400 or 401
 * (no credential, or not a well-formed one), or `token`: a credential the verifier judges.
 */
export type Shape = 'missing' | 'malformed' | 'huge' | 'odd' | 'token';

export interface Credential {
  /** Values of Authorization header lines, in order (none: no header). */
  readonly headers: readonly string[];
  readonly shape: Shape;
  /** The token the verifier gets (shape `token`): never to be echoed. */
  readonly token?: string;
  /** A JWT as the authorization server would sign it for this server. */
  readonly good: boolean;
}

export interface Keys {
  issuer: string;
  good: CryptoKey;
  goodJwk: JWK;
  foreign: CryptoKey;
  foreignJwk: JWK;
  /** The public key's PEM and JWK text, the secrets of an algorithm confusion. */
  publicTexts: string[];
}

export async function makeKeys(issuer: string): Promise<Keys> {
  const good = await generateKeyPair('ES256', { extractable: true });
  const foreign = await generateKeyPair('ES256', { extractable: true });
  const goodJwk = { ...(await exportJWK(good.publicKey)), kid: KID, alg: 'ES256', use: 'sig' };
  return {
    issuer,
    good: good.privateKey,
    goodJwk,
    foreign: foreign.privateKey,
    foreignJwk: { ...(await exportJWK(foreign.publicKey)), kid: KID, alg: 'ES256', use: 'sig' },
    publicTexts: [await exportSPKI(good.publicKey), JSON.stringify(goodJwk)],
  };
}

const b64url = (value: string | Uint8Array) => Buffer.from(value).toString('base64url');

/** How a JWT is signed: the key set's key, another one, HMAC with a public key as secret, or not. */
type Signer = { by: 'good' } | { by: 'foreign' } | { by: 'hmac'; secret: number } | { by: 'none' } | { by: 'garbage'; signature: string };

async function sign(keys: Keys, signer: Signer, input: string): Promise<string> {
  const data = new TextEncoder().encode(input);
  switch (signer.by) {
    case 'good':
    case 'foreign':
      return b64url(new Uint8Array(await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, signer.by === 'good' ? keys.good : keys.foreign, data)));
    case 'hmac': {
      const secret = await webcrypto.subtle.importKey('raw', new TextEncoder().encode(keys.publicTexts[signer.secret % keys.publicTexts.length]), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      return b64url(new Uint8Array(await webcrypto.subtle.sign('HMAC', secret, data)));
    }
    case 'none':
      return '';
    case 'garbage':
      return signer.signature;
  }
}

/** A JWT plan: header, claims and signer; `good` when nothing in it is wrong. */
interface JwtPlan {
  header: Record<string, unknown>;
  claims: Record<string, unknown> | string;
  signer: Signer;
  good: boolean;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const b64Text = (max: number) => fc.string({ unit: fc.constantFrom(...B64), maxLength: max });

/** What a header gets wrong: each of these makes a token no good, whatever it is signed with. */
const badHeader = fc.oneof(
  fc.record({ alg: fc.constantFrom('none', 'None', 'NONE', 'HS256', 'HS512', 'RS256', 'PS256', 'EdDSA', 'ES384', 'ES256K', 'A128KW', 'dir', 'unknown', ''), kid: fc.constant(KID) }),
  fc.record({ alg: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.constant('ES256'), { maxLength: 2 }), fc.object({ maxDepth: 1 })), kid: fc.constant(KID) }),
  fc.record({ alg: fc.constant('ES256'), kid: fc.oneof(fc.string({ minLength: 1 }).filter((kid) => kid !== KID), fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.constant(KID), { maxLength: 2 }), fc.object({ maxDepth: 1 }), fc.double()) }),
  fc.record({ alg: fc.constant('ES256'), kid: fc.constant(KID), crit: fc.oneof(fc.constant([]), fc.constant(['exp']), fc.constant(['urn:example:unknown']), fc.constant('b64'), fc.constant([1]), fc.constant(['b64'])) }),
  fc.record({ alg: fc.constant('ES256'), kid: fc.constant(KID), b64: fc.constant(false), crit: fc.constant(['b64']) }),
);

const now = () => Math.floor(Date.now() / 1000);

/** Claims a good token carries; `claimsFor` adds the issuer. */
function goodClaims(issuer: string): Record<string, unknown> {
  return { iss: issuer, sub: 'alice', aud: RESOURCE, scope: SCOPE, exp: now() + 300, iat: now(), client_id: 'app' };
}

/** One claim made wrong (another audience or issuer, expired, not yet valid, no subject, of the wrong type). */
const badClaim: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(fc.constant('aud'), fc.oneof(fc.constant('https://elsewhere.example.test/mcp'), fc.constant([]), fc.constant(['https://elsewhere.example.test/mcp']), fc.integer(), fc.constant(null))),
  fc.tuple(fc.constant('iss'), fc.oneof(fc.constant('https://evil.example.test'), fc.integer(), fc.constant(null))),
  fc.tuple(fc.constant('exp'), fc.oneof(fc.constant(now() - 3600), fc.constant(String(now() + 300)), fc.constant(null), fc.constant([now() + 300]))),
  fc.tuple(fc.constant('nbf'), fc.oneof(fc.constant(now() + 3600), fc.constant('0'))),
  fc.tuple(fc.constant('sub'), fc.oneof(fc.constant(''), fc.integer(), fc.constant(null), fc.constant({}))),
);

const jwtPlan: fc.Arbitrary<JwtPlan> = fc.oneof(
  // Good, or made bad in its header, one claim, or its signature.
  fc.record({ header: fc.constant({ alg: 'ES256', kid: KID, typ: 'at+jwt' }), claims: fc.constant({}), signer: fc.constant<Signer>({ by: 'good' }), good: fc.constant(true) }),
  fc.record({ header: badHeader, claims: fc.constant({}), signer: fc.constantFrom<Signer>({ by: 'good' }, { by: 'foreign' }, { by: 'none' }, { by: 'hmac', secret: 0 }, { by: 'hmac', secret: 1 }), good: fc.constant(false) }),
  fc.record({ header: fc.constant({ alg: 'HS256', kid: KID }), claims: fc.constant({}), signer: fc.constantFrom<Signer>({ by: 'hmac', secret: 0 }, { by: 'hmac', secret: 1 }), good: fc.constant(false) }),
  fc.record({ header: fc.constant({ alg: 'ES256', kid: KID }), claims: badClaim.map(([name, value]) => ({ [name]: value })), signer: fc.constant<Signer>({ by: 'good' }), good: fc.constant(false) }),
  fc.record({ header: fc.constant({ alg: 'ES256', kid: KID }), claims: fc.constant({}), signer: fc.oneof(fc.constant<Signer>({ by: 'foreign' }), b64Text(90).map((signature): Signer => ({ by: 'garbage', signature }))), good: fc.constant(false) }),
  // Claims that are no JSON object.
  fc.record({ header: fc.constant({ alg: 'ES256', kid: KID }), claims: fc.oneof(fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value) ?? 'null'), fc.string()), signer: fc.constant<Signer>({ by: 'good' }), good: fc.constant(false) }),
);

async function jwtOf(keys: Keys, plan: JwtPlan): Promise<string> {
  const claims = typeof plan.claims === 'string' ? plan.claims : JSON.stringify({ ...goodClaims(keys.issuer), ...plan.claims });
  const input = `${b64url(JSON.stringify(plan.header))}.${b64url(claims)}`;
  return `${input}.${await sign(keys, plan.signer, input)}`;
}

/** A token's text as the credential carries it, before any header shape is put around it. */
type TokenPlan = { jwt: JwtPlan } | { text: string };

const tokenPlan: fc.Arbitrary<TokenPlan> = fc.oneof(
  { weight: 3, arbitrary: jwtPlan.map((jwt) => ({ jwt })) },
  // Garbage segments: b64token characters with dots, up to five segments.
  { weight: 1, arbitrary: fc.array(b64Text(40), { minLength: 1, maxLength: 5 }).map((parts) => ({ text: parts.join('.') })).filter(({ text }) => /^[A-Za-z0-9\-_]/.test(text)) },
);

/** How the header carries a token, and the shape that makes of it. */
type Wrap = 'plain' | 'spaces' | 'lower' | 'upper' | 'tab' | 'two-words' | 'duplicate';

/** A credential plan: a token wrapped one way, or a header that carries none. */
export type CredentialPlan =
  | { kind: 'none' }
  | { kind: 'scheme'; value: string }
  | { kind: 'empty'; value: string }
  | { kind: 'huge'; length: number }
  | { kind: 'bytes'; value: string }
  | { kind: 'token'; token: TokenPlan; wrap: Wrap; spaces: number };

export const credentialPlan: fc.Arbitrary<CredentialPlan> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 1, arbitrary: fc.constantFrom('Basic YWxpY2U6c2VjcmV0', 'Token abc', 'DPoP abc.def.ghi', 'Bearerabc', 'Negotiate', 'MAC id="x"').map((value) => ({ kind: 'scheme' as const, value })) },
  { weight: 1, arbitrary: fc.constantFrom('Bearer', 'Bearer    ', 'bearer', ' Bearer ').map((value) => ({ kind: 'empty' as const, value })) },
  { weight: 1, arbitrary: fc.integer({ min: 16 * 1024 - 64, max: 64 * 1024 }).map((length) => ({ kind: 'huge' as const, length })) },
  // Latin-1 and other bytes a header may carry but no b64token has.
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'é\u00ff"\\,;= !#$%&()*<>?@[]^`{|}'), minLength: 1, maxLength: 20 }).map((junk) => ({ kind: 'bytes' as const, value: `Bearer abc${junk}def` })) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('token' as const), token: tokenPlan, wrap: fc.constantFrom<Wrap>('plain', 'plain', 'plain', 'spaces', 'lower', 'upper', 'tab', 'two-words', 'duplicate'), spaces: fc.integer({ min: 2, max: 6 }) }) },
);

/** The credential of a plan: its header lines, its shape, the token the verifier gets. */
export async function credentialOf(keys: Keys, plan: CredentialPlan): Promise<Credential> {
  switch (plan.kind) {
    case 'none':
      return { headers: [], shape: 'missing', good: false };
    case 'scheme':
      return { headers: [plan.value], shape: 'missing', good: false };
    case 'empty':
      return { headers: [plan.value], shape: 'malformed', good: false };
    case 'huge':
      return { headers: [`Bearer ${'a'.repeat(plan.length)}`], shape: 'huge', good: false };
    case 'bytes':
      return { headers: [plan.value], shape: 'malformed', good: false };
    case 'token':
      break;
  }
  const token = 'jwt' in plan.token ? await jwtOf(keys, plan.token.jwt) : plan.token.text;
  const good = 'jwt' in plan.token && plan.token.jwt.good;
  const gap = ' '.repeat(plan.spaces);
  switch (plan.wrap) {
    case 'plain':
      return { headers: [`Bearer ${token}`], shape: 'token', token, good };
    // RFC 6750 has one space; more, before or after, are read past (the token cannot hold one).
    case 'spaces':
      return { headers: [`Bearer${gap}${token}${gap}`], shape: 'token', token, good };
    // The scheme is case-insensitive (RFC 9110, section 11.1).
    case 'lower':
      return { headers: [`bearer ${token}`], shape: 'token', token, good };
    case 'upper':
      return { headers: [`BEARER ${token}`], shape: 'token', token, good };
    // No space after the scheme: another scheme, or no well-formed credential.
    case 'tab':
      return { headers: [`Bearer\t${token}`], shape: 'odd', good: false };
    case 'two-words':
      return { headers: [`Bearer ${token} ${token}`], shape: 'malformed', good: false };
    // node keeps the first Authorization line of a request and drops the others.
    case 'duplicate':
      return { headers: [`Bearer ${token}`, 'Bearer another-token'], shape: 'token', token, good };
  }
}

/**
 * A key set endpoint's answer, and what it holds for a good token: its key (`good`), its key
 * beside another under the same key id (`duplicate`: RFC 7517 asks for distinct ids, so either
 * outcome is right), keys of the wrong type or broken (`junk`), or nothing usable
 * (`unavailable`: a fault, or a body that is no key set).
 */
export type KeySetPlan = { answer: Answer; holds: 'good' | 'duplicate' | 'junk' | 'unavailable' };

export function keySetPlan(keys: Keys): fc.Arbitrary<KeySetPlan> {
  const junkKey = fc.oneof(
    fc.constant({ kty: 'oct', k: 'c2VjcmV0', kid: KID, alg: 'HS256' }),
    fc.constant({ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA', kid: KID }),
    fc.constant({ kty: 'RSA', n: 'AQAB', e: 'AQAB', kid: KID, alg: 'RS256' }),
    fc.constant({ ...keys.foreignJwk, d: 'AAAA' }),
    fc.constant({ kty: 'EC', kid: KID }),
    fc.constant({ kty: 42, kid: KID }),
    fc.dictionary(fc.constantFrom('kty', 'kid', 'alg', 'crv', 'x', 'y', 'use', 'key_ops', 'ext'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 6 }),
  );
  const notASet = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }).filter((value) => typeof value !== 'object' || value === null || Array.isArray(value) || !('keys' in value)),
    fc.constantFrom<unknown>({ keys: 'x' }, { keys: [1] }, { keys: null }, { keys: [[]] }, { keys: {} }),
  );
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant<KeySetPlan>({ answer: { kind: 'json', body: { keys: [keys.goodJwk] } }, holds: 'good' }) },
    { weight: 1, arbitrary: fc.constant<KeySetPlan>({ answer: { kind: 'json', body: { keys: [keys.goodJwk, keys.foreignJwk] } }, holds: 'duplicate' }) },
    { weight: 2, arbitrary: fc.array(junkKey, { minLength: 1, maxLength: 4 }).map((junk): KeySetPlan => ({ answer: { kind: 'json', body: { keys: junk } }, holds: 'junk' })) },
    { weight: 1, arbitrary: fc.array(junkKey, { maxLength: 3 }).map((junk): KeySetPlan => ({ answer: { kind: 'json', body: { keys: [keys.goodJwk, ...junk] } }, holds: 'junk' })) },
    { weight: 2, arbitrary: notASet.map((body): KeySetPlan => ({ answer: { kind: 'json', body }, holds: 'unavailable' })) },
    { weight: 3, arbitrary: faultAnswer.map((answer): KeySetPlan => ({ answer, holds: 'unavailable' })) },
  );
}

/** An endpoint's faults: error statuses, a redirect, no JSON, a huge, endless or late body. */
export const faultAnswer: fc.Arbitrary<Answer> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(400, 401, 404, 429, 500, 502, 503, 504).map((status): Answer => ({ kind: 'status', status })) },
  { weight: 1, arbitrary: fc.constant<Answer>({ kind: 'redirect' }) },
  { weight: 2, arbitrary: fc.constantFrom('', 'not json', '<html>oops</html>', '{"keys":[', '{"active":tru', '\u0000\u0001').map((text): Answer => ({ kind: 'text', text })) },
  { weight: 2, arbitrary: fc.boolean().map((declared): Answer => ({ kind: 'huge', declared })) },
  // Waited out (the test's timeout, 1 s): rarer than the others, so that npm test stays short.
  { weight: 1, arbitrary: fc.constantFrom<Answer>({ kind: 'endless' }, { kind: 'late', ms: 1500 }) },
);

/** An introspection answer's members, each of any type the attacker or a broken server picks. */
export const introspectionBody: fc.Arbitrary<Record<string, unknown> | { raw: string }> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {
        active: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, fc.constantFrom<unknown>('true', 1, false, null, 'false', [true], {})),
        sub: fc.oneof({ weight: 5, arbitrary: fc.constant('alice') }, fc.constantFrom<unknown>('', 5, null, {}, ['alice'])),
        aud: fc.oneof({ weight: 5, arbitrary: fc.constant<unknown>(RESOURCE) }, fc.constantFrom<unknown>([RESOURCE], ['junk', 5, null, {}, RESOURCE], ['junk', 5], 'https://elsewhere.example.test/mcp', 5, null, [[RESOURCE]], {})),
        exp: fc.oneof({ weight: 4, arbitrary: fc.constant<unknown>('future') }, fc.constantFrom<unknown>('past', 'string', null, 'array', 'huge', 'far')),
        nbf: fc.constantFrom<unknown>('past', 'future', 'string', null),
        scope: fc.oneof({ weight: 4, arbitrary: fc.constant<unknown>(SCOPE) }, fc.constantFrom<unknown>(`other ${SCOPE}`, 'other', [SCOPE], [`${SCOPE} x`], 5, null, {}, { toString: 1 }, '')),
        client_id: fc.oneof(fc.constant('app'), fc.jsonValue({ maxDepth: 1 })),
        iss: fc.oneof(fc.constant('https://auth.example.test'), fc.jsonValue({ maxDepth: 1 })),
        token_type: fc.constantFrom('access_token', 'refresh_token', 5),
      },
      { requiredKeys: ['active'] },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).filter((value) => typeof value !== 'object' || value === null || Array.isArray(value)).map((value) => ({ raw: JSON.stringify(value) })) },
  { weight: 1, arbitrary: fc.constantFrom('{"active":true,"sub":"alice","aud":"https://mcp.example.test/mcp","scope":"mcp","exp":1e400}', '{"active":true,"sub":"alice","aud":"https://mcp.example.test/mcp","scope":"mcp","exp":-1e400}').map((raw) => ({ raw })) },
);

/** Times named in the generated answer, made concrete when it is served. */
function timeOf(value: unknown): unknown {
  switch (value) {
    case 'future':
      return now() + 300;
    case 'past':
      return now() - 3600;
    case 'string':
      return String(now() + 300);
    case 'array':
      return [now() + 300];
    case 'huge':
      return Number.MAX_SAFE_INTEGER;
    case 'far':
      return now() + 10 * 365 * 86400;
    default:
      return value;
  }
}

/** The answer the endpoint sends for a generated body. */
export function introspectionAnswer(body: Record<string, unknown> | { raw: string }): Answer {
  if ('raw' in body && typeof body.raw === 'string') return { kind: 'text', text: body.raw };
  const claims = { ...body } as Record<string, unknown>;
  if ('exp' in claims) claims.exp = timeOf(claims.exp);
  if ('nbf' in claims) claims.nbf = timeOf(claims.nbf);
  return { kind: 'json', body: claims };
}

/**
 * What RFC 7662 and the spec make of an introspection answer, independently of the code under
 * test: 200 for an active token for this server within its times with a subject and the
 * scope, 403 without the scope, 401 for any other object, 503 for what is no JSON object (a
 * fault of the endpoint, not of the token).
 */
export function introspectionStatus(answer: Answer): number {
  if (answer.kind !== 'json' && answer.kind !== 'text') return 503;
  let claims: unknown;
  try {
    claims = answer.kind === 'json' ? JSON.parse(JSON.stringify(answer.body)) : JSON.parse(answer.text);
  } catch {
    return 503;
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return 503;
  const c = claims as Record<string, unknown>;
  const time = (value: unknown) => value === undefined || (typeof value === 'number' && Number.isFinite(value));
  if (c.active !== true || !time(c.exp) || !time(c.nbf)) return 401;
  if (typeof c.exp === 'number' && c.exp <= now()) return 401;
  if (typeof c.nbf === 'number' && c.nbf > now() + 30) return 401;
  const audience = typeof c.aud === 'string' ? [c.aud] : Array.isArray(c.aud) ? c.aud : [];
  if (!audience.includes(RESOURCE)) return 401;
  if (typeof c.sub !== 'string' || c.sub === '') return 401;
  const scopes = typeof c.scope === 'string' ? c.scope.split(' ') : Array.isArray(c.scope) ? c.scope.filter((s) => typeof s === 'string' && !s.includes(' ')) : [];
  return scopes.includes(SCOPE) ? 200 : 403;
}

/**
 * Whether a failed introspection stops the next tokens from being asked about for a while (5
 * s): every failure (no answer, no JSON object, an error status) but a 4xx other than 401, 408
 * and 429, which one token may have caused (RFC 7662 section 2.3 gives 401 to the asking
 * server's own credentials; 408 and 429 ask for fewer requests).
 */
export function introspectionPauses(answer: Answer): boolean {
  if (introspectionStatus(answer) !== 503) return false;
  return answer.kind !== 'status' || answer.status >= 500 || answer.status === 401 || answer.status === 408 || answer.status === 429;
}
