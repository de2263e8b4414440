/**
 * The resource server against a broken or hostile authorization server, and against a client
 * flooding it with tokens, over real HTTP on 127.0.0.1: what it holds and what it sends the
 * authorization server stay bounded, and a good token is served again once the fault is over.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IntrospectionVerifier, JwtVerifier, ResourceServer } from '../../src/security/index.ts';
import type { HttpListener } from '../../src/transport/http/node.ts';
import { AuthorizationServer, type Answer } from '../helpers/authorization-server.ts';
import { call, challenge, configFile, protect, text } from '../helpers/auth-requests.ts';
import { JwksServer } from '../helpers/jwks-server.ts';
import { startServe, stopServe, type Served } from '../helpers/served.ts';

const RESOURCE = 'https://mcp.example.test/mcp';

/**
 * `tokens` sent `concurrency` at a time; the statuses they got, counted. `slowMs`: requests
 * answered after at least this long are counted as `slow`.
 */
async function flood(url: string, tokens: readonly string[], concurrency: number, slowMs = Infinity): Promise<Partial<Record<number | 'slow', number>>> {
  const statuses: Partial<Record<number | 'slow', number>> = {};
  const count = (key: number | 'slow') => (statuses[key] = (statuses[key] ?? 0) + 1);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tokens.length) {
        const started = Date.now();
        const response = await call(url, tokens[next++], 'whoami');
        count(response.status);
        if (Date.now() - started >= slowMs) count('slow');
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
      auth: { mode: 'introspection', resource: RESOURCE, authorizationServers: [as.base], introspection: { endpoint: `${as.base}/introspect`, clientId: 'mcp', clientSecret: 'introspection-secret', maxInFlight: 16, maxInFlightPerClient: 16 } },
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
    // One address may take them all here (maxInFlightPerClient 16); by default it would take a
    // quarter (auth-introspection-clients.test.ts).
    assert.ok(as.peakInFlight <= 16 && as.peakInFlight > 4, `${as.peakInFlight} introspections in flight at once`);
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

describe('an introspection endpoint that fails', () => {
  let as: AuthorizationServer;
  const made: HttpListener[] = [];
  const active = { active: true, sub: 'alice', aud: RESOURCE, scope: 'mcp', exp: Math.floor(Date.now() / 1000) + 600 };
  /** A resource server asking `endpoint` (default: the scripted one); `asked()`: the requests it sent. */
  const serve = async (options: { endpoint?: string; timeoutMs?: number; maxInFlight?: number } = {}) => {
    let asked = 0;
    const counted: typeof fetch = (input, init) => {
      asked++;
      return fetch(input, init);
    };
    const verifier = new IntrospectionVerifier({ endpoint: options.endpoint ?? `${as.base}/introspect`, clientId: 'mcp', clientSecret: 'secret', audience: RESOURCE, timeoutMs: options.timeoutMs, maxInFlight: options.maxInFlight, fetch: counted });
    const listener = await protect(new ResourceServer({ resource: RESOURCE, authorizationServers: [as.base], verifier }));
    made.push(listener);
    return { url: listener.url, asked: () => asked };
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  before(async () => {
    as = await new AuthorizationServer().start();
  });
  after(async () => {
    for (const listener of made) await listener.close();
    await as.close();
  });

  it('regression: while it fails (HTTP 500, no JSON, no answer in time, no connection), 1,000 requests, 50 at a time, with one token or each with its own, ask it about once per 5 s, not once per request, and are answered 503 at once; a token remembered before is served', async () => {
    const closed = await new AuthorizationServer().start();
    await closed.close();
    const faults: Array<[string, Answer | 'no connection']> = [
      ['HTTP 500', { kind: 'status', status: 500 }],
      ['no JSON', { kind: 'text', text: '<html>Bad Gateway</html>' }],
      ['no answer in time', { kind: 'late', ms: 10_000 }],
      ['no connection', 'no connection'],
    ];
    const timeoutMs = 1000;
    for (const [name, fault] of faults) {
      for (const distinct of [false, true]) {
        const shown = `${name}, ${distinct ? 'a token per request' : 'one token'}`;
        const down = fault === 'no connection';
        as.introspect = (token) => (token === 'remembered' ? { kind: 'json', body: active } : down ? { kind: 'json', body: active } : fault);
        const server = await serve({ timeoutMs, endpoint: down ? `${closed.base}/introspect` : undefined });
        if (!down) assert.equal(text(await call(server.url, 'remembered', 'whoami')), 'alice', shown);
        const before = server.asked();
        const started = Date.now();
        const tokens = Array.from({ length: 1000 }, (_, i) => (distinct ? `token-${i}-of-${name.replaceAll(' ', '-')}` : 'one-token'));
        const { slow = 0, ...statuses } = await flood(server.url, tokens, 50, timeoutMs);
        assert.deepEqual(statuses, { 503: 1000 }, shown);
        // The first requests, at most 50 of them with a token each, ask it at once; then one
        // every 5 s. Every request asked before: 57 with one token (those that came after the
        // last failure), 1,000 with distinct ones; each late one waiting out the timeout.
        const pauses = Math.floor((Date.now() - started) / 5000);
        const first = distinct ? 50 : 1;
        assert.ok(server.asked() - before <= first + pauses, `${server.asked() - before} introspections: ${shown}`);
        // The 50 sent first wait out the timeout (sharing one question, or asking each), then
        // one every 5 s; before, every one of the 1,000 did. (Room for a busy machine.)
        if (fault !== 'no connection' && fault.kind === 'late') assert.ok(slow <= 50 + pauses + 50, `${slow} requests waited the ${timeoutMs} ms timeout out: ${shown}`);
        if (!down) assert.equal(text(await call(server.url, 'remembered', 'whoami')), 'alice', shown);
      }
    }
  });

  it('regression: the pause ends on time alone, then one token asks whether it is back while the others wait; an answer to a question asked before the failure does not end it', async () => {
    const answers: Record<string, Answer> = {
      remembered: { kind: 'json', body: active },
      'asked-before': { kind: 'late', ms: 600, body: active },
      failing: { kind: 'status', status: 500 },
      probe: { kind: 'late', ms: 700, body: active },
    };
    as.introspect = (token) => answers[token] ?? { kind: 'json', body: active };
    const server = await serve({ timeoutMs: 2000 });
    assert.equal(text(await call(server.url, 'remembered', 'whoami')), 'alice');
    const askedBefore = call(server.url, 'asked-before', 'whoami');
    await sleep(100);
    assert.equal((await call(server.url, 'failing', 'whoami')).status, 503);
    const failedAt = Date.now();
    assert.equal(text(await askedBefore), 'alice');
    // Paused: a new token is not asked about, and is told when to come back.
    const asked = server.asked();
    const paused = await call(server.url, 'new-token', 'whoami');
    assert.equal(paused.status, 503);
    assert.equal(paused.headers.get('retry-after'), '5');
    assert.deepEqual(paused.json.error.data, { reason: 'unauthenticated', retryAfterMs: 5000 });
    assert.equal(text(await call(server.url, 'remembered', 'whoami')), 'alice');
    assert.equal(server.asked(), asked);
    await sleep(failedAt + 5100 - Date.now());
    // The pause is over: one token asks; the others meanwhile get 503 at once, unasked.
    const probe = call(server.url, 'probe', 'whoami');
    await sleep(200);
    const started = Date.now();
    const others = await Promise.all(Array.from({ length: 5 }, (_, i) => call(server.url, `waiting-${i}`, 'whoami')));
    assert.deepEqual(
      others.map((response) => response.status),
      [503, 503, 503, 503, 503],
    );
    assert.ok(Date.now() - started < 500, `the others were answered after ${Date.now() - started} ms`);
    assert.equal(server.asked(), asked + 1);
    assert.equal(text(await probe), 'alice');
    assert.equal(text(await call(server.url, 'waiting-0', 'whoami')), 'alice');
  });

  it('regression: an error status pauses every token when no token can cause it (5xx, 401, 408, 429, a redirect), not when one token may (400, 403, 404, 413, 422), nor does an inactive token or a full maxInFlight', async () => {
    const cases: Array<[string, Answer, boolean]> = [
      ...[500, 502, 503, 504, 401, 408, 429].map((status): [string, Answer, boolean] => [`HTTP ${status}`, { kind: 'status', status }, true]),
      ['a redirect', { kind: 'redirect' }, true],
      ...[400, 403, 404, 413, 422].map((status): [string, Answer, boolean] => [`HTTP ${status}`, { kind: 'status', status }, false]),
    ];
    // Both tokens come from one address: a failure pauses it, as it would everyone's once a
    // second address met one (auth-introspection-clients.test.ts).
    for (const [name, fault, pauses] of cases) {
      as.introspect = (token) => (token === 'culprit' ? fault : { kind: 'json', body: active });
      const server = await serve();
      assert.equal((await call(server.url, 'culprit', 'whoami')).status, 503, name);
      const asked = server.asked();
      const innocent = await call(server.url, 'innocent', 'whoami');
      if (pauses) {
        assert.equal(innocent.status, 503, `${name} pauses every token`);
        assert.equal(server.asked(), asked, name);
      } else {
        assert.equal(text(innocent), 'alice', `${name} may be the token's fault`);
      }
    }
    as.introspect = (token) => (token === 'culprit' ? { kind: 'json', body: { active: false } } : { kind: 'json', body: active });
    let server = await serve();
    assert.equal((await call(server.url, 'culprit', 'whoami')).status, 401);
    assert.equal(text(await call(server.url, 'innocent', 'whoami')), 'alice');
    as.introspect = (token) => (token === 'slow' ? { kind: 'late', ms: 300, body: active } : { kind: 'json', body: active });
    server = await serve({ maxInFlight: 1 });
    const slow = call(server.url, 'slow', 'whoami');
    await sleep(100);
    assert.equal((await call(server.url, 'crowded-out', 'whoami')).status, 503);
    assert.equal(text(await slow), 'alice');
    assert.equal(text(await call(server.url, 'innocent', 'whoami')), 'alice');
  });
});
