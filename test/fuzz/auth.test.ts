/**
 * Fuzzing the resource server (ResourceServer with JwtVerifier or IntrospectionVerifier, behind
 * serveHttp on 127.0.0.1) as an attacker would: Authorization headers of every shape, written
 * byte for byte on a socket (support/auth-cases.ts), against an authorization server whose key
 * set and introspection answers each case scripts (test/helpers/authorization-server.ts): proper,
 * junk keys, duplicate key ids, no key set, error statuses, redirects, huge, endless or late.
 *
 * Oracle: every request is answered promptly with the status RFC 6750 and the MCP authorization
 * spec give it (200, 400 `invalid_request`, 401 with or without `invalid_token`, 403
 * `insufficient_scope`, 503 with Retry-After when the authorization server cannot tell; 431 for
 * a header past node's limit), a refusal with its Bearer challenge naming the metadata and a
 * JSON-RPC error; a token is never 200 unless the authorization server vouches for it; no token
 * is echoed in an answer or in a reported error; the key set is fetched at most once per case
 * (jwksCooldownMs 30 s, a failed fetch paused), introspections are at most one per distinct
 * token, and one in all once the endpoint failed (paused for 5 s, longer than a case), but for
 * a 4xx one token may have caused (one per request); nothing is rejected unhandled; and after
 * each case a good token is served.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { McpServer } from '../../src/server/server.ts';
import { IntrospectionVerifier, JwtVerifier, ResourceServer } from '../../src/security/index.ts';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';
import { serveHttp, type HttpListener } from '../../src/transport/http/node.ts';
import { MODERN_META } from '../helpers/http.ts';
import {
  credentialOf,
  credentialPlan,
  faultAnswer,
  introspectionAnswer,
  introspectionBody,
  introspectionPauses,
  introspectionStatus,
  keySetPlan,
  makeKeys,
  RESOURCE,
  SCOPE,
  type Credential,
  type Keys,
  type KeySetPlan,
} from './support/auth-cases.ts';
import { AuthorizationServer } from '../helpers/authorization-server.ts';
import { rawPost, type RawAnswer } from './support/raw-request.ts';
import { fuzzParameters } from './support/runs.ts';

/**
 * The authorization server's answers are waited for this long: a late one (LATE_MS) is a
 * fault. Long enough that a proper answer is never late on a busy machine (300 ms were, once
 * in a few hundred cases), short enough for the few cases that wait it out.
 */
const TIMEOUT_MS = 1000;
/** A request is answered within this, however the authorization server behaves. */
const PROMPT_MS = TIMEOUT_MS + 4000;
const BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {}, _meta: MODERN_META } });
const HEADERS = ['Content-Type: application/json', 'Accept: application/json, text/event-stream', `MCP-Protocol-Version: ${MODERN_VERSION}`, 'Mcp-Method: tools/call', 'Mcp-Name: whoami'];
const ACTIVE = { active: true, sub: 'alice', aud: RESOURCE, scope: SCOPE };

