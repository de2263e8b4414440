/** Legacy sessions over Streamable HTTP: caps, the GET stream, resumption, termination. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createEverythingServer } from '../../examples/everything-server.ts';
import { serveHttp, type HttpListener } from '../../src/transport/http/node.ts';
import { SseParser } from '../../src/transport/http/sse-parser.ts';
import { openSession, post } from '../helpers/http.ts';

describe('Streamable HTTP legacy sessions', () => {
  let listener: HttpListener;
  before(async () => {
    listener = await serveHttp(createEverythingServer(), { port: 0, sessions: { maxSessions: 3 }, retryIntervalMs: 50 });
  });
  after(() => listener.close());

  it('past the cap, a new session replaces the least recently used idle one; DELETE frees a slot', async () => {
    const [oldest, middle, newest] = [await openSession(listener.url), await openSession(listener.url), await openSession(listener.url)];
    const ping = (id: string) => post(listener.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { 'mcp-session-id': id });
    assert.equal((await ping(oldest)).status, 200, 'oldest is now the most recently used');
    const fourth = await openSession(listener.url);
    assert.equal((await ping(middle)).status, 404, 'middle was the least recently used');
    for (const id of [oldest, newest, fourth]) assert.equal((await fetch(listener.url, { method: 'DELETE', headers: { 'mcp-session-id': id } })).status, 200);
    await openSession(listener.url);
  });

  it('opens one GET stream per session and refuses a second (409)', async () => {
    const sessionId = await openSession(listener.url);
    const controller = new AbortController();
    const first = await fetch(listener.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId }, signal: controller.signal });
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('content-type'), 'text/event-stream');
    const second = await fetch(listener.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId } });
    assert.equal(second.status, 409);
    await second.text();
    controller.abort();
    await fetch(listener.url, { method: 'DELETE', headers: { 'mcp-session-id': sessionId } });
  });

  it('lets a tool release its connection; the client resumes with Last-Event-ID and gets the result', async () => {
    const sessionId = await openSession(listener.url);
    const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
    const response = await fetch(listener.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'test_reconnection', arguments: {} } }),
    });
    const parser = new SseParser();
    const firstEvents = parser.push(await response.text());
    assert.ok(firstEvents.every((event) => event.data === ''), 'only the priming event before the connection closed');
    assert.equal(parser.retryMs, 50);
    assert.ok(parser.lastEventId);
    // A client waits the retry delay the server asked for before it resumes (SSE `retry`).
    await new Promise((resolve) => setTimeout(resolve, parser.retryMs));
    const resumed = await fetch(listener.url, { headers: { accept: 'text/event-stream', 'last-event-id': parser.lastEventId!, ...headers } });
    assert.equal(resumed.status, 200);
    const events = parser.push(await resumed.text()).filter((event) => event.data !== '');
    assert.equal(JSON.parse(events[0].data).id, 7);
    assert.match(JSON.parse(events[0].data).result.content[0].text, /reconnected/);
    const unknown = await fetch(listener.url, { headers: { accept: 'text/event-stream', 'last-event-id': 'nope.1', ...headers } });
    assert.equal(unknown.status, 400, 'an unknown event id: the session goes on');
    await unknown.text();
  });

  it('refuses an unsupported MCP-Protocol-Version within a session', async () => {
    const sessionId = await openSession(listener.url);
    const response = await post(listener.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '1999-01-01' });
    assert.equal(response.status, 400);
    assert.match(response.json.error.message, /unsupported MCP-Protocol-Version/);
  });

  it('answers GET and DELETE without a session as the era expects', async () => {
    assert.equal((await fetch(listener.url, { headers: { accept: 'text/event-stream' } })).status, 400);
    const stateless = await serveHttp(createEverythingServer(), { port: 0, sessions: false });
    try {
      assert.equal((await fetch(stateless.url, { headers: { accept: 'text/event-stream' } })).status, 405);
      // With sessions off, legacy clients are served statelessly: initialize mints no session id.
      const init = await post(stateless.url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
      assert.equal(init.headers.get('mcp-session-id'), null);
      const call = await post(stateless.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'greet', arguments: { name: 'x' } } }, { 'mcp-protocol-version': '2025-11-25' });
      assert.equal(call.json.result.content[0].text, 'Hello, x!');
    } finally {
      await stateless.close();
    }
  });
});

describe('Streamable HTTP stream bookkeeping', () => {
  it('forgets streams delivered whole, keeps those a client may resume', async () => {
    const server = createEverythingServer();
    const listener = await serveHttp(server, { port: 0, retryIntervalMs: 20 });
    try {
      const sessionId = await openSession(listener.url);
      const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
      const deliveredIds: string[] = [];
      for (let id = 1; id <= 5; id++) {
        // Progress turns each response into an SSE stream that ends with the client connected.
        const response = await post(listener.url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'test_tool_with_progress', arguments: {}, _meta: { progressToken: id } } }, headers);
        assert.equal(response.json.at(-1).id, id);
        const delivered = new SseParser();
        delivered.push(response.text);
        deliveredIds.push(delivered.lastEventId!);
      }
      for (const lastEventId of deliveredIds) {
        const gone = await fetch(listener.url, { headers: { accept: 'text/event-stream', 'last-event-id': lastEventId, ...headers } });
        assert.equal(gone.status, 400, 'a stream delivered whole is not kept for resumption');
        await gone.text();
      }
      const released = await fetch(listener.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'test_reconnection', arguments: {} } }),
      });
      const parser = new SseParser();
      parser.push(await released.text());
      await new Promise((resolve) => setTimeout(resolve, parser.retryMs));
      // The released stream is still resumable; the five delivered ones are gone.
      const resumed = await fetch(listener.url, { headers: { accept: 'text/event-stream', 'last-event-id': parser.lastEventId!, ...headers } });
      assert.equal(resumed.status, 200);
      await resumed.text();
    } finally {
      await listener.close();
    }
  });
});
