/**
 * GET /metrics of `mcp-core serve` (a real process) after known traffic: every count checked,
 * in one process and across two cluster workers.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';
import { StdioClientTransport } from '../../src/transport/stdio-client.ts';
import { MODERN_META, callTool, openSession, post } from '../helpers/http.ts';
import { startDemoHttp, type RunningServer } from '../helpers/processes.ts';
import { freePort } from '../helpers/ports.ts';
import { CLI } from '../helpers/processes.ts';
import { parseMetrics, valueOf, type Sample } from '../helpers/prometheus.ts';
import { startServe, stopServe, type Served } from '../helpers/served.ts';

async function scrape(url: string, path = '/metrics'): Promise<Sample[]> {
  const response = await fetch(new URL(path, url));
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

/** The metrics URL a server announced (`mcp-core serving metrics at URL`). */
const announced = (line: string) => /serving metrics at (\S+)/.exec(line)![1];

const ON_ITS_OWN = { MCP__METRICS__ENABLED: 'true', MCP__METRICS__PORT: '0', MCP__METRICS__PATH: '/prometheus' };

describe('metrics on a listener of their own (metrics.port)', () => {
  let served: Served;
  before(async () => {
    served = await startServe(['--http', '127.0.0.1:0'], ON_ITS_OWN);
  });
  after(() => stopServe(served));

  it('counts the HTTP listener\'s requests, which no longer serves the metrics path', async () => {
    const metricsUrl = announced(await served.stdoutLine(/serving metrics at/));
    assert.notEqual(new URL(metricsUrl).port, new URL(served.url).port);
    for (let id = 1; id <= 3; id++) assert.equal(await echoOnNewConnection(served.url, id), 200);
    const samples = await scrape(metricsUrl, new URL(metricsUrl).pathname);
    assert.equal(valueOf(samples, 'mcp_requests_total', { method: 'tools/call', tool: 'echo', outcome: 'ok', era: 'modern' }), 3);
    assert.equal((await fetch(new URL('/prometheus', served.url))).status, 404);
    assert.equal((await fetch(new URL('/healthz', served.url))).status, 200, 'health stays on the HTTP listener');
    assert.equal((await fetch(new URL('/mcp', metricsUrl))).status, 404, 'the metrics listener serves its path alone');
    assert.equal((await fetch(metricsUrl, { method: 'POST' })).status, 405);
  });

  it('holds at most 64 connections: those past it are closed as they come, and scrapes go on once they end', { timeout: 10_000 }, async () => {
    const metricsUrl = announced(await served.stdoutLine(/serving metrics at/));
    const { hostname, port } = new URL(metricsUrl);
    const sockets = Array.from({ length: 70 }, () => connect(Number(port), hostname));
    let closed = 0;
    await new Promise<void>((resolve) => {
      for (const socket of sockets) {
        socket.on('error', () => undefined);
        socket.once('close', () => {
          if (++closed === 6) resolve();
        });
      }
    });
    for (const socket of sockets) socket.destroy();
    const samples = await scrape(metricsUrl, new URL(metricsUrl).pathname);
    assert.ok(samples.length > 0);
  });
});

describe('metrics of a stdio server, on metrics.port', () => {
  it('serves the counts of the calls made over stdin and stdout (without it, a stdio server has no metrics)', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'serve', '--stdio', '--demo'], env: ON_ITS_OWN, stderr: 'pipe' });
    const line = new Promise<string>((resolve) => {
      const lines = createInterface({ input: transport.process.stderr! });
      lines.on('line', (text) => {
        if (text.includes('serving metrics at')) resolve(text);
      });
    });
    const client = new McpClient({ name: 'metrics-test', version: '1.0.0' });
    try {
      await client.connect(transport);
      for (let call = 0; call < 4; call++) await client.callTool('echo', { text: 'over stdio' });
      const metricsUrl = announced(await line);
      const samples = await scrape(metricsUrl, new URL(metricsUrl).pathname);
      assert.equal(valueOf(samples, 'mcp_requests_total', { method: 'tools/call', tool: 'echo', outcome: 'ok', era: 'modern' }), 4);
    } finally {
      await client.close();
    }
  });
});

describe('metrics on metrics.port with --workers 2', () => {
  let served: Served;
  let metricsUrl: string;
  before(async () => {
    const port = await freePort();
    served = await startServe(['--http', '127.0.0.1:0', '--workers', '2'], { ...ON_ITS_OWN, MCP__METRICS__PORT: String(port) });
    metricsUrl = announced(await served.stdoutLine(/serving metrics at/));
    assert.equal(new URL(metricsUrl).port, String(port));
  });
  after(() => stopServe(served));

  it('shows the requests of every worker in one scrape', async () => {
    for (let id = 1; id <= 20; id++) assert.equal(await echoOnNewConnection(served.url, id), 200);
    for (let scrapeNumber = 0; scrapeNumber < 4; scrapeNumber++) {
      const samples = await scrape(metricsUrl, new URL(metricsUrl).pathname);
      assert.equal(valueOf(samples, 'mcp_requests_total', { method: 'tools/call', tool: 'echo', outcome: 'ok', era: 'modern' }), 20);
    }
  });
});