describe('fuzz: the resource server against hostile clients and authorization servers', () => {
  let as: AuthorizationServer;
  let keys: Keys;
  let listener: HttpListener;
  /** The resource server of the case under way: each case starts with empty caches. */
  let current: ResourceServer;
  const reported: unknown[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  before(async () => {
    as = await new AuthorizationServer().start();
    keys = await makeKeys(as.base);
    const server = new McpServer({ name: 'protected', version: '1.0.0' });
    server.tool('whoami', { description: 'The caller' }, (_args, ctx) => String(ctx.auth?.subject));
    listener = await serveHttp(server, { port: 0, edge: (head) => current.edge(head) });
    process.on('unhandledRejection', onUnhandled);
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await listener.close();
    await as.close();
  });

  function jwtServer(cooldownMs = 30_000): ResourceServer {
    const verifier = new JwtVerifier({ jwksUrl: `${as.base}/jwks`, issuer: as.base, audience: RESOURCE, jwksTimeoutMs: TIMEOUT_MS, jwksCooldownMs: cooldownMs });
    return new ResourceServer({ resource: RESOURCE, authorizationServers: [as.base], verifier, requiredScopes: [SCOPE], onError: (error) => reported.push(error) });
  }

  function introspectionServer(): ResourceServer {
    const verifier = new IntrospectionVerifier({ endpoint: `${as.base}/introspect`, clientId: 'mcp', clientSecret: 'secret', audience: RESOURCE, timeoutMs: TIMEOUT_MS });
    return new ResourceServer({ resource: RESOURCE, authorizationServers: [as.base], verifier, requiredScopes: [SCOPE], onError: (error) => reported.push(error) });
  }

  async function send(credential: Credential): Promise<RawAnswer> {
    const started = Date.now();
    const answer = await rawPost(listener.url, [...HEADERS, ...credential.headers.map((value) => `Authorization: ${value}`)], BODY);
    assert.ok(Date.now() - started < PROMPT_MS, `answered after ${Date.now() - started} ms`);
    return answer;
  }

  /** The answer is one of `statuses`, and is what its status says it is. */
  function judge(answer: RawAnswer, statuses: readonly number[], credential: Credential, shown: string): void {
    const last = reported.at(-1) as (Error & { cause?: unknown }) | undefined;
    const why = answer.status === 503 && last !== undefined ? `\n  reported: ${last.message} (${String(last.cause)})` : '';
    assert.ok(statuses.includes(answer.status), `${answer.status} (expected ${statuses.join(' or ')}): ${answer.body.slice(0, 300)}${why}\n  ${shown}`);
    const secret = credential.token ?? '';
    if (secret.length >= 8) assert.ok(!answer.body.includes(secret) && !Object.values(answer.headers).some((value) => value.includes(secret)), `the token echoed: ${shown}`);
    if (answer.status === 200) return void assert.equal(JSON.parse(answer.body).result.content[0].text, 'alice', shown);
    if (answer.status === 431 || answer.status === 0) return;
    const error = JSON.parse(answer.body).error;
    assert.equal(error.code, -32000, shown);
    assert.equal(typeof error.message, 'string', shown);
    if (answer.status === 503) return void assert.match(answer.headers['retry-after'] ?? '', /^\d+$/, shown);
    const challenge = answer.headers['www-authenticate'] ?? '';
    assert.match(challenge, /^Bearer( |$)/, shown);
    assert.ok(challenge.includes('resource_metadata="https://mcp.example.test/.well-known/oauth-protected-resource/mcp"'), `${challenge}: ${shown}`);
    const code = /error="([a-z_]+)"/.exec(challenge)?.[1];
    const expected = answer.status === 400 ? 'invalid_request' : answer.status === 403 ? 'insufficient_scope' : credential.shape === 'missing' || credential.shape === 'odd' ? undefined : 'invalid_token';
    assert.equal(code, expected, `${challenge}: ${shown}`);
  }

  /** The statuses a credential's shape allows before any verifier looks at it, or undefined. */
  function shapeStatuses(credential: Credential): readonly number[] | undefined {
    switch (credential.shape) {
      case 'missing':
        return [401];
      case 'malformed':
        return [400];
      // Past node's header limit (16 KiB) first, else past the credential's.
      case 'huge':
        return [400, 431, 0];
      // No space after the scheme: not a Bearer credential (401, as none), or a malformed one.
      case 'odd':
        return [400, 401];
      case 'token':
        return undefined;
    }
  }

  /** A JWT's statuses for what the key set holds; `warm`: the good set was had before. */
  function jwtStatuses(credential: Credential, set: KeySetPlan, warm: boolean): readonly number[] {
    if (!credential.good) return set.holds === 'good' ? [401] : [401, 503];
    if (set.holds === 'good') return [200];
    if (set.holds === 'unavailable') return warm ? [200] : [503];
    return [200, 401, 503];
  }

  function assertNoTokenReported(tokens: readonly string[], shown: string): void {
    for (const error of reported.splice(0)) {
      const text = `${(error as Error)?.message} ${(error as Error)?.stack} ${String((error as { cause?: unknown })?.cause)}`;
      for (const token of tokens) if (token.length >= 8) assert.ok(!text.includes(token), `a reported error names the token: ${text.slice(0, 300)}\n  ${shown}`);
    }
    assert.deepEqual(unhandled.splice(0), [], `unhandled rejections: ${shown}`);
  }

  async function goodToken(): Promise<Credential> {
    return credentialOf(keys, { kind: 'token', token: { jwt: { header: { alg: 'ES256', kid: 'key-1', typ: 'at+jwt' }, claims: {}, signer: { by: 'good' }, good: true } }, wrap: 'plain', spaces: 1 });
  }

  it('JWT access tokens: every request gets its status, the key set is fetched at most once per case, a good token works after', async () => {
    await fc.assert(
      fc.asyncProperty(keySetPlan(keys), fc.array(credentialPlan, { minLength: 1, maxLength: 4 }), fc.boolean(), async (set, plans, warm) => {
        const credentials = await Promise.all(plans.map((plan) => credentialOf(keys, plan)));
        const shown = `key set ${JSON.stringify(set).slice(0, 400)}, warm ${warm}, headers ${JSON.stringify(credentials.map((c) => c.headers.map((h) => h.slice(0, 200))))}`;
        // Warm: the good set was fetched, then the endpoint turned; without a cooldown, a key
        // id the set lacks makes it be fetched again, from the hostile endpoint.
        current = jwtServer(warm ? 0 : 30_000);
        as.jwks = { kind: 'json', body: { keys: [keys.goodJwk] } };
        const known = await goodToken();
        if (warm) judge(await send(known), [200], known, shown);
        as.jwksFetches = 0;
        as.jwks = set.answer;
        for (const credential of credentials) judge(await send(credential), shapeStatuses(credential) ?? jwtStatuses(credential, set, warm), credential, shown);
        const fault = set.answer.kind !== 'json';
        assert.ok(as.jwksFetches <= (warm && !fault ? credentials.length : 1), `${as.jwksFetches} fetches of the key set: ${shown}`);
        if (warm) judge(await send(known), [200], known, `the token verified before, after ${shown}`);
        // A fresh verifier against a healthy endpoint serves a good token.
        as.jwks = { kind: 'json', body: { keys: [keys.goodJwk] } };
        current = jwtServer();
        judge(await send(await goodToken()), [200], known, `a good token after ${shown}`);
        assertNoTokenReported(credentials.flatMap((c) => (c.token === undefined ? [] : [c.token])), shown);
      }),
      fuzzParameters('resource server, JWT', 60, 0.1),
    );
  });

  it('introspection: every request gets its status from the answer, one introspection per token, a token verified before keeps working', async () => {
    const answers = fc.oneof({ weight: 3, arbitrary: introspectionBody.map(introspectionAnswer) }, { weight: 1, arbitrary: faultAnswer });
    await fc.assert(
      fc.asyncProperty(answers, fc.array(credentialPlan, { minLength: 1, maxLength: 4 }), async (answer, plans) => {
        const credentials = await Promise.all(plans.map((plan) => credentialOf(keys, plan)));
        const shown = `answer ${JSON.stringify(answer).slice(0, 400)}, headers ${JSON.stringify(credentials.map((c) => c.headers.map((h) => h.slice(0, 200))))}`;
        current = introspectionServer();
        const known = await credentialOf(keys, { kind: 'token', token: { text: 'verified-before-the-case' }, wrap: 'plain', spaces: 1 });
        as.introspect = (token) => (token === known.token ? { kind: 'json', body: ACTIVE } : answer);
        judge(await send(known), [200], known, shown);
        as.introspections = 0;
        const expected = introspectionStatus(answer);
        for (const credential of credentials) judge(await send(credential), shapeStatuses(credential) ?? [expected], credential, shown);
        // An answer is remembered; a failure pauses the questions, or, if the token may have
        // caused it, is not remembered (the next request asks again).
        const tokens = credentials.flatMap((c) => (c.token === undefined ? [] : [c.token]));
        const distinct = new Set(tokens);
        const bound = introspectionPauses(answer) ? Math.min(1, tokens.length) : expected === 503 ? tokens.length : distinct.size;
        assert.ok(as.introspections <= bound, `${as.introspections} introspections for ${tokens.length} requests with ${distinct.size} tokens: ${shown}`);
        judge(await send(known), [200], known, `the token verified before, after ${shown}`);
        assertNoTokenReported([...distinct], shown);
      }),
      fuzzParameters('resource server, introspection', 60, 0.1),
    );
  });
});
