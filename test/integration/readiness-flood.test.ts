/**
 * GET /readyz under a flood of probes: the endpoint is outside authentication, and each probe
 * ran every readiness check (a database pinged, a gateway's upstreams looked over), so a
 * client probing in a loop ran them without end. Runs are now shared and budgeted
 * (readinessMaxAgeMs; `serve` takes it from http.readinessMaxAgeMs): a flood costs a bounded
 * number of runs, counted by the check itself (in a served process, through the inspector);
 * answers stay right; a check that fails shows once the budget allows a run, a required
 * upstream that dies likewise, and shutdown (draining) at the very next probe.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Health } from '../../src/observability/health.ts';
import { BURST, DEFAULT_MAX_AGE_MS } from '../../src/observability/shared-read.ts';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';
import { McpServer } from '../../src/server/server.ts';
import { serveHttp } from '../../src/transport/http/node.ts';
import { fixture, scratch, writeConfig } from '../helpers/gateway.ts';
import { MODERN_META } from '../helpers/http.ts';
import { from } from '../helpers/http-from.ts';
import { CallCounter, Inspector } from '../helpers/inspector.ts';
import { inspectorUrl, startServe, stopServe, type Served } from '../helpers/served.ts';

const MAX_AGE_MS = 2000;
const PROBES = 200;
/** http.readinessMaxAgeMs of the served process, and how long its flood lasts. */
const BUDGET_MS = 200;
const FLOOD_MS = 3000;

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

/** Probes from `connections` loops at once until `ms` have passed, each answer ready; the time it took. */
async function floodFor(url: string, ms: number, connections = 8): Promise<number> {
  const started = Date.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() - started < ms) assert.equal((await probe(url)).status, 200);
    }),
  );
  return Date.now() - started;
}

/**
 * `mcp-core serve` (a gateway of one required upstream) under the inspector, with a count of
 * its readiness runs: the calls of its one check, the gateway's look over its upstreams.
 */
async function servedWithRuns(config: string, env: Record<string, string>): Promise<{ served: Served; inspector: Inspector; runs: () => Promise<number> }> {
  const served = await startServe(['--config', config, '--http', '127.0.0.1:0'], env, ['--inspect=127.0.0.1:0']);
  const inspector = await Inspector.connect(await inspectorUrl(served));
  const calls = await CallCounter.start(inspector);
  return { served, inspector, runs: () => calls.take('src/cli/gateway.ts', 'readiness') };
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

  it(`mcp-core serve takes its budget from http.readinessMaxAgeMs: a flood of probes for ${FLOOD_MS} ms runs the checks about once per ${BUDGET_MS} ms past the burst with it set to ${BUDGET_MS}, at most once per second without it`, async () => {
    const config = await writeConfig(await scratch(), { mcpServers: { up: fixture([], { required: true }) }, gateway: { watch: false } });
    const [budgeted, unset] = await Promise.all([servedWithRuns(config, { MCP__HTTP__READINESSMAXAGEMS: String(BUDGET_MS) }), servedWithRuns(config, {})]);
    try {
      for (const { runs } of [budgeted, unset]) assert.equal(await runs(), 0, 'no probe yet');
      const [budgetedMs, unsetMs] = await Promise.all([floodFor(budgeted.served.url, FLOOD_MS), floodFor(unset.served.url, FLOOD_MS)]);
      const [budgetedRuns, unsetRuns] = [await budgeted.runs(), await unset.runs()];

      // A continuous flood takes each token as it comes back (one per BUDGET_MS); half of them
      // leaves room for a loaded machine, and is still more than the default budget allows.
      const most = BURST + 1 + Math.floor(budgetedMs / BUDGET_MS);
      const least = BURST + Math.floor(budgetedMs / BUDGET_MS / 2);
      assert.ok(least > BURST + 1 + Math.floor(budgetedMs / DEFAULT_MAX_AGE_MS), 'the flood is long enough to tell the budgets apart');
      assert.ok(budgetedRuns >= least && budgetedRuns <= most, `${budgetedRuns} runs in ${budgetedMs} ms with http.readinessMaxAgeMs ${BUDGET_MS} (expected ${least} to ${most})`);
      const unsetMost = BURST + 1 + Math.floor(unsetMs / DEFAULT_MAX_AGE_MS);
      assert.ok(unsetRuns >= BURST && unsetRuns <= unsetMost, `${unsetRuns} runs in ${unsetMs} ms by default (expected ${BURST} to ${unsetMost})`);
    } finally {
      for (const { served, inspector } of [budgeted, unset]) {
        inspector.close();
        await stopServe(served);
      }
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
