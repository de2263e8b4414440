/**
 * `mcp-core serve` as an OAuth 2.1 resource server with JWT access tokens, against a real
 * JSON Web Key Set served over HTTP: protected resource metadata, the 401 challenge, good and
 * bad tokens (expired, another audience or issuer, unsigned, the wrong key), scopes (per
 * server, per tool, a hierarchy), sessions and requestState bound to their principal, the key
 * set fetched once and again on rotation, and 503 rather than 401 when it cannot be fetched;
 * a per-client rate limit counted per subject; a remembered token refused once it expires.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JwksServer } from '../helpers/jwks-server.ts';
import { startServe, stopServe, type Served } from '../helpers/served.ts';
import { bearer, call, challenge, configFile, initialize, legacyCall, modern, text } from '../helpers/auth-requests.ts';
import { post } from '../helpers/http.ts';
import { parseMetrics, valueOf } from '../helpers/prometheus.ts';

describe('mcp-core serve, auth.mode jwt', () => {
  let jwks: JwksServer;
  let served: Served;
  let url: string;
  let metadataUrl: string;
  const token = (subject: string, scope = 'mcp', extra: Parameters<JwksServer['token']>[0] = {}) => jwks.token({ audience: url, subject, scope, ...extra });

  before(async () => {
    jwks = await new JwksServer().start();
    const config = configFile({
      auth: {
        mode: 'jwt',
        jwt: { jwksUrl: jwks.jwksUrl, issuer: jwks.issuer, jwksCooldownMs: 0 },
        scopesSupported: ['mcp', 'math'],
        requiredScopes: ['mcp'],
        impliedScopes: { admin: ['mcp', 'math'] },
        toolScopes: { add: ['math'] },
      },
      metrics: { enabled: true },
    });
    served = await startServe(['--config', config, '--http', '127.0.0.1:0']);
    url = served.url;
    metadataUrl = `${new URL(url).origin}/.well-known/oauth-protected-resource/mcp`;
  });
  after(async () => {
    await stopServe(served);
    await jwks.close();
  });

  it('serves protected resource metadata at both well-known URLs, outside auth (RFC 9728)', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const response = await fetch(new URL(path, url));
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('access-control-allow-origin'), '*');
      assert.deepEqual(await response.json(), {
        resource: url,
        authorization_servers: [jwks.issuer],
        bearer_methods_supported: ['header'],
        scopes_supported: ['mcp', 'math'],
      });
    }
  });

  it('answers a request without a token 401 with resource_metadata and the scope to ask for', async () => {
    for (const init of [{ method: 'POST', body: '{}', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } }, { headers: { accept: 'text/event-stream', 'mcp-session-id': 'x' } }, { method: 'DELETE', headers: { 'mcp-session-id': 'x' } }]) {
      const response = await fetch(url, init);
      assert.equal(response.status, 401);
      assert.deepEqual(challenge(response.headers.get('www-authenticate')), { resource_metadata: metadataUrl, scope: 'mcp' });
      assert.deepEqual(await response.json(), { jsonrpc: '2.0', error: { code: -32000, message: 'Unauthorized: No access token' } });
    }
    // The challenge leads to the metadata.
    assert.equal((await fetch(metadataUrl)).status, 200);
  });

  it('serves a valid token, with its principal as ctx.auth', async () => {
    assert.equal(text(await call(url, await token('alice'), 'whoami')), 'alice');
  });

  it('refuses bad tokens with 401 invalid_token and a fixed description, never echoing the token', async () => {
    const cases: Array<[string, string, string]> = [
      ['expired', await token('alice', 'mcp', { expiresIn: -120 }), 'The access token expired'],
      ['another audience', await jwks.token({ audience: 'https://elsewhere.example.com/mcp', subject: 'alice', scope: 'mcp' }), 'The access token was not issued for this server'],
      ['another issuer', await token('alice', 'mcp', { issuer: 'https://evil.example.com' }), 'The access token was not issued by a trusted authorization server'],
      ['unsigned (alg none)', jwks.unsigned({ audience: url, scope: 'mcp' }), 'The access token is invalid'],
      ['signed with another key under a known key id', await token('alice', 'mcp', { foreignKid: 'key-1' }), 'The access token is invalid'],
      ['signed with a key the set does not hold', await token('alice', 'mcp', { foreignKid: 'unknown-key' }), 'The access token is invalid'],
      ['not a JWT', 'not-a-jwt', 'The access token is invalid'],
    ];
    for (const [what, bad, description] of cases) {
      const response = await call(url, bad, 'whoami');
      assert.equal(response.status, 401, what);
      assert.deepEqual(challenge(response.headers.get('www-authenticate')), { error: 'invalid_token', resource_metadata: metadataUrl, scope: 'mcp', error_description: description }, what);
      assert.equal(response.json.error.message, `Unauthorized: ${description}`, what);
      assert.ok(!response.text.includes(bad) && !(response.headers.get('www-authenticate') ?? '').includes(bad), what);
    }
    const malformed = await post(url, {}, { authorization: 'Bearer two words' });
    assert.equal(malformed.status, 400);
    assert.equal(challenge(malformed.headers.get('www-authenticate')).error, 'invalid_request');
  });

  it('refuses a token without the scopes every request needs: 403 insufficient_scope', async () => {
    const response = await call(url, await token('alice', 'other'), 'whoami');
    assert.equal(response.status, 403);
    assert.deepEqual(challenge(response.headers.get('www-authenticate')), {
      error: 'insufficient_scope',
      scope: 'other mcp',
      resource_metadata: metadataUrl,
      error_description: 'this server needs more scopes',
    });
  });

  it('hides a tool from callers without its scopes, and refuses its calls with 403 insufficient_scope for step-up', async () => {
    const plain = await token('alice', 'mcp');
    const listed = await modern(url, plain, 'tools/list');
    const names = listed.json.result.tools.map((tool: { name: string }) => tool.name);
    assert.ok(names.includes('echo') && !names.includes('add'), names.join());
    assert.equal(listed.json.result.cacheScope, 'private');
    const refused = await call(url, plain, 'add', { a: 1, b: 2 });
    assert.equal(refused.status, 403);
    assert.deepEqual(challenge(refused.headers.get('www-authenticate')), {
      error: 'insufficient_scope',
      scope: 'mcp math',
      resource_metadata: metadataUrl,
      error_description: 'tool add needs more scopes',
    });
    assert.deepEqual(refused.json.error, { code: -32000, message: 'Forbidden: tool add needs scope math', data: { reason: 'insufficient_scope', requiredScopes: ['math'] } });
    // Stepped up: the tool shows and answers.
    const stepped = await token('alice', 'mcp math');
    assert.ok((await modern(url, stepped, 'tools/list')).json.result.tools.some((tool: { name: string }) => tool.name === 'add'));
    assert.equal(text(await call(url, stepped, 'add', { a: 1, b: 2 })), '3');
  });

  it('applies the scope hierarchy: a broader scope grants the narrower ones', async () => {
    assert.equal(text(await call(url, await token('root', 'admin'), 'add', { a: 2, b: 2 })), '4');
  });

  it('refuses the same in a legacy session: the refusal keeps its 403 and challenge', async () => {
    const alice = await token('alice', 'mcp');
    const sessionId = await initialize(url, alice);
    const refused = await legacyCall(url, sessionId, alice, 'add', { a: 1, b: 2 });
    assert.equal(refused.status, 403);
    assert.equal(challenge(refused.headers.get('www-authenticate')).error, 'insufficient_scope');
    assert.equal(refused.json.error.data.reason, 'insufficient_scope');
  });

  it("refuses GET, DELETE and POST on a session to another principal (404), and serves its owner's new token", async () => {
    const sessionId = await initialize(url, await token('alice'));
    const mallory = await token('mallory');
    assert.equal((await legacyCall(url, sessionId, mallory, 'whoami')).status, 404);
    const got = await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId, ...bearer(mallory) } });
    assert.equal(got.status, 404);
    await got.body?.cancel();
    const deleted = await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': sessionId, ...bearer(mallory) } });
    assert.equal(deleted.status, 404);
    // A refreshed token of the same subject still reaches it.
    const renewed = await token('alice');
    assert.equal(text(await legacyCall(url, sessionId, renewed, 'whoami', {}, 2)), 'alice');
    assert.equal((await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': sessionId, ...bearer(renewed) } })).status, 200);
  });

  it("refuses another principal's requestState (a multi round-trip call cannot be taken over)", async () => {
    const elicits = { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };
    const first = await modern(url, await token('alice'), 'tools/call', { name: 'ask', arguments: { question: 'Ready?' }, _meta: elicits });
    assert.equal(first.json.result.resultType, 'input_required', first.text);
    const { requestState, inputRequests } = first.json.result;
    const [key] = Object.keys(inputRequests);
    const retry = (as: string) =>
      modern(url, as, 'tools/call', { name: 'ask', arguments: { question: 'Ready?' }, requestState, inputResponses: { [key]: { action: 'accept', content: { answer: 'yes' } } }, _meta: elicits });
    const stolen = await retry(await token('mallory'));
    assert.equal(stolen.json.error?.code, -32602, stolen.text);
    assert.match(stolen.json.error.message, /^Invalid requestState/);
    assert.equal(text(await retry(await token('alice'))), 'yes');
  });

  it('counts auth refusals on /metrics by reason (unauthenticated, forbidden)', async () => {
    const refusals = async (reason: string) => valueOf(parseMetrics(await (await fetch(new URL('/metrics', url))).text()), 'mcp_refusals_total', { reason });
    const [unauthenticated, forbidden] = [await refusals('unauthenticated'), await refusals('forbidden')];
    assert.equal((await call(url, undefined, 'whoami')).status, 401);
    assert.equal((await call(url, await token('alice', 'mcp', { expiresIn: -120 }), 'whoami')).status, 401);
    assert.equal((await call(url, 'not-a-jwt', 'whoami')).status, 401);
    assert.equal((await call(url, await token('alice', 'other'), 'whoami')).status, 403);
    assert.equal((await call(url, await token('alice', 'mcp'), 'add', { a: 1, b: 1 })).status, 403);
    assert.equal(await refusals('unauthenticated'), unauthenticated + 3);
    assert.equal(await refusals('forbidden'), forbidden + 2);
  });

  it('fetches the key set once for many tokens, and again for a rotated key', async () => {
    const before = jwks.fetches;
    for (let i = 0; i < 5; i++) assert.equal(text(await call(url, await token(`user-${i}`), 'whoami')), `user-${i}`);
    assert.equal(jwks.fetches, before);
    await jwks.addKey('key-2');
    assert.equal(text(await call(url, await token('rotated', 'mcp', { kid: 'key-2' }), 'whoami')), 'rotated');
    assert.equal(jwks.fetches, before + 1);
  });

  it('answers 503 with Retry-After, not 401, while the key set cannot be fetched; a token verified before still works', async () => {
    const known = await token('alice');
    assert.equal(text(await call(url, known, 'whoami')), 'alice');
    jwks.failWith = 500;
    try {
      await jwks.addKey('key-3');
      const response = await call(url, await token('bob', 'mcp', { kid: 'key-3' }), 'whoami');
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '5');
      assert.equal(text(await call(url, known, 'whoami')), 'alice');
    } finally {
      jwks.failWith = undefined;
    }
    // Reported to the operator.
    await served.stderrLine(/access token verification/);
  });
});

/** `mcp-core serve` with `config` (given the key set the test serves), for the describe block it is called in. */
function servedWithKeySet(config: (jwks: JwksServer) => Record<string, unknown>): { jwks: JwksServer; url: string } {
  const state = {} as { jwks: JwksServer; url: string; served: Served };
  before(async () => {
    state.jwks = await new JwksServer().start();
    state.served = await startServe(['--config', configFile(config(state.jwks)), '--http', '127.0.0.1:0']);
    state.url = state.served.url;
  });
  after(async () => {
    await stopServe(state.served);
    await state.jwks.close();
  });
  return state;
}

