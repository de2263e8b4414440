/**
 * `serve --workers 2` with metrics, one worker hung (SIGSTOP): a scrape reaching the other
 * worker is answered with the metrics the cluster has, within the primary's bound, saying how
 * many workers were left out; not refused for the whole cluster.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { describe, it } from 'node:test';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';
import { MODERN_META, postFresh } from '../helpers/http.ts';
import { children, startDemoHttp } from '../helpers/processes.ts';
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

describe('cluster metrics with a hung worker', () => {
  it('a scrape is answered with the live workers\' metrics and mcp_metrics_workers_unanswered 1 (it was 503 "Operation timed out" for the whole cluster)', async () => {
    const server = await startDemoHttp(['--workers', '2'], { MCP__METRICS__ENABLED: 'true', MCP__METRICS__MAXAGEMS: '0' });
    const workers = await children(server.process.pid!);
    assert.equal(workers.length, 2);
    const aborted = new AbortController();
    try {
      // A call on each worker (the primary hands new connections to the workers in turn).
      for (let id = 1; id <= 2; id++) {
        const answered = await postFresh(server.url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' }, _meta: MODERN_META } }, { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'echo' });
        assert.equal(answered.status, 200);
      }
      process.kill(workers[0], 'SIGSTOP');
      // Two scrapes at once: one reaches the stopped worker and waits for it, the other the live one.
      const first = await Promise.any([scrape(server.url, aborted.signal), scrape(server.url, aborted.signal)]);
      assert.equal(first.status, 200, first.text);
      const samples = parseMetrics(first.text);
      assert.equal(valueOf(samples, 'mcp_metrics_workers_unanswered'), 1);
      assert.equal(valueOf(samples, 'mcp_requests_total', { method: 'tools/call', tool: 'echo', outcome: 'ok', era: 'modern' }), 1, 'the live worker\'s call, the hung one\'s left out');
    } finally {
      aborted.abort();
      process.kill(workers[0], 'SIGCONT');
      await server.stop();
    }
  });
});
