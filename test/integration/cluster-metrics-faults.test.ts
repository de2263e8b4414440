/**
 * `serve --workers 2` with metrics on a bad day. One worker hung (SIGSTOP): a scrape reaching
 * the other is answered within the primary's bound, the hung one shown by its last answer and
 * counted as unanswered; not refused for the whole cluster. One worker killed: the sums of its
 * counters do not go down (Prometheus would take that for a reset and count it all again).
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';
import { MODERN_META, postFresh } from '../helpers/http.ts';
import { children, startDemoHttp, type RunningServer } from '../helpers/processes.ts';
import { parseMetrics, valueOf } from '../helpers/prometheus.ts';

/** GET /metrics on a connection of its own, so the primary hands it to the next free worker. */
function scrape(url: string, signal: AbortSignal): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL('/metrics', url), { agent: false, headers: { connection: 'close' }, signal });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

const ECHOES = { method: 'tools/call', tool: 'echo', outcome: 'ok', era: 'modern' };

/** `count` echo calls, each on a connection of its own: the primary hands them to the workers in turn. */
async function echoes(url: string, count: number): Promise<void> {
  for (let id = 1; id <= count; id++) {
    const answered = await postFresh(url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' }, _meta: MODERN_META } }, { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'echo' });
    assert.equal(answered.status, 200);
  }
}

async function echoCount(url: string): Promise<number> {
  const { status, text } = await scrape(url, AbortSignal.timeout(10_000));
  assert.equal(status, 200, text);
  return valueOf(parseMetrics(text), 'mcp_requests_total', ECHOES);
}

function startWorkers(): Promise<RunningServer> {
  return startDemoHttp(['--workers', '2'], { MCP__METRICS__ENABLED: 'true', MCP__METRICS__MAXAGEMS: '0' });
}

describe('cluster metrics on a bad day', () => {
  it('with a hung worker, a scrape is answered with the last answer of the hung one and mcp_metrics_workers_unanswered 1 (it was 503 "Operation timed out" for the whole cluster)', async () => {
    const server = await startWorkers();
    const workers = await children(server.process.pid!);
    assert.equal(workers.length, 2);
    const aborted = new AbortController();
    try {
      await echoes(server.url, 2);
      assert.equal(await echoCount(server.url), 2);
      process.kill(workers[0], 'SIGSTOP');
      // Two scrapes at once: one reaches the stopped worker and waits for it, the other the live one.
      const first = await Promise.any([scrape(server.url, aborted.signal), scrape(server.url, aborted.signal)]);
      assert.equal(first.status, 200, first.text);
      const samples = parseMetrics(first.text);
      assert.equal(valueOf(samples, 'mcp_metrics_workers_unanswered'), 1);
      assert.equal(valueOf(samples, 'mcp_requests_total', ECHOES), 2, 'the live worker\'s call, and the hung one\'s from its last answer');
    } finally {
      aborted.abort();
      process.kill(workers[0], 'SIGCONT');
      await server.stop();
    }
  });

  it('a killed worker\'s counters stay in the sums: 10 calls stay 10, then grow (they fell to the live worker\'s 5)', async () => {
    const server = await startWorkers();
    const [first] = await children(server.process.pid!);
    try {
      await echoes(server.url, 10);
      assert.equal(await echoCount(server.url), 10);
      const replaced = new Promise<void>((resolve) => {
        const lines = createInterface({ input: server.process.stderr! });
        lines.on('line', (line) => line.includes(`in place of ${first}`) && resolve());
      });
      process.kill(first, 'SIGKILL');
      await replaced;
      assert.equal(await echoCount(server.url), 10);
      await echoes(server.url, 2);
      assert.equal(await echoCount(server.url), 12);
    } finally {
      await server.stop();
    }
  });
});
