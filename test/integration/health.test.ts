/** /healthz and /readyz: outside MCP, outside its checks, answering for orchestrators. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Health } from '../../src/observability/health.ts';
import { McpServer } from '../../src/server/server.ts';
import { serveHttp } from '../../src/transport/http/node.ts';
import { callTool, MODERN_META, openSession, post } from '../helpers/http.ts';
import { startDemoHttp } from '../helpers/processes.ts';

describe('health endpoints', () => {
  it('mcp-core serve answers /healthz with a HealthStatus and /readyz with ready', async () => {
    const server = await startDemoHttp();
    try {
      const base = new URL(server.url);
      const tools = await post(server.url, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: MODERN_META } }, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' });
      const healthz = await fetch(new URL('/healthz', base));
      assert.equal(healthz.status, 200);
      assert.equal(healthz.headers.get('content-type'), 'application/json');
      const status = (await healthz.json()) as any;
      assert.deepEqual(Object.keys(status).sort(), ['connected_clients', 'status', 'tools_available', 'uptime_seconds', 'version']);
      assert.equal(status.status, 'ok');
      assert.equal(status.version, '0.1.0');
      assert.equal(status.tools_available, tools.json.result.tools.length);
      assert.equal(status.connected_clients, 0);
      assert.ok(Number.isInteger(status.uptime_seconds) && status.uptime_seconds >= 0);

      // A legacy session is a connected client; a stateless call is not.
      await callTool(server.url, 2, 'echo', { text: 'x' });
      await openSession(server.url);
      assert.equal(((await (await fetch(new URL('/healthz', base))).json()) as any).connected_clients, 1);

      const readyz = await fetch(new URL('/readyz', base));
      assert.equal(readyz.status, 200);
      assert.deepEqual(await readyz.json(), { status: 'ready', checks: {} });

      // Outside the MCP path's checks: a foreign Origin is no reason to refuse a probe.
      const foreign = await fetch(new URL('/healthz', base), { headers: { origin: 'https://evil.example' } });
      assert.equal(foreign.status, 200);
      const head = await fetch(new URL('/healthz', base), { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(await head.text(), '');
      const wrongMethod = await fetch(new URL('/readyz', base), { method: 'POST', body: '{}' });
      assert.equal(wrongMethod.status, 405);
      assert.equal(wrongMethod.headers.get('allow'), 'GET, HEAD');
      assert.equal((await fetch(new URL('/healthz/extra', base))).status, 404);
    } finally {
      await server.stop();
    }
  });

  it('readiness needs every check to pass in time, and draining wins over them', async () => {
    const server = new McpServer({ name: 'h', version: '2.0.0' });
    const health = new Health({ version: '2.0.0', connectedClients: () => 0, toolsAvailable: () => 0, checkTimeoutMs: 200 });
    const listener = await serveHttp(server, { port: 0, routes: health.routes() });
    const readyz = async () => {
      const response = await fetch(new URL('/readyz', listener.url));
      return { status: response.status, body: (await response.json()) as any };
    };
    try {
      let upstream = true;
      health.addReadinessCheck('upstream', () => upstream);
      assert.deepEqual(await readyz(), { status: 200, body: { status: 'ready', checks: { upstream: { ready: true } } } });
      upstream = false;
      assert.deepEqual(await readyz(), { status: 503, body: { status: 'unready', checks: { upstream: { ready: false } } } });
      upstream = true;
      health.addReadinessCheck('throws', () => {
        throw new Error('no route to upstream');
      });
      health.addReadinessCheck('hangs', () => new Promise<boolean>(() => {}));
      health.addReadinessCheck('detail', async () => ({ ready: true, detail: '3 of 3 upstreams' }));
      const mixed = await readyz();
      assert.equal(mixed.status, 503);
      assert.deepEqual(mixed.body.checks, {
        upstream: { ready: true },
        throws: { ready: false, detail: 'no route to upstream' },
        hangs: { ready: false, detail: 'no answer within 200 ms' },
        detail: { ready: true, detail: '3 of 3 upstreams' },
      });
      health.removeReadinessCheck('throws');
      health.removeReadinessCheck('hangs');
      assert.equal((await readyz()).status, 200);
      health.startDraining();
      assert.equal((await readyz()).body.status, 'draining');
      assert.equal((await readyz()).status, 503);
      const live = await fetch(new URL('/healthz', listener.url));
      assert.equal(live.status, 200, 'a draining server is still live');
      assert.equal(((await live.json()) as any).status, 'draining');
    } finally {
      await listener.close();
    }
  });

  it('a route that throws answers 500 and the server keeps serving', async () => {
    const server = new McpServer({ name: 'h', version: '1.0.0' });
    const listener = await serveHttp(server, {
      port: 0,
      routes: {
        '/broken': () => {
          throw new Error('route bug');
        },
      },
    });
    try {
      assert.equal((await fetch(new URL('/broken', listener.url))).status, 500);
      listener.handler.routes.set('/later', (_req, res) => res.end('added later'));
      assert.equal(await (await fetch(new URL('/later?x=1', listener.url))).text(), 'added later');
    } finally {
      await listener.close();
    }
  });
});
