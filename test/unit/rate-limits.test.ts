/** RateLimits through a real McpServer's pipeline and as an edge hook, counting in memory. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { McpServer } from '../../src/server/server.ts';
import { Refusal } from '../../src/security/edge.ts';
import { RateLimits } from '../../src/security/rate-limits.ts';
import { TestExchange } from '../helpers/exchange.ts';
import { timersStarted } from '../helpers/timers-started.ts';
import { MODERN_META } from '../helpers/http.ts';

function call(server: McpServer, name: string, auth?: { subject: string; scopes: string[] }) {
  const refusals: Refusal[] = [];
  const exchange = Object.assign(new TestExchange({ auth }), { refuse: (refusal: Refusal) => refusals.push(refusal) });
  const out = server.dispatch({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {}, _meta: MODERN_META } }, exchange);
  return { out, refusals };
}

describe('RateLimits in memory', () => {
  it('keeps a call within its limits synchronous, and refuses past them synchronously, per caller', () => {
    const server = new McpServer({ name: 't', version: '1' });
    server.tool('ping', {}, () => 'pong');
    new RateLimits({ tools: { ping: { limit: 2, windowSeconds: 60 } } }).install(server, { connections: false });
    const alice = { subject: 'alice', scopes: [] };
    for (let i = 0; i < 2; i++) {
      const { out } = call(server, 'ping', alice);
      assert.ok(!(out instanceof Promise), 'answered synchronously');
      assert.ok(out !== undefined && 'result' in out);
    }
    const { out, refusals } = call(server, 'ping', alice);
    assert.ok(!(out instanceof Promise));
    assert.equal((out as { error: { data: { reason: string } } }).error.data.reason, 'rate_limited');
    assert.equal(refusals[0].status, 429);
    assert.ok(Number(refusals[0].headers!['retry-after']) >= 59);
    assert.ok(out !== undefined && 'error' in out && (out.error.data as { retryAfterMs: number }).retryAfterMs > 59_000);
    assert.ok('result' in (call(server, 'ping', { subject: 'bob', scopes: [] }).out as object));
  });

  it('counts a shared limit for every caller together', () => {
    const server = new McpServer({ name: 't', version: '1' });
    server.tool('geocode', {}, () => 'here');
    new RateLimits({ tools: { geocode: { limit: 1, windowSeconds: 60, shared: true } } }).install(server, { connections: false });
    assert.ok('result' in (call(server, 'geocode', { subject: 'alice', scopes: [] }).out as object));
    assert.ok('error' in (call(server, 'geocode', { subject: 'bob', scopes: [] }).out as object));
  });

  it('limits each client at the edge by subject, else by address, synchronously', () => {
    const limits = new RateLimits({ perClient: { limit: 1, windowSeconds: 60 } });
    const edge = limits.edge((head) => (head.headers.authorization === 'Bearer a' ? { subject: 'a', scopes: [] } : undefined))!;
    const head = (authorization: string | undefined, remoteAddress: string) => ({ method: 'POST', path: '/mcp', headers: { authorization }, remoteAddress });
    assert.deepEqual(edge(head('Bearer a', '10.0.0.1')), { subject: 'a', scopes: [] });
    assert.ok(edge(head('Bearer a', '10.0.0.2')) instanceof Refusal, 'the same subject from elsewhere');
    assert.equal(edge(head(undefined, '10.0.0.1')), undefined);
    assert.ok(edge(head(undefined, '10.0.0.1')) instanceof Refusal);
    assert.equal(edge(head(undefined, '10.0.0.3')), undefined);
  });
  it('regression: counting a client starts no timer (one per client held its request for the window)', () => {
    const edge = new RateLimits({ perClient: { limit: 10, windowSeconds: 60 } }).edge(undefined)!;
    const started = timersStarted(() => {
      for (let i = 0; i < 1000; i++) assert.equal(edge({ method: 'POST', path: '/mcp', headers: {}, remoteAddress: `10.0.${i >> 8}.${i & 255}` }), undefined);
    });
    assert.equal(started, 0);
  });
});
