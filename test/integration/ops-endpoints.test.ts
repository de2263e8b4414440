/**
 * The operational endpoints of `mcp-core serve` (a real process) under hostile use: they count
 * in the in-flight bounds like MCP requests (but liveness), and tricks on their paths and
 * methods get clear answers, never the MCP endpoint.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { request, type ClientRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { from, initializeFrom } from '../helpers/http-from.ts';
import { CLI, startDemoHttp, type RunningServer } from '../helpers/processes.ts';

/** Opens the GET stream of a new legacy session of `address`; resolves once it is open, with the request to end it. */
async function openStream(address: string, url: string): Promise<ClientRequest> {
  const initialized = await initializeFrom(address, url);
  const session = initialized.headers['mcp-session-id'] as string;
  const headers = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25', 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const notified = await from(address, url, { headers, body: { jsonrpc: '2.0', method: 'notifications/initialized' } });
  assert.equal(notified.status, 202);
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { ...headers, accept: 'text/event-stream' }, localAddress: address }, (res) => {
      assert.equal(res.statusCode, 200);
      resolve(req);
    });
    req.on('error', (error) => {
      if (!req.destroyed) reject(error);
    });
    req.end();
  });
}

/** One raw request line (and headers) as written, the status line answered. */
function rawStatus(url: string, requestLine: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('close', () => resolve(answer.split('\r\n')[0]));
    socket.on('error', reject);
    socket.end(`${requestLine}\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`);
  });
}

describe('operational endpoints of mcp-core serve', () => {
  let server: RunningServer;
  before(async () => {
    const config = join(await mkdtemp(join(tmpdir(), 'mcp-core-ops-')), 'ops.yaml');
    await writeFile(config, 'http:\n  inflight: { maxRequestsPerClient: 2 }\nmetrics:\n  enabled: true\n');
    server = await startDemoHttp(['--config', config]);
  });
  after(() => server.stop());

  it('GET /metrics and /readyz count in the per-client in-flight bound (scrapes were outside every bound), /healthz does not', async () => {
    const streams = [await openStream('127.0.0.40', server.url), await openStream('127.0.0.40', server.url)];
    try {
      const metrics = await from('127.0.0.40', new URL('/metrics', server.url).href);
      assert.equal(metrics.status, 503, 'a client at its bound is refused a scrape');
      assert.equal(metrics.headers['retry-after'], '1');
      assert.equal((await from('127.0.0.40', new URL('/readyz', server.url).href)).status, 503);
      assert.equal((await from('127.0.0.40', new URL('/healthz', server.url).href)).status, 200, 'liveness is answered at the bound');
      assert.equal((await from('127.0.0.41', new URL('/metrics', server.url).href)).status, 200, 'another client is served');
    } finally {
      for (const stream of streams) stream.destroy();
    }
  });

  it('paths and methods beside the endpoints get clear answers, never the MCP endpoint', async () => {
    const cases: Array<[string, RegExp]> = [
      ['GET /metrics/../mcp HTTP/1.1', / 404 /],
      ['GET //metrics HTTP/1.1', / 404 /],
      ['GET /metrics/ HTTP/1.1', / 404 /],
      ['GET /healthz%00 HTTP/1.1', / 404 /],
      ['GET http://evil.example/mcp HTTP/1.1', / 404 /],
      ['GET * HTTP/1.1', / 404 /],
      ['GET /metrics?x=1 HTTP/1.1', / 200 /],
      ['POST /metrics HTTP/1.1', / 405 /],
      ['OPTIONS /healthz HTTP/1.1', / 405 /],
      ['DELETE /readyz HTTP/1.1', / 405 /],
    ];
    for (const [line, expected] of cases) assert.match(await rawStatus(server.url, line), expected, line);
    const big = await from('127.0.0.42', new URL('/metrics', server.url).href, { headers: { 'x-big': 'a'.repeat(20_000) } });
    assert.equal(big.status, 431);
    assert.equal((await from('127.0.0.42', new URL('/healthz', server.url).href)).status, 200, 'the server is still up');
  });
});

describe('metrics.path beside the other endpoints', () => {
  const run = promisify(execFile);
  it('metrics.path on /readyz, /healthz or the MCP path is refused by serve and config check (it took their place: /readyz stayed 200 while draining)', async () => {
    const config = join(await mkdtemp(join(tmpdir(), 'mcp-core-ops-')), 'ops.yaml');
    await writeFile(config, 'metrics:\n  enabled: true\n');
    for (const [path, taken] of [['/readyz', /the readyz endpoint/], ['/healthz', /the healthz endpoint/], ['/mcp', /the MCP endpoint \(http\.path\)/]] as const) {
      const env = { ...process.env, MCP__METRICS__PATH: path };
      // A server that starts anyway is stopped by the timeout: no exit code 2.
      const served = await run(process.execPath, [CLI, 'serve', '--demo', '--http', '127.0.0.1:0', '--config', config], { env, timeout: 30_000 }).catch((e: { code: number; stderr: string }) => e);
      assert.equal((served as { code: number }).code, 2, path);
      assert.match((served as { stderr: string }).stderr, new RegExp(`metrics\\.path ${path} is taken by ${taken.source}`));
      const checked = await run(process.execPath, [CLI, 'config', 'check', config], { env }).catch((e: { code: number; stderr: string }) => e);
      assert.equal((checked as { code: number }).code, 2, path);
      assert.match((checked as { stderr: string }).stderr, taken);
    }
  });
});
