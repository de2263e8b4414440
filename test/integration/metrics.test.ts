/**
 * GET /metrics of `mcp-core serve` (a real process) after known traffic: every count checked,
 * in one process and across two cluster workers.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';
import { MODERN_META, callTool, openSession, post } from '../helpers/http.ts';
import { startDemoHttp, type RunningServer } from '../helpers/processes.ts';
import { parseMetrics, valueOf, type Sample } from '../helpers/prometheus.ts';

async function scrape(url: string): Promise<Sample[]> {
  const response = await fetch(new URL('/metrics', url));
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseMetrics(await response.text());
}

/** A modern echo call on a connection of its own (so cluster workers take turns). */
function echoOnNewConnection(url: string, id: number): Promise<number> {
  const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' }, _meta: MODERN_META } });
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: 'POST',
      agent: false,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': MODERN_VERSION,
        'mcp-method': 'tools/call',
        'mcp-name': 'echo',
        connection: 'close',
      },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** GET /metrics on a connection of its own (so cluster workers take turns): its status. */
function scrapeOnNewConnection(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL('/metrics', url), { agent: false, headers: { connection: 'close' } });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('metrics', () => {
  let server: RunningServer;
  before(async () => {
    server = await startDemoHttp([], { MCP__METRICS__ENABLED: 'true' });
  });
  after(() => server.stop());

  it('counts requests by method, tool, outcome and era after known traffic', async () => {
    const { url } = server;
    for (let id = 1; id <= 3; id++) assert.equal((await callTool(url, id, 'echo', { text: 'hi' })).status, 200);
    assert.equal((await callTool(url, 4, 'fail', {})).json.result.isError, true);
    assert.equal((await callTool(url, 5, 'no_such_tool', {})).json.error.code, -32602);
    const unknown = await post(url, { jsonrpc: '2.0', id: 6, method: 'made/up', params: { _meta: MODERN_META } }, { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'made/up' });
    assert.equal(unknown.json.error.code, -32601);
    const sessionId = await openSession(url);
    const legacy = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
    assert.equal((await post(url, { jsonrpc: '2.0', id: 7, method: 'tools/list' }, legacy)).status, 200);
    assert.equal((await post(url, { jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'echo', arguments: { text: 'old' } } }, legacy)).status, 200);

    const samples = await scrape(url);
    const requests = (labels: Record<string, string>) => valueOf(samples, 'mcp_requests_total', labels);
    assert.equal(requests({ method: 'tools/call', tool: 'echo', outcome: 'ok', era: 'modern' }), 3);
    assert.equal(requests({ method: 'tools/call', tool: 'fail', outcome: 'tool_error', era: 'modern' }), 1);
    // A tool or method the client made up is counted under one label, not its own.
    assert.equal(requests({ method: 'tools/call', tool: 'unknown', outcome: 'error', era: 'modern' }), 1);
    assert.equal(requests({ method: 'unknown', tool: '', outcome: 'error', era: 'modern' }), 1);
    assert.equal(samples.some((s) => Object.values(s.labels).includes('made/up') || Object.values(s.labels).includes('no_such_tool')), false);
    assert.equal(requests({ method: 'initialize', tool: '', outcome: 'ok', era: 'legacy' }), 1);
    assert.equal(requests({ method: 'tools/list', tool: '', outcome: 'ok', era: 'legacy' }), 1);
    assert.equal(requests({ method: 'tools/call', tool: 'echo', outcome: 'ok', era: 'legacy' }), 1);
    const total = samples.filter((s) => s.name === 'mcp_requests_total').reduce((sum, s) => sum + s.value, 0);
    assert.equal(total, 9);

    assert.equal(valueOf(samples, 'mcp_request_duration_seconds_count', { method: 'tools/call', tool: 'echo', era: 'modern' }), 3);
    assert.equal(valueOf(samples, 'mcp_request_duration_seconds_bucket', { method: 'tools/call', tool: 'echo', era: 'modern', le: '+Inf' }), 3);
    assert.ok(valueOf(samples, 'mcp_request_duration_seconds_sum', { method: 'tools/call', tool: 'echo', era: 'modern' }) > 0);
    assert.equal(valueOf(samples, 'mcp_requests_in_flight'), 0);
    assert.equal(valueOf(samples, 'mcp_sessions'), 1);
    assert.equal(valueOf(samples, 'mcp_sse_streams'), 0);
    assert.equal(valueOf(samples, 'mcp_tasks_running'), 0);
    assert.ok(valueOf(samples, 'process_cpu_user_seconds_total') > 0, 'process metrics are exported');

    await fetch(url, { method: 'DELETE', headers: legacy });
    assert.equal(valueOf(await scrape(url), 'mcp_sessions'), 0);
  });

  it('answers only GET and HEAD on the metrics path', async () => {
    const response = await fetch(new URL('/metrics', server.url), { method: 'POST' });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'GET, HEAD');
  });
});

describe('metrics with --workers 2', () => {
  let server: RunningServer;
  before(async () => {
    server = await startDemoHttp(['--workers', '2'], { MCP__METRICS__ENABLED: 'true' });
  });
  after(() => server.stop());

  it('shows the requests of every worker in one scrape', async () => {
    // One connection per call: the cluster primary hands connections to the workers in turn.
    for (let id = 1; id <= 20; id++) assert.equal(await echoOnNewConnection(server.url, id), 200);
    for (let scrapeNumber = 0; scrapeNumber < 4; scrapeNumber++) {
      const samples = await scrape(server.url);
      assert.equal(valueOf(samples, 'mcp_requests_total', { method: 'tools/call', tool: 'echo', outcome: 'ok', era: 'modern' }), 20);
      assert.equal(valueOf(samples, 'mcp_request_duration_seconds_count', { method: 'tools/call', tool: 'echo', era: 'modern' }), 20);
    }
  });

  it('concurrent scrapes share one gather of the workers\' metrics (each scrape made its own gather)', async () => {
    const gathered = async () => {
      const samples = await scrape(server.url);
      assert.ok(samples.some((s) => s.name === 'mcp_metrics_gathers_total'), 'the primary counts its gathers');
      return valueOf(samples, 'mcp_metrics_gathers_total');
    };
    const before = await gathered();
    // Each gather asks every worker to serialize its registry; before, 100 scrapes made 100.
    const scrapes = 100;
    const statuses = await Promise.all(Array.from({ length: scrapes }, () => scrapeOnNewConnection(server.url)));
    assert.deepEqual(new Set(statuses), new Set([200]));
    const during = (await gathered()) - before - 1;
    assert.ok(during >= 1 && during <= scrapes / 2, `${during} gathers for ${scrapes} concurrent scrapes`);
  });
});
