/**
 * Generators for what a hostile MCP server and its hostile authorization server say to the
 * OAuth client: 401 and 403 challenges of every shape (`WWW-Authenticate` missing, garbage,
 * huge, with quoted-string escapes, hundreds of parameters, `resource_metadata` naming any
 * scheme); protected resource and authorization server metadata of every JSON type and with
 * every member broken (issuer mismatch, endpoints that are `javascript:`, `file:`, `data:`,
 * relative or off loopback in clear text, arrays of 50,000); registration and token answers
 * with members of the wrong type; and the answers that carry them: any status, redirects,
 * `Cache-Control` of any kind, bodies that are not JSON, huge (declared or not), a gzip bomb,
 * cut off, hung, trickled or endless. Strings carry placeholders the scripted server replaces
 * (`$BASE` its origin, `$AT`/`$RT`/`$SECRET` a fresh token or secret it records).
 */
import fc from 'fast-check';
import { anyJson, excerpt, hostileObject, shownAs } from './arbitraries.ts';

export type Ending = 'end' | 'cut' | 'hang' | 'endless' | 'trickle';

/** One HTTP answer of the authorization side. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: { json: unknown } | { text: string } | { huge: number; declared: boolean } | { gzipBomb: number };
  ending: Ending;
}

/** What the MCP server answers one request with, while the script lasts. */
export type ResourceReply = { status: 401 | 403; challenge: string | undefined } | { status: 500 | 503 } | { pass: true };

/** How the user's browser comes back from the authorization endpoint. */
export type Redirect = 'proper' | 'wrong-state' | 'no-state' | 'wrong-iss' | 'no-iss' | 'error' | 'no-code' | 'not-a-url' | 'javascript' | 'page' | 'hang';

export interface OAuthScript {
  grant: 'client_credentials' | 'authorization_code';
  resource: ResourceReply[];
  /** Answers to requests for protected resource metadata (the challenge's URL or well-known). */
  resourceMetadata: Answer[];
  /** Answers to requests for authorization server metadata (any well-known URL). */
  serverMetadata: Answer[];
  registration: Answer[];
  token: Answer[];
  authorize: Redirect[];
  /** The `expires_in` of proper tokens: 1 s has the client refresh before every request. */
  lifetime: number;
}

/** URLs a server could name, for the client to follow or refuse. */
const hostileUrl = fc.constantFrom(
  'javascript:alert(1)',
  'file:///etc/passwd',
  'data:application/json,{}',
  'ftp://127.0.0.1/x',
  'ws://127.0.0.1/x',
  'http://evil.example/x',
  'https://evil.example/x',
  'http://127.0.0.1:1/x',
  'https://127.0.0.1:1/x',
  '//evil.example/x',
  '/relative',
  '',
  ' ',
  'http://',
  'http://[::1',
  '$BASE/x#frag',
  '$BASE/x?token=1',
  'http://localhost.evil.example/x',
  'HTTP://$HOST/x',
);

/**
 * A URL a document names: plausible, hostile, or long. None that the scripted server could not
 * answer once it behaves (past its 16 KiB of request head, TLS on its plain HTTP port, or with
 * credentials, which fetch refuses to send): a document kept naming an endpoint that fails
 * other than as moved or out of reach holds the client for the document's lifetime, which is
 * the server's to choose, and the case could not tell that from the client's own failure once
 * the servers behave. (Those URLs are in challenges and resources, which are not kept when
 * they fail.)
 */
function url(plausible: string[]): fc.Arbitrary<string> {
  return fc.oneof({ weight: 14, arbitrary: fc.constantFrom(...plausible) }, { weight: 3, arbitrary: hostileUrl }, { weight: 1, arbitrary: fc.integer({ min: 1000, max: 12_000 }).map((n) => `$BASE/${'p'.repeat(n)}`) });
}

/** A member: usually plausible, often of another type, sometimes hostile or absent. */
function member(plausible: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 30, arbitrary: plausible }, { weight: 2, arbitrary: anyJson }, { weight: 1, arbitrary: hostileObject }, { weight: 1, arbitrary: fc.constant(undefined) });
}

const hugeArray = fc.constantFrom(50_000, 5000).map((n) => Array.from({ length: n }, (_, i) => `s${i}`));
const stringList = (plausible: string[][]) => member(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...plausible) }, { weight: 1, arbitrary: hugeArray }, { weight: 1, arbitrary: fc.array(anyJson, { maxLength: 3 }) }));

