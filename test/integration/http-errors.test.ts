/**
 * Bad input over Streamable HTTP gets the spec's error, and the same server keeps serving
 * everyone else: a real `mcp-core serve --demo` process on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { callTool, MODERN_META, openSession, post, read } from '../helpers/http.ts';
import { startDemoHttp, type RunningServer } from '../helpers/processes.ts';

const MODERN_HEADERS = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' };

describe('Streamable HTTP: malformed input', () => {
  let server: RunningServer;
  let url: string;
  before(async () => {
    server = await startDemoHttp(['--config', 'test/fixtures/small-limits.yaml']);
    url = server.url;
  });
  after(() => server.stop());

  /** After each bad request, a well-behaved client must still be served. */
  async function stillServes(): Promise<void> {
    const result = await callTool(url, 99, 'echo', { text: 'still here' });
    assert.equal(result.status, 200);
    assert.equal(result.json.result.content[0].text, 'still here');
  }

  it('invalid JSON: 400 with a parse error and no id', async () => {
    const response = await post(url, '{"jsonrpc": "2.0", "id": 1, "method": ');
    assert.equal(response.status, 400);
    assert.equal(response.json.error.code, -32700);
    assert.equal('id' in response.json, false);
    await stillServes();
  });

  it('a batch: 400 Invalid Request', async () => {
    const response = await post(url, [{ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: MODERN_META } }]);
    assert.equal(response.status, 400);
    assert.equal(response.json.error.code, -32600);
    assert.match(response.json.error.message, /batch/);
    await stillServes();
  });

  it('wrong types in the envelope: 400 Invalid Request, echoing the id when readable', async () => {
    for (const body of [
      { jsonrpc: '2.0', id: 7, method: 42 },
      { jsonrpc: '1.0', id: 7, method: 'tools/list' },
      { jsonrpc: '2.0', id: 7, method: 'tools/list', params: [1, 2] },
      { jsonrpc: '2.0', id: null, method: 'tools/list' },
      JSON.stringify('just a string'),
    ]) {
      const response = await post(url, body, MODERN_HEADERS);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.json.error.code, -32600, JSON.stringify(body));
    }
    const withId = await post(url, { jsonrpc: '2.0', id: 7, method: 42 });
    assert.equal(withId.json.id, 7);
    await stillServes();
  });

  it('wrong argument types: a tool error the model can read', async () => {
    const response = await callTool(url, 3, 'add', { a: 'one', b: 2 });
    assert.equal(response.status, 200);
    assert.equal(response.json.result.isError, true);
    assert.match(response.json.result.content[0].text, /\/a must be number/);
  });

  it('unknown method: 404 with -32601 (modern), -32601 in a legacy session', async () => {
    const modern = await post(url, { jsonrpc: '2.0', id: 4, method: 'no/such', params: { _meta: MODERN_META } }, { ...MODERN_HEADERS, 'mcp-method': 'no/such' });
    assert.equal(modern.status, 404);
    assert.equal(modern.json.error.code, -32601);
    const sessionId = await openSession(url);
    const legacy = await post(url, { jsonrpc: '2.0', id: 5, method: 'no/such' }, { 'mcp-session-id': sessionId });
    assert.equal(legacy.status, 200);
    assert.equal(legacy.json.error.code, -32601);
    await stillServes();
  });

  it('unknown tool: -32602 naming it', async () => {
    const response = await callTool(url, 6, 'nope', {});
    assert.equal(response.json.error.code, -32602);
    assert.match(response.json.error.message, /Unknown tool: nope/);
    // A name of any length is quoted in part: the message is not the client's text sent back whole.
    const long = await callTool(url, 7, 'y'.repeat(10_000), {});
    assert.equal(long.json.error.code, -32602);
    assert.equal(long.json.error.message, `Unknown tool: ${'y'.repeat(200)}...`);
  });

  it('oversized body: 413, before or while reading', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x'.repeat(70_000) } } });
    const response = await post(url, big, MODERN_HEADERS);
    assert.equal(response.status, 413);
    assert.equal(response.json.error.code, -32600);
    // Without Content-Length (chunked), the limit applies while reading.
    const chunked = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 413);
    await stillServes();
  });

  it('headers that disagree with the body: 400 HeaderMismatch (-32020)', async () => {
    const body = { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'echo', arguments: { text: 'a' }, _meta: MODERN_META } };
    const cases: Array<Record<string, string>> = [
      { 'mcp-method': 'tools/call', 'mcp-name': 'echo' }, // no MCP-Protocol-Version
      { 'mcp-protocol-version': '2026-07-28', 'mcp-name': 'echo' }, // no Mcp-Method
      { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list', 'mcp-name': 'echo' },
      { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'add' },
      { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call' }, // no Mcp-Name
    ];
    for (const headers of cases) {
      const response = await post(url, body, headers);
      assert.equal(response.status, 400, JSON.stringify(headers));
      assert.equal(response.json.error.code, -32020, JSON.stringify(headers));
      assert.equal(response.json.id, 9);
    }
    await stillServes();
  });

  it('an unsupported version: 400 UnsupportedProtocolVersion listing what is served', async () => {
    const meta = { ...MODERN_META, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' };
    const response = await post(url, { jsonrpc: '2.0', id: 10, method: 'tools/list', params: { _meta: meta } }, { ...MODERN_HEADERS, 'mcp-protocol-version': '2099-01-01' });
    assert.equal(response.status, 400);
    assert.equal(response.json.error.code, -32022);
    assert.equal(response.json.error.data.requested, '2099-01-01');
    assert.ok(response.json.error.data.supported.includes('2026-07-28'));
  });

  it('missing request metadata: 400 Invalid params', async () => {
    const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' };
    const response = await post(url, { jsonrpc: '2.0', id: 11, method: 'tools/list', params: { _meta: meta } }, MODERN_HEADERS);
    assert.equal(response.status, 400);
    assert.equal(response.json.error.code, -32602);
  });

  it('a foreign Origin or Host: 403 (DNS rebinding protection)', async () => {
    const origin = await post(url, { jsonrpc: '2.0', id: 12, method: 'tools/list', params: { _meta: MODERN_META } }, { ...MODERN_HEADERS, origin: 'http://evil.example' });
    assert.equal(origin.status, 403);
    // fetch will not send a foreign Host header; node:http will.
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(url, { method: 'POST', headers: { host: 'evil.example', 'content-type': 'application/json', accept: 'application/json, text/event-stream' } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end('{}');
    });
    assert.equal(status, 403);
    const local = await post(url, { jsonrpc: '2.0', id: 12, method: 'tools/list', params: { _meta: MODERN_META } }, { ...MODERN_HEADERS, origin: 'http://localhost:5173' });
    assert.equal(local.status, 200);
  });

  it('wrong media types: 415 for the body, 406 for Accept', async () => {
    const type = await read(await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain', accept: 'application/json, text/event-stream' }, body: '{}' }));
    assert.equal(type.status, 415);
    const accept = await read(await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/html' }, body: '{}' }));
    assert.equal(accept.status, 406);
    const method = await read(await fetch(url, { method: 'PUT', body: '{}' }));
    assert.equal(method.status, 405);
  });

  it('an unknown or deleted session: 404', async () => {
    const unknown = await post(url, { jsonrpc: '2.0', id: 13, method: 'tools/list' }, { 'mcp-session-id': 'not-a-session' });
    assert.equal(unknown.status, 404);
    const sessionId = await openSession(url);
    const deleted = await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': sessionId } });
    assert.equal(deleted.status, 200);
    const after = await post(url, { jsonrpc: '2.0', id: 14, method: 'tools/list' }, { 'mcp-session-id': sessionId });
    assert.equal(after.status, 404);
    const noSession = await post(url, { jsonrpc: '2.0', id: 15, method: 'tools/list' }, { 'mcp-protocol-version': '2025-11-25' });
    assert.equal(noSession.status, 400);
  });

  it('keeps serving a connected client through all of the above', async () => {
    const client = new McpClient({ name: 'bystander', version: '1.0.0' });
    await client.connect(new StreamableHttpClientTransport(url));
    try {
      const bad = Array.from({ length: 20 }, (_, i) => post(url, i % 2 ? '{oops' : [1, 2, 3]));
      const good = Array.from({ length: 20 }, (_, i) => client.callTool('echo', { text: `n${i}` }));
      const results = await Promise.all(good);
      await Promise.all(bad);
      assert.deepEqual(
        results.map((r) => r.content[0]),
        Array.from({ length: 20 }, (_, i) => ({ type: 'text', text: `n${i}` })),
      );
    } finally {
      await client.close();
    }
  });
});
