/**
 * GET /metrics of `mcp-core serve` (a real process; one, and --workers 2) under a flood of
 * scrapes: the endpoint is outside authentication, and each scrape gathered every metric
 * (about 1 ms of CPU, dozens of times an answer from memory), so a client scraping in a loop
 * took the CPU from MCP traffic. Gathers are now budgeted (metrics.maxAgeMs): the flood costs
 * a bounded number, counted by mcp_metrics_gathers_total, its answers are right and at most
 * maxAgeMs old (mcp_metrics_gather_timestamp_seconds), and values are fresh again once the
 * budget allows. A scrape at a normal pace gets a gather of its own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { metricsRoute } from '../../src/observability/exposition.ts';
import { BURST } from '../../src/observability/shared-read.ts';
import { McpServer } from '../../src/server/server.ts';
import { serveHttp } from '../../src/transport/http/node.ts';
import { callTool } from '../helpers/http.ts';
import { from } from '../helpers/http-from.ts';
import { startDemoHttp } from '../helpers/processes.ts';
import { parseMetrics, valueOf, type Sample } from '../helpers/prometheus.ts';

const MAX_AGE_MS = 2000;
const SCRAPES = 200;

interface Scrape {
  samples: Sample[];
  gathers: number;
  /** When its values were read, in ms since the epoch. */
  gatheredAt: number;
  echoes: number;
}

/** One scrape on a connection of its own (with --workers, connections go to the workers in turn). */
async function scrape(url: string): Promise<Scrape> {
  const response = await from('127.0.0.1', new URL('/metrics', url).href, { headers: { connection: 'close' } });
  assert.equal(response.status, 200, response.text);
  const samples = parseMetrics(response.text);
  for (const name of ['mcp_metrics_gathers_total', 'mcp_metrics_gather_timestamp_seconds']) {
    assert.equal(samples.filter((s) => s.name === name).length, 1, `${name} in every scrape`);
  }
  return {
    samples,
    gathers: valueOf(samples, 'mcp_metrics_gathers_total'),
    gatheredAt: Math.round(valueOf(samples, 'mcp_metrics_gather_timestamp_seconds') * 1000),
    echoes: valueOf(samples, 'mcp_requests_total', { method: 'tools/call', tool: 'echo', outcome: 'ok', era: 'modern' }),
  };
}

for (const workers of [1, 2]) {
  describe(`a flood of scrapes${workers > 1 ? ` with --workers ${workers}` : ''}`, () => {
    it(`regression: ${SCRAPES} concurrent scrapes cost a bounded number of gathers (each scrape not meeting a gather under way made its own), with right values at most metrics.maxAgeMs old, fresh again after it`, async () => {
      const server = await startDemoHttp(workers > 1 ? ['--workers', String(workers)] : [], { MCP__METRICS__ENABLED: 'true', MCP__METRICS__MAXAGEMS: String(MAX_AGE_MS) });
      try {
        for (let id = 1; id <= 3; id++) assert.equal((await callTool(server.url, id, 'echo', { text: 'x' })).status, 200);
        const first = await scrape(server.url);
        assert.equal(first.echoes, 3, 'a scrape at a normal pace gets a gather of its own');

        const started = Date.now();
        const flood = await Promise.all(Array.from({ length: SCRAPES }, () => scrape(server.url)));
        const elapsed = Date.now() - started;
        for (const answer of flood) {
          assert.equal(answer.echoes, 3, 'every answer holds the right values');
          assert.ok(answer.gatheredAt >= started - MAX_AGE_MS, `an answer gathered ${started - answer.gatheredAt} ms before the flood began`);
        }
        const gathered = Math.max(...flood.map((answer) => answer.gathers)) - first.gathers;
        // The budget: a burst, then one per maxAgeMs of the flood (however long a loaded machine makes it).
        const budget = BURST + 1 + Math.floor(elapsed / MAX_AGE_MS);
        assert.ok(gathered >= 1 && gathered <= budget, `${gathered} gathers for ${SCRAPES} scrapes in ${elapsed} ms (budget ${budget})`);

        // Past the budget, answers are the last gather, until the budget allows another.
        assert.equal((await callTool(server.url, 4, 'echo', { text: 'y' })).status, 200);
        const called = Date.now();
        for (;;) {
          const asked = Date.now();
          const answer = await scrape(server.url);
          assert.ok(answer.gatheredAt >= asked - MAX_AGE_MS, `an answer gathered ${asked - answer.gatheredAt} ms before it was asked for`);
          if (answer.gatheredAt < called) {
            await sleep(100);
            continue;
          }
          assert.equal(answer.echoes, 4, 'a gather after the call counts it');
          assert.ok(answer.gathers > first.gathers + gathered, 'a new gather');
          break;
        }
      } finally {
        await server.stop();
      }
    });
  });
}

describe('metricsRoute', () => {
  it('reads once for scrapes in a row past the burst, and each time with maxAgeMs 0; HEAD is the same answer without a body', async () => {
    const server = new McpServer({ name: 'm', version: '1.0.0' });
    let reads = 0;
    const read = async () => `# TYPE reads_total counter\nreads_total ${++reads}\n`;
    const contentType = 'text/plain; version=0.0.4; charset=utf-8';
    const listener = await serveHttp(server, {
      routes: { '/budgeted': metricsRoute(read, contentType, { maxAgeMs: 600_000 }), '/unbudgeted': metricsRoute(read, contentType, { maxAgeMs: 0 }) },
    });
    const get = async (path: string, method = 'GET') => {
      const response = await fetch(new URL(path, listener.url), { method });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), contentType);
      return { text: await response.text(), length: Number(response.headers.get('content-length')) };
    };
    try {
      const answers: string[] = [];
      for (let i = 0; i < BURST + 5; i++) answers.push((await get('/budgeted')).text);
      assert.equal(reads, BURST, 'a burst of fresh reads, then the last one again');
      assert.match(answers[BURST - 1], new RegExp(`reads_total ${BURST}\\n`));
      assert.equal(answers.at(-1), answers[BURST - 1]);
      const head = await get('/budgeted', 'HEAD');
      assert.equal(head.text, '');
      assert.equal(head.length, Buffer.byteLength(answers[BURST - 1]));

      for (let i = 0; i < BURST + 5; i++) await get('/unbudgeted');
      assert.equal(reads, BURST + BURST + 5, 'no budget: a read per scrape in a row');
    } finally {
      await listener.close();
    }
  });
});
