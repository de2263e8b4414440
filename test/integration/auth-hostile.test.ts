/**
 * The resource server against a broken or hostile authorization server, and against a client
 * flooding it with tokens, over real HTTP on 127.0.0.1: what it holds and what it sends the
 * authorization server stay bounded, and a good token is served again once the fault is over.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { McpServer } from '../../src/server/server.ts';
import { JwtVerifier, ResourceServer } from '../../src/security/index.ts';
import { serveHttp, type HttpListener } from '../../src/transport/http/node.ts';
import { AuthorizationServer } from '../helpers/authorization-server.ts';
import { call, challenge, configFile, text } from '../helpers/auth-requests.ts';
import { JwksServer } from '../helpers/jwks-server.ts';
import { startServe, stopServe, type Served } from '../helpers/served.ts';

const RESOURCE = 'https://mcp.example.test/mcp';

/** An MCP server whose `whoami` names the caller, behind `auth`'s edge on 127.0.0.1. */
async function protect(auth: ResourceServer): Promise<HttpListener> {
  const server = new McpServer({ name: 'protected', version: '1.0.0' });
  server.tool('whoami', { description: 'The caller' }, (_args, ctx) => String(ctx.auth?.subject));
  return serveHttp(server, { port: 0, edge: auth.edge });
}

/** `tokens` sent `concurrency` at a time; the statuses they got, counted. */
async function flood(url: string, tokens: readonly string[], concurrency: number): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tokens.length) {
        const response = await call(url, tokens[next++], 'whoami');
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      }
    }),
  );
  return statuses;
}