const extra = fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'toString', 'x', 'resource', 'issuer'), anyJson, { maxKeys: 2 });

function withExtra(record: Record<string, unknown>, more: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries({ ...more, ...record }).filter(([, value]) => value !== undefined));
}

const resourceDocument = fc
  .record({
    resource: member(url(['$BASE/mcp', '$BASE/mcp', '$BASE', '$BASE/', '$BASE/other', 'http://127.0.0.1:1/mcp', 'https://$HOST/mcp', '$BASE/mcp/'])),
    authorization_servers: member(fc.oneof({ weight: 6, arbitrary: fc.array(url(['$BASE', '$BASE', '$BASE/', '$BASE/other', '$BASE/tenant/a']), { minLength: 0, maxLength: 3 }) }, { weight: 1, arbitrary: hugeArray })),
    scopes_supported: stringList([['mcp'], ['mcp', 'offline_access'], [], ['a b', '"', '\\']]),
    dpop_signing_alg_values_supported: fc.option(member(fc.constantFrom(['ES256'], ['RS256'], [])), { nil: undefined, freq: 3 }),
    dpop_bound_access_tokens_required: fc.option(member(fc.boolean()), { nil: undefined, freq: 3 }),
    extra,
  })
  .map(({ extra: more, ...document }) => withExtra(document, more));

const serverDocument = fc
  .record({
    issuer: member(fc.constantFrom('$BASE', '$BASE', '$BASE', '$BASE/', '$BASE/other', 'https://evil.example', '$BASE/tenant/a', 'http://127.0.0.1:1')),
    token_endpoint: member(url(['$BASE/token', '$BASE/token', '$BASE/token?x=1', '$BASE/other/token', 'https://127.0.0.1:1/token'])),
    authorization_endpoint: member(url(['$BASE/authorize', '$BASE/authorize', '$BASE/authorize?tenant=a'])),
    registration_endpoint: member(url(['$BASE/register', '$BASE/register'])),
    code_challenge_methods_supported: stringList([['S256'], ['S256'], ['plain'], [], ['S256', 'plain']]),
    token_endpoint_auth_methods_supported: stringList([['client_secret_basic'], ['client_secret_post'], ['none'], ['private_key_jwt'], ['none', 'client_secret_basic'], []]),
    grant_types_supported: stringList([['authorization_code', 'refresh_token', 'client_credentials']]),
    scopes_supported: stringList([['mcp', 'offline_access'], ['mcp']]),
    dpop_signing_alg_values_supported: fc.option(member(fc.constantFrom(['ES256'], ['RS256'])), { nil: undefined, freq: 3 }),
    client_id_metadata_document_supported: fc.option(member(fc.boolean()), { nil: undefined, freq: 3 }),
    authorization_response_iss_parameter_supported: fc.option(member(fc.boolean()), { nil: undefined, freq: 2 }),
    extra,
  })
  .map(({ extra: more, ...document }) => withExtra(document, more));

const tokenString = fc.oneof({ weight: 8, arbitrary: fc.constant('$AT') }, { weight: 1, arbitrary: fc.constantFrom('', ' ', ' $AT ', '$AT b', '$AT-tök\u00e9n', '$AT\nbreak', '$AT\r\nx-injected: 1', '$AT\u0000y', '\u{1f600}$AT', '$AT\u007f') }, { weight: 1, arbitrary: fc.integer({ min: 20_000, max: 300_000 }).map((n) => `$AT${'x'.repeat(n)}`) });

const tokenAnswer = fc
  .record({
    access_token: member(tokenString),
    token_type: member(fc.constantFrom('Bearer', 'bearer', 'BEARER', 'DPoP', 'N_A', 'mac', '', 'Bearer ')),
    expires_in: fc.option(member(fc.constantFrom(3600, 0, 1, -1, -3600, 1e308, 2 ** 53, 0.5, '3600', '', 'never')), { nil: undefined, freq: 4 }),
    refresh_token: fc.option(member(fc.constantFrom('$RT', '$RT', '', { token: '$RT' }, ['$RT'])), { nil: undefined, freq: 2 }),
    scope: fc.option(member(fc.constantFrom('mcp', 'mcp offline_access', '', 'other')), { nil: undefined, freq: 3 }),
    extra,
  })
  .map(({ extra: more, ...document }) => withExtra(document, more));

const oauthError = fc.record({
  error: member(fc.constantFrom('invalid_grant', 'invalid_client', 'use_dpop_nonce', 'invalid_request', 'slow_down', '\u001b[2J', 'x'.repeat(5000))),
  error_description: fc.option(member(fc.constantFrom('no', 'line\nbreak', '\u202e reversed', 'y'.repeat(5000))), { nil: undefined }),
});

