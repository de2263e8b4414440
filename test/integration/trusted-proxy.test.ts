/**
 * `mcp-core serve` behind a real reverse proxy (Debian's haproxy, `option forwardfor`): with
 * the proxy trusted (`http.trustProxy`), each client behind it has a quota of its own, by the
 * address X-Forwarded-For names; without it every client shares the proxy's. Clients connect
 * from loopback addresses of their own (127.0.1.x), the proxy from 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HAPROXY, HAPROXY_MISSING } from '../helpers/haproxy.ts';
import { modernCall } from '../helpers/ws.ts';
import { startServe, stopServe, type Served } from '../helpers/served.ts';

/** A modern echo POSTed to `url` from the local address `from`, with `headers`; its status. */
function echoFrom(url: string, from: string, headers: Record<string, string> = {}): Promise<number> {
  const body = JSON.stringify(modernCall(1, 'echo', { text: 'hi' }));
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      localAddress: from,
      agent: false,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'echo',
        ...headers,
      },
    });
    req.once('error', reject);
    req.once('response', (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode!));
    });
    req.end(body);
  });
}

/** HAProxy on a free port of 127.0.0.1 in front of `server`, adding X-Forwarded-For. */
async function startHaproxy(server: string): Promise<{ url: string; process: ChildProcess }> {
  const backend = new URL(server);
  for (let attempt = 1; ; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const file = join(mkdtempSync(join(tmpdir(), 'mcp-core-haproxy-')), 'haproxy.cfg');
    writeFileSync(
      file,
      [
        'defaults',
        '  mode http',
        '  timeout connect 5s',
        '  timeout client 30s',
        '  timeout server 30s',
        'frontend mcp',
        `  bind 127.0.0.1:${port}`,
        '  option forwardfor',
        '  default_backend mcp_core',
        'backend mcp_core',
        `  server one ${backend.hostname}:${backend.port}`,
        '',
      ].join('\n'),
    );
    const haproxy = spawn(HAPROXY!, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    haproxy.stdout!.on('data', (chunk) => (output += chunk));
    haproxy.stderr!.on('data', (chunk) => (output += chunk));
    const url = `http://127.0.0.1:${port}${backend.pathname}`;
    for (let tries = 0; tries < 100 && haproxy.exitCode === null; tries++) {
      const up = await echoFrom(url, '127.0.0.1').then(
        () => true,
        () => false,
      );
      if (up) return { url, process: haproxy };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    haproxy.kill('SIGKILL');
    if (attempt === 3) throw new Error(`haproxy did not start: ${output}`);
  }
}

async function stopHaproxy(haproxy: ChildProcess | undefined): Promise<void> {
  if (haproxy === undefined || haproxy.exitCode !== null) return;
  const exited = new Promise((resolve) => haproxy.once('exit', resolve));
  haproxy.kill('SIGTERM');
  await exited;
}

/** Three calls per client in a long window: the fourth is refused. */
const RATE_LIMIT = { MCP__RATELIMITS__PERCLIENT: '{"limit":3,"windowSeconds":600}' };

/** `mcp-core serve` with `env` and HAProxy in front of it, started before the suite's tests and stopped after. */
function servedBehindHaproxy(env: Record<string, string>): { served: Served; proxy: { url: string; process: ChildProcess } } {
  const both = {} as { served: Served; proxy: { url: string; process: ChildProcess } };
  before(async () => {
    both.served = await startServe(['--http', '127.0.0.1:0'], env);
    both.proxy = await startHaproxy(both.served.url);
  });
  after(async () => {
    await stopHaproxy(both.proxy?.process);
    if (both.served !== undefined) await stopServe(both.served);
  });
  return both;
}

describe('behind HAProxy (option forwardfor)', { skip: HAPROXY_MISSING }, () => {
  describe('with the proxy trusted (http.trustProxy)', () => {
    // The warm-up request of startHaproxy (from 127.0.0.1) counts against 127.0.0.1 only.
    const both = servedBehindHaproxy({ ...RATE_LIMIT, MCP__HTTP__TRUSTPROXY: '127.0.0.1' });

    it('each client behind the proxy has its own quota; what a client writes in X-Forwarded-For itself changes nothing', async () => {
      const { proxy } = both;
      for (let call = 1; call <= 3; call++) assert.equal(await echoFrom(proxy.url, '127.0.1.4'), 200);
      assert.equal(await echoFrom(proxy.url, '127.0.1.4'), 429);
      assert.equal(await echoFrom(proxy.url, '127.0.1.4', { 'x-forwarded-for': '127.0.1.200' }), 429, 'a client cannot name itself anew');
      assert.equal(await echoFrom(proxy.url, '127.0.1.5'), 200, 'another client behind the same proxy is served');
    });

    it('a client reaching the server directly is its own address, whatever X-Forwarded-For it sends', async () => {
      const { served, proxy } = both;
      for (let call = 1; call <= 3; call++) assert.equal(await echoFrom(served.url, '127.0.1.6', { 'x-forwarded-for': '127.0.1.7' }), 200);
      assert.equal(await echoFrom(served.url, '127.0.1.6', { 'x-forwarded-for': '127.0.1.8' }), 429);
      assert.equal(await echoFrom(proxy.url, '127.0.1.7'), 200, 'the address it named was not charged');
    });
  });

  describe('without http.trustProxy', () => {
    const both = servedBehindHaproxy(RATE_LIMIT);

    it("every client behind the proxy shares the proxy's quota", async () => {
      const { proxy } = both;
      // The warm-up took one of the proxy's three.
      for (let call = 2; call <= 3; call++) assert.equal(await echoFrom(proxy.url, '127.0.1.4'), 200);
      assert.equal(await echoFrom(proxy.url, '127.0.1.5'), 429);
    });
  });
});