describe('the key set of a hostile or failing authorization server', () => {
  let jwks: JwksServer;
  const made: HttpListener[] = [];
  const serve = async (options: { cooldownMs?: number; jwksUrl?: string; timeoutMs?: number } = {}) => {
    const verifier = new JwtVerifier({ jwksUrl: options.jwksUrl ?? jwks.jwksUrl, issuer: jwks.issuer, audience: RESOURCE, jwksCooldownMs: options.cooldownMs, jwksTimeoutMs: options.timeoutMs });
    const listener = await protect(new ResourceServer({ resource: RESOURCE, authorizationServers: [jwks.issuer], verifier }));
    made.push(listener);
    return listener.url;
  };
  const madeUpKids = (count: number) => Promise.all(Array.from({ length: count }, (_, i) => jwks.token({ audience: RESOURCE, foreignKid: `made-up-${i}-${Math.random()}` })));

  before(async () => {
    jwks = await new JwksServer().start();
  });
  after(async () => {
    for (const listener of made) await listener.close();
    await jwks.close();
  });

  it('1,000 tokens with made-up key ids cost no fetch of a healthy key set within the cooldown', async () => {
    const url = await serve();
    assert.equal(text(await call(url, await jwks.token({ audience: RESOURCE }), 'whoami')), 'alice');
    const before = jwks.fetches;
    assert.deepEqual(await flood(url, await madeUpKids(1000), 50), { 401: 1000 });
    assert.equal(jwks.fetches, before);
  });

  it('regression: while the key set cannot be fetched, 1,000 requests with made-up key ids make one fetch, not one per request; served again once it is back', async () => {
    const tokens = await madeUpKids(1000);
    const good = await jwks.token({ audience: RESOURCE });
    jwks.failWith = 500;
    try {
      // No key set yet: every request needs one.
      const cold = await serve();
      let before = jwks.fetches;
      let started = Date.now();
      assert.deepEqual(await flood(cold, tokens, 50), { 503: 1000 });
      // One fetch, then one per 5 s of failure (on a loaded machine the flood may take longer).
      const pauses = () => 1 + Math.floor((Date.now() - started) / 5000);
      assert.ok(jwks.fetches - before <= pauses(), `${jwks.fetches - before} fetches of the key set while it fails, with no set yet`);
      // A set in hand, and no cooldown: every made-up key id would fetch it again.
      jwks.failWith = undefined;
      const warm = await serve({ cooldownMs: 0 });
      assert.equal(text(await call(warm, good, 'whoami')), 'alice');
      jwks.failWith = 500;
      before = jwks.fetches;
      started = Date.now();
      assert.deepEqual(await flood(warm, tokens, 50), { 503: 1000 });
      assert.ok(jwks.fetches - before <= pauses(), `${jwks.fetches - before} fetches of the key set while it fails, with a set in hand`);
      // The key set's keys still serve the tokens they signed, new ones included.
      assert.equal(text(await call(warm, await jwks.token({ audience: RESOURCE, subject: 'bob' }), 'whoami')), 'bob');
      // A failure is not asked again for 5 s (the Retry-After the 503 tells clients), then the
      // key set is fetched again, and its tokens served.
      const cool = await serve();
      assert.equal((await call(cool, good, 'whoami')).status, 503);
      jwks.failWith = undefined;
      const refused = await call(cool, good, 'whoami');
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '5');
      await new Promise((resolve) => setTimeout(resolve, 5100));
      assert.equal(text(await call(cool, good, 'whoami')), 'alice');
    } finally {
      jwks.failWith = undefined;
    }
  });

  it('regression: a key set body without end is read up to 1 MiB, not for as long as the timeout allows (503 at once)', async () => {
    const as = await new AuthorizationServer().start();
    try {
      as.jwks = { kind: 'flood' };
      const url = await serve({ jwksUrl: `${as.base}/jwks`, timeoutMs: 5000 });
      const started = Date.now();
      const response = await call(url, await jwks.token({ audience: RESOURCE }), 'whoami');
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '5');
      // It was waited for 5 s and read whole meanwhile: about a gigabyte in memory.
      assert.ok(Date.now() - started < 2000, `answered after ${Date.now() - started} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.ok(as.sent < 32 * 1024 * 1024, `${as.sent} bytes of the key set sent`);
    } finally {
      await as.close();
    }
  });
});

describe('mcp-core serve, auth.mode introspection, against a flood of tokens and a broken endpoint', () => {
  let as: AuthorizationServer;
  let served: Served | undefined;
  const active = { active: true, sub: 'alice', aud: RESOURCE, scope: 'mcp', exp: Math.floor(Date.now() / 1000) + 600 };

  before(async () => {
    as = await new AuthorizationServer().start();
    const config = configFile({
      auth: { mode: 'introspection', resource: RESOURCE, authorizationServers: [as.base], introspection: { endpoint: `${as.base}/introspect`, clientId: 'mcp', clientSecret: 'introspection-secret', maxInFlight: 16 } },
    });
    served = await startServe(['--config', config, '--http', '127.0.0.1:0']);
  });
  after(async () => {
    if (served !== undefined) await stopServe(served);
    await as.close();
  });

  it('regression: 300 distinct tokens at once against a slow endpoint hold at most introspection.maxInFlight requests to it; the rest get 503, a known token is served', async () => {
    as.introspect = (token) => (token === 'known-token' ? { kind: 'json', body: active } : { kind: 'late', ms: 1000 });
    assert.equal(text(await call(served!.url, 'known-token', 'whoami')), 'alice');
    as.peakInFlight = 0;
    const tokens = Array.from({ length: 300 }, (_, i) => `made-up-token-${i}`);
    const [statuses, known] = await Promise.all([flood(served!.url, tokens, 300), call(served!.url, 'known-token', 'whoami', {}, 2)]);
    assert.equal(text(known), 'alice');
    assert.ok(as.peakInFlight <= 16, `${as.peakInFlight} introspections in flight at once`);
    // Those that were asked about are inactive (the late answer); the others could not be asked.
    assert.equal((statuses[401] ?? 0) + (statuses[503] ?? 0), 300, JSON.stringify(statuses));
    assert.ok((statuses[503] ?? 0) > 0, JSON.stringify(statuses));
    await served!.stderrLine(/introspections are in flight already/);
  });

  it('regression: an answer whose exp or nbf is not a number (a string, null, a list, 1e400) is refused 401, not taken for a token that never expires', async () => {
    const answers: Array<[string, string]> = [
      ['exp-string', JSON.stringify({ ...active, exp: '0' })],
      ['exp-string-future', JSON.stringify({ ...active, exp: String(active.exp) })],
      ['exp-null', JSON.stringify({ ...active, exp: null })],
      ['exp-list', JSON.stringify({ ...active, exp: [active.exp] })],
      ['exp-infinite', JSON.stringify(active).replace(/"exp":\d+/, '"exp":1e400')],
      ['nbf-string', JSON.stringify({ ...active, nbf: '0' })],
    ];
    const byToken = new Map(answers);
    as.introspect = (token) => ({ kind: 'text', text: byToken.get(token) ?? '{"active":false}' });
    for (const [token] of answers) {
      const response = await call(served!.url, token, 'whoami');
      assert.equal(response.status, 401, token);
      assert.equal(challenge(response.headers.get('www-authenticate')).error_description, 'The access token is invalid', token);
    }
  });
});
