/**
 * The introspecting resource server shared among clients, over real HTTP on 127.0.0.1 with the
 * clients at distinct loopback addresses: one client's tokens (one crafted to make the
 * introspection endpoint time out, or a flood of made-up ones) cannot shut another client's new
 * token out, while an endpoint that is really down is still asked only now and then.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';
import { IntrospectionVerifier, ResourceServer } from '../../src/security/index.ts';
import type { HttpListener } from '../../src/transport/http/node.ts';
import { protect } from '../helpers/auth-requests.ts';
import { AuthorizationServer, type Answer } from '../helpers/authorization-server.ts';
import { from, type FromResponse } from '../helpers/http-from.ts';
import { MODERN_META } from '../helpers/http.ts';

const RESOURCE = 'https://mcp.example.test/mcp';
const ATTACKER = '127.0.0.2';
const OTHER = '127.0.0.3';

/** A modern `whoami` call with `token`, from `address`. */
function whoami(address: string, url: string, token: string): Promise<FromResponse> {
  return from(address, url, {
    headers: { authorization: `Bearer ${token}`, 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'whoami' },
    body: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {}, _meta: MODERN_META } },
  });
}

function subject(response: FromResponse): string {
  assert.equal(response.status, 200, response.text);
  return response.json.result.content[0].text;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('introspection shared among clients', () => {
  let as: AuthorizationServer;
  const made: HttpListener[] = [];
  const active = { active: true, sub: 'alice', aud: RESOURCE, scope: 'mcp', exp: Math.floor(Date.now() / 1000) + 600 };
  /** A resource server behind the scripted endpoint; `asked()`: the introspections it sent. */
  const serve = async (options: { timeoutMs?: number; maxInFlight?: number } = {}) => {
    let asked = 0;
    const counted: typeof fetch = (input, init) => {
      asked++;
      return fetch(input, init);
    };
    const verifier = new IntrospectionVerifier({ endpoint: `${as.base}/introspect`, clientId: 'mcp', clientSecret: 'secret', audience: RESOURCE, fetch: counted, ...options });
    const listener = await protect(new ResourceServer({ resource: RESOURCE, authorizationServers: [as.base], verifier }));
    made.push(listener);
    return { url: listener.url, asked: () => asked };
  };

  before(async () => {
    as = await new AuthorizationServer().start();
  });
  after(async () => {
    for (const listener of made) await listener.close();
    await as.close();
  });

  it('regression: a token that makes the endpoint time out, sent again and again from one address (alone and beside made-up ones), does not stop fresh valid tokens from another address from being accepted', async () => {
    as.introspect = (token) => (token.startsWith('slow') ? { kind: 'late', ms: 10_000, body: active } : { kind: 'json', body: active });
    // A timeout long enough that a valid token's quick answer never misses it on a busy machine.
    const server = await serve({ timeoutMs: 1000 });
    let attacking = true;
    const attacker = Array.from({ length: 4 }, async (_, lane) => {
      const statuses = new Set<number>();
      for (let i = 0; attacking; i++) {
        const response = await whoami(ATTACKER, server.url, lane === 0 ? 'slow-token' : `slow-${lane}-${i}`);
        statuses.add(response.status);
        // One lane retries at once; the others as a client told Retry-After would not.
        if (lane !== 0) await sleep(50);
      }
      return statuses;
    });
    // Spans the attacker's first timeout and more than one 5 s pause after it.
    const started = Date.now();
    const refused: string[] = [];
    for (let i = 0; Date.now() - started < 7500; i++) {
      const response = await whoami(OTHER, server.url, `fresh-${i}`);
      if (response.status !== 200) refused.push(`fresh-${i} at ${Date.now() - started} ms: ${response.status}`);
      else assert.equal(subject(response), 'alice');
      await sleep(250);
    }
    attacking = false;
    const seen = await Promise.all(attacker);
    assert.deepEqual(refused, [], 'the other address was refused');
    // The attacker's own tokens were refused 503 (timed out, or paused for it alone).
    for (const statuses of seen) assert.deepEqual([...statuses], [503]);
  });

  it('an endpoint that is down (HTTP 500, no answer in time) is asked about once per 5 s or so, not once per request, when 1,000 requests and more, 50 at a time for 6 s, come from five addresses with a token each', async () => {
    const addresses = ['127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7', '127.0.0.8'];
    const faults: Array<[string, Answer]> = [
      ['HTTP 500', { kind: 'status', status: 500 }],
      ['no answer in time', { kind: 'late', ms: 10_000 }],
    ];
    for (const [name, fault] of faults) {
      as.introspect = () => fault;
      const server = await serve({ timeoutMs: 1000 });
      const statuses: Record<number, number> = {};
      let sent = 0;
      const started = Date.now();
      // Past the first pause, so that probes are asked too.
      await Promise.all(
        Array.from({ length: 50 }, async (_, lane) => {
          while (sent < 1000 || Date.now() - started < 6000) {
            const response = await whoami(addresses[lane % addresses.length], server.url, `${name.replaceAll(' ', '-')}-${sent++}`);
            statuses[response.status] = (statuses[response.status] ?? 0) + 1;
            await sleep(5);
          }
        }),
      );
      assert.deepEqual(statuses, { 503: sent }, name);
      // The first 50 ask at once; then one question at a time: one every 5 s, or two when the
      // probe's client is the one whose failure began the pause (it renews nothing, and another
      // client's next request asks at once).
      const pauses = 1 + Math.floor((Date.now() - started) / 5000);
      assert.ok(server.asked() <= 50 + 2 * pauses, `${server.asked()} introspections for ${sent} requests in ${Date.now() - started} ms: ${name}`);
    }
  });

  it('regression: once two addresses began a pause, one of them sending its slow token again and again (and so being the probe) cannot keep it going: another address is served again within two pauses', async () => {
    as.introspect = (token) => (token.startsWith('slow') ? { kind: 'late', ms: 10_000, body: active } : { kind: 'json', body: active });
    const server = await serve({ timeoutMs: 1000 });
    const started = Date.now();
    // Two addresses meet a failure within 5 s: everyone is paused.
    const [first, second] = await Promise.all([whoami(ATTACKER, server.url, 'slow-token'), whoami('127.0.0.9', server.url, 'slow-once')]);
    assert.deepEqual([first.status, second.status], [503, 503]);
    assert.equal((await whoami(OTHER, server.url, 'fresh-paused')).status, 503);
    let attacking = true;
    const attacker = (async () => {
      while (attacking) await whoami(ATTACKER, server.url, 'slow-token');
    })();
    const served: number[] = [];
    const refusedAfter: number[] = [];
    for (let i = 0; Date.now() - started < 15_500; i++) {
      const response = await whoami(OTHER, server.url, `fresh-${i}`);
      const at = Date.now() - started;
      if (response.status === 200) served.push(at);
      else if (served.length > 0) refusedAfter.push(at);
      await sleep(250);
    }
    attacking = false;
    await attacker;
    // Failures at 1 s (the timeout), the pause renewed at most once by the attacker's probe
    // (when the other address's failure was the later one: 7 s), its next probe renewing
    // nothing (13 s), then another address's token asks.
    assert.ok(served.length > 0 && served[0] < 14_500, `first served at ${served[0]} ms`);
    assert.deepEqual(refusedAfter, [], `refused after being served at ${served[0]} ms`);
  });

  it('regression: a flood of made-up tokens from one address, against a slow endpoint, takes at most its share of maxInFlight: fresh valid tokens from another address are accepted, not refused 503', async () => {
    as.introspect = (token) => (token.startsWith('fresh') ? { kind: 'json', body: active } : { kind: 'late', ms: 1500 });
    const server = await serve({ maxInFlight: 16 });
    as.peakInFlight = 0;
    const flood = Promise.all(Array.from({ length: 300 }, (_, i) => whoami(ATTACKER, server.url, `made-up-${i}`)));
    await sleep(300);
    const others = await Promise.all(Array.from({ length: 5 }, (_, i) => whoami(OTHER, server.url, `fresh-${i}`)));
    const flooded = await flood;
    assert.deepEqual(
      others.map((response) => response.status),
      [200, 200, 200, 200, 200],
    );
    for (const response of others) assert.equal(subject(response), 'alice');
    const statuses: Record<number, number> = {};
    for (const response of flooded) statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    // A quarter of the 16 each: the flood's few are asked (inactive: 401), the rest get 503.
    assert.equal((statuses[401] ?? 0) + (statuses[503] ?? 0), 300, JSON.stringify(statuses));
    assert.ok((statuses[401] ?? 0) <= 4, JSON.stringify(statuses));
    assert.ok(as.peakInFlight <= 4 + 5, `${as.peakInFlight} introspections in flight at once`);
  });
});