describe('mcp-core serve, auth.mode jwt with a per-client rate limit', () => {
  const served = servedWithKeySet((jwks) => ({
    // No token remembered: every request waits for its signature's check, so the limit counts after an edge decision that is a promise.
    auth: { mode: 'jwt', jwt: { jwksUrl: jwks.jwksUrl, issuer: jwks.issuer }, tokenCache: { maxEntries: 0 } },
    rateLimits: { perClient: { limit: 3, windowSeconds: 60 } },
  }));
  const token = (subject: string, extra: Parameters<JwksServer['token']>[0] = {}) => served.jwks.token({ audience: served.url, subject, scope: 'mcp', ...extra });

  it('counts requests per token subject once the token is verified: 429 with Retry-After past the limit, other subjects and bad tokens apart', async () => {
    const url = served.url;
    const alice = await token('alice');
    for (let i = 0; i < 3; i++) assert.equal(text(await call(url, alice, 'whoami')), 'alice');
    const limited = await call(url, await token('alice'), 'whoami');
    assert.equal(limited.status, 429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.equal(limited.json.error.data.reason, 'rate_limited');
    // Another subject from the same address has its own count.
    assert.equal(text(await call(url, await token('bob'), 'whoami')), 'bob');
    // A token refused at verification is 401, counted against nobody.
    const expired = await token('bob', { expiresIn: -120 });
    for (let i = 0; i < 3; i++) assert.equal((await call(url, expired, 'whoami')).status, 401);
    assert.equal(text(await call(url, await token('bob'), 'whoami')), 'bob');
    assert.equal(text(await call(url, await token('bob'), 'whoami')), 'bob');
    assert.equal((await call(url, await token('bob'), 'whoami')).status, 429);
  });
});

describe('mcp-core serve, auth.mode jwt: a remembered token', () => {
  const served = servedWithKeySet((jwks) => ({ auth: { mode: 'jwt', jwt: { jwksUrl: jwks.jwksUrl, issuer: jwks.issuer, clockToleranceSec: 0 }, tokenCache: { maxAgeMs: 60_000 } } }));

  it('is refused once it expires, though remembered for longer', async () => {
    const url = served.url;
    const token = await served.jwks.token({ audience: url, subject: 'alice', scope: 'mcp', expiresIn: 2 });
    const { exp } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { exp: number };
    assert.equal(text(await call(url, token, 'whoami')), 'alice');
    assert.equal(text(await call(url, token, 'whoami')), 'alice', 'served again, from what was remembered');
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 + 100 - Date.now()));
    const expired = await call(url, token, 'whoami');
    assert.equal(expired.status, 401);
    assert.equal(challenge(expired.headers.get('www-authenticate')).error_description, 'The access token expired');
  });
});
