/** The web-standard face: (Request) => Response, driven with real Request objects. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEverythingServer } from '../../examples/everything-server.ts';
import { createFetchHandler } from '../../src/transport/http/fetch.ts';
import { MODERN_META, read } from '../helpers/http.ts';

const URL_ = 'http://127.0.0.1/mcp';

function request(body: unknown, headers: Record<string, string> = {}, method = 'POST'): Request {
  return new Request(URL_, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', host: '127.0.0.1', ...headers },
    body: method === 'POST' ? JSON.stringify(body) : undefined,
  });
}

describe('fetch handler', () => {
  const handle = createFetchHandler(createEverythingServer());

  it('answers a modern call with one JSON body', async () => {
    const response = await read(
      await handle(
        request(
          { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'greet', arguments: { name: 'web' }, _meta: MODERN_META } },
          { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'greet' },
        ),
      ),
    );
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.equal(response.json.result.content[0].text, 'Hello, web!');
  });

  it('streams progress as SSE', async () => {
    const response = await read(
      await handle(
        request(
          { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'test_tool_with_progress', arguments: {}, _meta: { ...MODERN_META, progressToken: 'p' } } },
          { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'test_tool_with_progress' },
        ),
      ),
    );
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    assert.deepEqual(
      response.json.map((m: { method?: string; id?: number }) => m.method ?? `response ${m.id}`),
      ['notifications/progress', 'notifications/progress', 'notifications/progress', 'response 2'],
    );
  });

  it('runs a legacy session: initialize, call, delete', async () => {
    const init = await handle(request({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'w', version: '1' } } }));
    const sessionId = init.headers.get('mcp-session-id')!;
    assert.ok(sessionId);
    assert.equal((await read(init)).json.result.protocolVersion, '2025-03-26');
    const call = await read(await handle(request({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'greet', arguments: { name: 'legacy' } } }, { 'mcp-session-id': sessionId })));
    assert.equal(call.json.result.content[0].text, 'Hello, legacy!');
    assert.equal((await handle(request(undefined, { 'mcp-session-id': sessionId }, 'DELETE'))).status, 200);
    assert.equal((await handle(request({ jsonrpc: '2.0', id: 3, method: 'ping' }, { 'mcp-session-id': sessionId }))).status, 404);
  });

  it('refuses foreign origins and oversized bodies like the node face', async () => {
    assert.equal((await handle(request({}, { origin: 'https://evil.example' }))).status, 403);
    const small = createFetchHandler(createEverythingServer(), { maxBodyBytes: 10 });
    assert.equal((await small(request({ jsonrpc: '2.0', id: 1, method: 'ping' }))).status, 413);
  });
});