const registrationAnswer = fc
  .record({
    client_id: member(fc.constantFrom('client-1', 'client-1', '', 'x'.repeat(10_000), 'c\u0000d')),
    client_secret: fc.option(member(fc.constantFrom('$SECRET', '$SECRET', '')), { nil: undefined, freq: 2 }),
    token_endpoint_auth_method: fc.option(member(fc.constantFrom('none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth', '')), { nil: undefined, freq: 2 }),
    redirect_uris: fc.option(anyJson, { nil: undefined, freq: 4 }),
    extra,
  })
  .map(({ extra: more, ...document }) => withExtra(document, more));

const status = fc.oneof(
  { weight: 10, arbitrary: fc.constant(200) },
  { weight: 3, arbitrary: fc.constantFrom(201, 204, 301, 302, 307, 308, 400, 401, 403, 404, 405, 410, 429, 500, 502, 503) },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 599 }) },
);

const headers = fc
  .record(
    {
      'content-type': fc.constantFrom('application/json', 'application/json', 'application/json; charset=utf-8', 'text/html', 'application/jwt', ''),
      'cache-control': fc.constantFrom('max-age=3600', 'no-store', 'no-cache', 'max-age=0', 'max-age=abc', 'max-age=99999999999', 'private, max-age=5', 'max-age="60"'),
      age: fc.constantFrom('10', '-1', '99999999999', 'x'),
      location: url(['$BASE/elsewhere', '$BASE/token']),
      'retry-after': fc.constantFrom('1', '-1', 'soon'),
      'dpop-nonce': fc.constantFrom('n-1', '', 'x'.repeat(3000)),
    },
    { requiredKeys: ['content-type'] },
  )
  .map((record) => record as Record<string, string>);

const ending = fc.oneof({ weight: 14, arbitrary: fc.constant<Ending>('end') }, { weight: 1, arbitrary: fc.constantFrom<Ending>('cut', 'hang', 'endless', 'trickle') });

/** An answer carrying `document` (mostly), or something else altogether. */
function answer(document: fc.Arbitrary<unknown>): fc.Arbitrary<Answer> {
  const body: fc.Arbitrary<Answer['body']> = fc.oneof(
    { weight: 12, arbitrary: document.map((json) => ({ json })) },
    { weight: 2, arbitrary: anyJson.map((json) => ({ json })) },
    { weight: 1, arbitrary: fc.constantFrom('', 'not json', '{', '<html>', '\ufeff{}', 'null', '[]', '"str"', '1e400').map((text) => ({ text })) },
    // Past the client's bound of 1 MiB, declared or not, or a gzip body inflating past it.
    { weight: 1, arbitrary: fc.record({ huge: fc.constantFrom(900_000, 2_000_000, 8_000_000), declared: fc.boolean() }) },
    { weight: 1, arbitrary: fc.constantFrom(4_000_000, 64_000_000).map((gzipBomb) => ({ gzipBomb })) },
  );
  return fc.record({ status, headers, body, ending }).map((played) => shownAs(played, () => describeAnswer(played)));
}

function describeAnswer(played: Answer): string {
  const body = JSON.stringify(played.body, (_key, value) => (typeof value === 'string' ? excerpt(value) : Array.isArray(value) && value.length > 20 ? `[${value.length} items]` : value));
  return `{ status: ${played.status}, headers: ${JSON.stringify(played.headers, (_key, value) => (typeof value === 'string' ? excerpt(value) : value))}, body: ${body}, ending: '${played.ending}' }`;
}

/** An OAuth error document, under an error status. */
const refusal: fc.Arbitrary<Answer> = fc.record({ status: fc.constantFrom(400, 401, 403, 500), document: oauthError }).map(({ status: code, document }) =>
  shownAs({ status: code, headers: { 'content-type': 'application/json' }, body: { json: document }, ending: 'end' as Ending }, () => `refusal ${code} ${excerpt(JSON.stringify(document))}`),
);

/** Up to two generated answers of one endpoint, often none: the proper ones after them take the client further. */
const answers = (document: fc.Arbitrary<unknown>, refusals = false) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant<Answer[]>([]) },
    { weight: 2, arbitrary: fc.array(refusals ? fc.oneof({ weight: 4, arbitrary: answer(document) }, { weight: 1, arbitrary: refusal }) : answer(document), { minLength: 1, maxLength: 2 }) },
  );

