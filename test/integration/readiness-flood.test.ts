/**
 * GET /readyz under a flood of probes: the endpoint is outside authentication, and each probe
 * ran every readiness check (a database pinged, a gateway's upstreams looked over), so a
 * client probing in a loop ran them without end. Runs are now shared and budgeted
 * (readinessMaxAgeMs): a flood costs a bounded number of runs, counted by the check itself;
 * answers stay right; a check that fails shows once the budget allows a run, a required
 * upstream that dies likewise, and shutdown (draining) at the very next probe.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Health } from '../../src/observability/health.ts';
import { BURST } from '../../src/observability/shared-read.ts';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';
import { McpServer } from '../../src/server/server.ts';
import { serveHttp } from '../../src/transport/http/node.ts';
import { fixture, scratch, writeConfig } from '../helpers/gateway.ts';
import { MODERN_META } from '../helpers/http.ts';
import { from } from '../helpers/http-from.ts';
import { startServe, stopServe } from '../helpers/served.ts';

const MAX_AGE_MS = 2000;
const PROBES = 200;

interface Probe {
  status: number;
  body: { status: string; checks: Record<string, { ready: boolean; detail?: string }> };
}

/** One probe on a connection of its own. */
async function probe(url: string): Promise<Probe> {
  const response = await from('127.0.0.1', new URL('/readyz', url).href, { headers: { connection: 'close' } });
  return { status: response.status, body: response.json };
}

/** `count` probes at once; with the time they took. */
async function flood(url: string, count = PROBES): Promise<{ probes: Probe[]; elapsed: number }> {
  const started = Date.now();
  const probes = await Promise.all(Array.from({ length: count }, () => probe(url)));
  return { probes, elapsed: Date.now() - started };
}

/** Probes until `done` holds for an answer (each answer checked by `allowed` meanwhile). */
async function probeUntil(url: string, done: (answer: Probe) => boolean, allowed: (answer: Probe) => boolean): Promise<Probe> {
  for (;;) {
    const answer = await probe(url);
    if (done(answer)) return answer;
    assert.ok(allowed(answer), JSON.stringify(answer));
    await sleep(100);
  }
}

/** A sleep call of the demo, streaming: resolves once it reports progress (it is running; the first comes after a tenth of `ms`). */
function runningCall(url: string, ms: number): Promise<void> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'sleep', arguments: { ms }, _meta: { ...MODERN_META, progressToken: 'p' } } });
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'sleep' };
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (chunk.includes('notifications/progress')) resolve();
      });
      res.on('error', () => {});
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('a flood of readiness probes', () => {
  it(`regression: ${PROBES} concurrent probes run the checks a bounded number of times (each probe ran them), a failing check shows once the budget allows, draining at the next probe`, async () => {
    const server = new McpServer({ name: 'r', version: '1.0.0' });
    const health = new Health({ version: '1.0.0', connectedClients: () => 0, toolsAvailable: () => 0, readinessMaxAgeMs: MAX_AGE_MS });
    let runs = 0;
    let database = true;
    health.addReadinessCheck('database', async () => {
      runs++;
      await sleep(1);
      return { ready: database, detail: database ? 'pinged' : 'no answer' };
    });
    const listener = await serveHttp(server, { routes: health.routes() });
    try {
      const first = await flood(listener.url);
      for (const answer of first.probes) assert.deepEqual(answer, { status: 200, body: { status: 'ready', checks: { database: { ready: true, detail: 'pinged' } } } });
      const budget = BURST + 1 + Math.floor(first.elapsed / MAX_AGE_MS);
      assert.ok(runs >= 1 && runs <= budget, `${runs} runs for ${PROBES} probes in ${first.elapsed} ms (budget ${budget})`);

      // The flood spent the budget: the check failing shows once it allows a run.
      database = false;
      const unready = await probeUntil(
        listener.url,
        (answer) => answer.status === 503,
        (answer) => answer.status === 200,
      );
      assert.deepEqual(unready.body, { status: 'unready', checks: { database: { ready: false, detail: 'no answer' } } });

      database = true;
      await flood(listener.url);
      const before = runs;
      health.startDraining();
      const draining = await probe(listener.url);
      assert.equal(draining.status, 503, 'draining shows at the next probe, budget spent or not');
      assert.equal(draining.body.status, 'draining');
      assert.equal(runs, before, 'answered from the last run');
    } finally {
      await listener.close();
    }
  });

  it('mcp-core serve, a gateway: a flood of probes leaves /readyz right, unready once a required upstream dies, and draining at the next probe after SIGTERM', async () => {
    const dir = await scratch();
    const config = await writeConfig(dir, {
      mcpServers: { up: fixture([], { required: true, reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } }) },
      gateway: { watch: false },
    });
    const served = await startServe(['--config', config, '--http', '127.0.0.1:0'], { MCP__SERVER__SHUTDOWNDEADLINEMS: '120000' });
    try {
      const { url } = served;
      for (const answer of (await flood(url)).probes) assert.deepEqual(answer, { status: 200, body: { status: 'ready', checks: { upstreams: { ready: true } } } });

      // The required upstream exits (its restart is a minute away).
      const crash = await from('127.0.0.1', url, {
        body: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'up__crash', arguments: {}, _meta: MODERN_META } },
        headers: { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'up__crash' },
      });
      assert.equal(crash.status, 200);
      const unready = await probeUntil(
        url,
        (answer) => answer.status === 503,
        (answer) => answer.status === 200,
      );
      assert.deepEqual(unready.body, { status: 'unready', checks: { upstreams: { ready: false, detail: 'required upstreams not connected: up' } } });

      // A call in flight keeps the listener open while the server drains.
      await runningCall(url, 20_000);
      await flood(url);
      served.process.kill('SIGTERM');
      await served.stderrLine(/SIGTERM: shutting down/);
      const draining = await probe(url);
      assert.equal(draining.status, 503);
      assert.equal(draining.body.status, 'draining');
    } finally {
      await stopServe(served);
    }
  });
});
