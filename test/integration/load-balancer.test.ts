/**
 * The scale-out example's HAProxy config (examples/scale-out/haproxy.cfg), run by Debian's
 * haproxy with only its ports changed, in front of two `mcp-core serve` processes sharing a real
 * redis-server. As in the compose deployment, HAProxy finds the instances by DNS: the name
 * `mcp-core` resolves (through a DNS server on 127.0.0.11, where Docker's is) to two loopback
 * addresses, each with an instance on the same port. A legacy session goes on whichever
 * instance each request reaches, its SSE stream passes through as it is written, and a modern
 * call is served.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DnsServer } from '../helpers/dns-server.ts';
import { HAPROXY, HAPROXY_MISSING } from '../helpers/haproxy.ts';
import { ROOT } from '../helpers/processes.ts';
import { parseMetrics, valueOf } from '../helpers/prometheus.ts';
import { REDIS_MISSING, RedisServer } from '../helpers/redis-server.ts';
import { eventually, inSession, modern, openLegacySession, sessionHeaders, streaming } from '../helpers/scale.ts';
import { startServe, stopServe, type Served } from '../helpers/served.ts';
import { freePort } from '../helpers/ports.ts';

const EXAMPLE = join(ROOT, 'examples/scale-out/haproxy.cfg');
/** The replicas' addresses, as a container platform's DNS gives them for the service's name. */
const REPLICAS = ['127.0.0.2', '127.0.0.3'];

/** Replaces `from` (which must occur exactly once) by `to`: the example changes shape, the test says so. */
function once(text: string, from: string, to: string): string {
  assert.equal(text.split(from).length, 2, `examples/scale-out/haproxy.cfg holds ${from} once`);
  return text.replace(from, to);
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Legacy tools/call requests an instance served, from its /metrics. */
async function legacyCalls(instance: Served): Promise<number> {
  const text = await (await fetch(new URL('/metrics', instance.url))).text();
  return valueOf(parseMetrics(text), 'mcp_requests_total', { method: 'tools/call', tool: 'echo', outcome: 'ok', era: 'legacy' });
}

describe('HAProxy with the example config in front of two instances on one Redis', { skip: REDIS_MISSING || HAPROXY_MISSING }, () => {
  let redis: RedisServer;
  let dns: DnsServer;
  let instances: Served[];
  let haproxy: ChildProcess;
  let haproxyOutput = '';
  let url: string;

  before(async () => {
    redis = await RedisServer.start();
    const env = { MCP__STORE__REDIS__URL: redis.url, MCP__METRICS__ENABLED: 'true' };
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const started = await Promise.allSettled(REPLICAS.map((address) => startServe(['--http', `${address}:${port}`], env)));
      const served = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      if (served.length === REPLICAS.length) {
        instances = served;
        break;
      }
      // The port was taken on one of the addresses meanwhile: another one.
      await Promise.all(served.map(stopServe));
      if (attempt === 3) throw (started.find((result) => result.status === 'rejected') as PromiseRejectedResult).reason;
    }
    dns = await DnsServer.start('127.0.0.11', { 'mcp-core': REPLICAS });
    const port = await freePort();
    let config = readFileSync(EXAMPLE, 'utf8');
    config = once(config, 'bind :8080', `bind :${port}`);
    config = once(config, 'nameserver dns 127.0.0.11:53', `nameserver dns 127.0.0.11:${dns.port}`);
    config = once(config, 'mcp-core:3000', `mcp-core:${new URL(instances[0].url).port}`);
    const file = join(mkdtempSync(join(tmpdir(), 'mcp-core-haproxy-')), 'haproxy.cfg');
    writeFileSync(file, config);
    // -db: in the foreground, stopped with the test. -n: the example's maxconn (20000) wants
    // twice as many open files as a test process may be allowed; the rest is the example's.
    haproxy = spawn(HAPROXY!, ['-db', '-n', '1000', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    haproxy.stdout!.on('data', (chunk) => (haproxyOutput += chunk));
    haproxy.stderr!.on('data', (chunk) => (haproxyOutput += chunk));
    url = `http://127.0.0.1:${port}/mcp`;
    await eventually('HAProxy to listen', async () => {
      if (haproxy.exitCode !== null) throw new Error(`haproxy exited: ${haproxyOutput}`);
      return (await listening(port)) ? true : undefined;
    });
    // Both instances found by DNS and passing their /readyz checks: calls reach each of them.
    await eventually('both instances to take calls through HAProxy', async () => {
      const answer = await modern(url, 1, 'tools/call', { name: 'echo', arguments: { text: 'warm-up' } });
      assert.equal(answer.status === 200 || answer.status === 503, true, answer.text);
      const counts = await Promise.all(instances.map((instance) => fetch(new URL('/metrics', instance.url)).then((r) => r.text())));
      const served = counts.map((text) => valueOf(parseMetrics(text), 'mcp_requests_total', { method: 'tools/call', tool: 'echo', outcome: 'ok', era: 'modern' }));
      return served.every((count) => count > 0) ? true : undefined;
    });
  });

  after(async () => {
    if (haproxy !== undefined && haproxy.exitCode === null) {
      const exited = new Promise((resolve) => haproxy.once('exit', resolve));
      haproxy.kill('SIGTERM');
      await exited;
    }
    await Promise.all((instances ?? []).map(stopServe));
    await dns?.close();
    await redis?.stop();
  });

  it('found the instances through DNS, as in the compose deployment', () => {
    assert.ok((dns.queries.get('mcp-core') ?? 0) > 0);
  });

  it('a legacy session goes on whichever instance each request reaches, and its SSE stream passes through', async () => {
    const before = await Promise.all(instances.map(legacyCalls));
    const sessionId = await openLegacySession(url);
    for (let id = 1; id <= 6; id++) {
      const answer = await inSession(url, sessionId, id, 'tools/call', { name: 'echo', arguments: { text: `call ${id}` } });
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.json.result.content[0].text, `call ${id}`);
    }
    const served = (await Promise.all(instances.map(legacyCalls))).map((count, i) => count - before[i]);
    assert.equal(served[0] + served[1], 6);
    assert.ok(served.every((count) => count > 0), `each instance served some of the session's calls: ${served.join(', ')}`);
    // Progress notifications arrive one by one on the call's SSE stream, then the result.
    const stream = await streaming(url, sessionId, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'sleep', arguments: { ms: 200 }, _meta: { progressToken: 'p' } } });
    const messages = await stream.rest();
    const result = messages.pop();
    assert.deepEqual(messages.map((message) => message.params.progress), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(result.result.content[0].text, 'slept 200 ms');
    // DELETE through HAProxy ends the session on both instances.
    const deleted = await fetch(url, { method: 'DELETE', headers: sessionHeaders(sessionId) });
    assert.equal(deleted.status, 200);
    for (const instance of instances) assert.equal((await inSession(instance.url, sessionId, 8, 'ping')).status, 404);
  });

  it('a modern (stateless) call is served', async () => {
    const answer = await modern(url, 1, 'tools/call', { name: 'add', arguments: { a: 2, b: 3 } });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json.result.structuredContent, { sum: 5 });
  });
});