/** A `WWW-Authenticate` parameter value as written: a token, a quoted string (escapes too), or broken. */
const paramValue = fc.oneof(
  fc.constantFrom('"$BASE/prm"', '$BASE/prm', '"$BASE/.well-known/oauth-protected-resource/mcp"', '"a\\"b"', '"unterminated', '""', '"\\\\"', '"a,b=c"', '"x\\'),
  url(['$BASE/prm', '$BASE/prm2', 'https://$HOST/prm', 'http://user:pass@$HOST/prm']).map((value) => `"${value.replace(/["\\]/g, '\\$&')}"`),
  fc.string({ maxLength: 12 }).map((value) => value.replace(/[^\x20-\x7e]/g, '')),
);

const param = fc.oneof(
  { weight: 4, arbitrary: paramValue.map((value) => `resource_metadata=${value}`) },
  { weight: 3, arbitrary: fc.constantFrom('error="invalid_token"', 'error="insufficient_scope"', 'error=use_dpop_nonce', 'error="invalid_request"', 'error=') },
  { weight: 3, arbitrary: fc.constantFrom('scope="mcp"', 'scope="mcp write"', 'scope=""', 'scope="a\\"b"', `scope="${'s '.repeat(2000)}"`, 'scope=mcp', 'scope') },
  { weight: 1, arbitrary: fc.constantFrom('realm="mcp"', 'RESOURCE_METADATA="$BASE/prm"', 'resource_metadata =  "$BASE/prm"', 'x==', '=', ',,,', 'token68abc==') },
);

/** A challenge: a scheme and its parameters, several challenges, or junk; up to 600 parameters. */
const challenge: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom('Bearer', 'Bearer', 'bearer', 'DPoP', 'Basic', 'Negotiate', ''), fc.array(param, { maxLength: 4 })).map(([scheme, params]) => `${scheme} ${params.join(', ')}`) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('Basic realm="x", Bearer resource_metadata="$BASE/prm"', 'Bearer resource_metadata="javascript:alert(1)", Bearer resource_metadata="$BASE/prm"', 'DPoP algs="ES256", Bearer error="invalid_token"') },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 600 }).map((n) => `Bearer ${Array.from({ length: n }, (_, i) => `p${i}="v${i}"`).join(', ')}, resource_metadata="$BASE/prm"`) },
  { weight: 1, arbitrary: fc.integer({ min: 4000, max: 60_000 }).map((n) => `Bearer resource_metadata="$BASE/${'q'.repeat(n)}"`) },
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 60 }) },
);

const resourceReply: fc.Arbitrary<ResourceReply> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ status: fc.constantFrom<401 | 403>(401, 401, 403), challenge }) },
  { weight: 1, arbitrary: fc.constantFrom<500 | 503>(500, 503).map((code) => ({ status: code })) },
  { weight: 2, arbitrary: fc.constant({ pass: true as const }) },
);

const redirect = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Redirect>('proper') },
  { weight: 3, arbitrary: fc.constantFrom<Redirect>('wrong-state', 'no-state', 'wrong-iss', 'no-iss', 'error', 'no-code', 'not-a-url', 'javascript', 'page', 'hang') },
);

/** The parts of a script: a case plays one or two of them, the others answering properly. */
const PARTS = ['resource', 'resourceMetadata', 'serverMetadata', 'registration', 'token', 'authorize'] as const;

const fullScript: fc.Arbitrary<OAuthScript> = fc.record({
  grant: fc.constantFrom<OAuthScript['grant']>('client_credentials', 'authorization_code'),
  resource: fc.array(resourceReply, { maxLength: 4 }),
  resourceMetadata: answers(resourceDocument),
  serverMetadata: answers(serverDocument),
  registration: answers(registrationAnswer, true),
  token: answers(tokenAnswer, true),
  authorize: fc.array(redirect, { maxLength: 2 }),
  lifetime: fc.constantFrom(3600, 1),
});

/**
 * A script hostile in one or two parts, so that most cases get past discovery to the answers
 * that follow it (a part broken at every step would end every case at the first).
 */
export const oauthScript: fc.Arbitrary<OAuthScript> = fc
  .tuple(fullScript, fc.uniqueArray(fc.constantFrom(...PARTS), { minLength: 1, maxLength: 2 }))
  .map(([script, hostile]) => {
    for (const part of PARTS) if (!hostile.includes(part)) script[part] = [];
    return script;
  });
