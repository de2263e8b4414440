/**
 * Protocol corrections on legacy HTTP sessions and CORS, over real HTTP on both faces:
 * duplicate request ids, the POST of a call that is cancelled or whose session is deleted,
 * CORS preflights and headers, and what a session keeps of its client's data.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOriginCheck } from '../../src/security/origin.ts';
import { McpServer } from '../../src/server/server.ts';
import { bearerEdge, createEdgeServer, Gate } from '../helpers/edge-server.ts';
import { FACES, type Served } from '../helpers/faces.ts';
import { from, initializeFrom } from '../helpers/http-from.ts';
import { MODERN_META, openSession, post } from '../helpers/http.ts';
import { SseReader } from '../helpers/sse-reader.ts';

function sessionHeaders(sessionId: string): Record<string, string> {
  return { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
}

function hold(served: Served, sessionId: string, id: number, progress = false): Promise<Response> {
  return fetch(served.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...sessionHeaders(sessionId) },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'hold', arguments: { progress }, _meta: { progressToken: id } } }),
  });
}

for (const face of FACES) {
  describe(`legacy session protocol, ${face.name} face`, () => {
    let gate: Gate;
    let served: Served;
    before(async () => {
      gate = new Gate();
      served = await face.serve(createEdgeServer(gate), { sessions: { maxSessions: 100 } });
    });
    after(async () => {
      gate.open();
      await served.close();
    });

    it('refuses a second request with the id of one in flight, -32600 as over stdio (was: both accepted)', async () => {
      const sessionId = await openSession(served.url);
      const first = hold(served, sessionId, 7);
      await gate.reached(gate.entered + 1);
      const duplicate = await post(served.url, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, sessionHeaders(sessionId));
      assert.equal(duplicate.status, 400);
      assert.equal(duplicate.json.id, 7);
      assert.equal(duplicate.json.error.code, -32600);
      assert.match(duplicate.json.error.message, /already in flight/);
      // Cancelling now reaches the first request, which ends at once.
      await post(served.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7 } }, sessionHeaders(sessionId));
      const ended = await first;
      assert.equal(ended.status, 200);
      assert.equal(ended.headers.get('content-type'), 'text/event-stream');
      // The id is free again.
      const again = await post(served.url, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, sessionHeaders(sessionId));
      assert.equal(again.json.result.content[0].text, 'anonymous');
    });

    it('ends the POST of a cancelled call with an empty SSE stream, at once (was: 204 once the handler finished)', async () => {
      const sessionId = await openSession(served.url);
      const pending = hold(served, sessionId, 8);
      await gate.reached(gate.entered + 1);
      const cancel = await post(served.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 8, reason: 'no longer needed' } }, sessionHeaders(sessionId));
      assert.equal(cancel.status, 202);
      const response = await pending;
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'text/event-stream');
      assert.equal(response.headers.get('mcp-session-id'), sessionId);
      assert.deepEqual(await new SseReader(response).rest(), [], 'no response is due for a cancelled request');
      // A call that was already streaming ends its stream without a response too.
      const streaming = new SseReader(await hold(served, sessionId, 9, true));
      assert.equal((await streaming.nextMessage()).method, 'notifications/progress');
      await post(served.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 9 } }, sessionHeaders(sessionId));
      assert.deepEqual(await streaming.rest(), []);
    });

    it('answers the POST of a call whose session is deleted with 404 and an error (was: 204)', async () => {
      const sessionId = await openSession(served.url);
      const pending = hold(served, sessionId, 10);
      const streaming = hold(served, sessionId, 11, true);
      await gate.reached(gate.entered + 2);
      const reader = new SseReader(await streaming);
      assert.equal((await reader.nextMessage()).method, 'notifications/progress');
      assert.equal((await fetch(served.url, { method: 'DELETE', headers: { 'mcp-session-id': sessionId } })).status, 200);
      const answered = await pending;
      assert.equal(answered.status, 404);
      assert.deepEqual(await answered.json(), { jsonrpc: '2.0', id: 10, error: { code: -32001, message: 'Session closed' } });
      assert.deepEqual(await reader.rest(), [{ jsonrpc: '2.0', id: 11, error: { code: -32001, message: 'Session closed' } }]);
    });

    it('subscribes only to resources the server has, within the session bounds', async () => {
      const sessionId = await openSession(served.url);
      const subscribe = (id: number, uri: string) => post(served.url, { jsonrpc: '2.0', id, method: 'resources/subscribe', params: { uri } }, sessionHeaders(sessionId));
      assert.deepEqual((await subscribe(1, 'demo://known')).json.result, {});
      assert.deepEqual((await subscribe(2, 'demo://items/42')).json.result, {}, 'a template match');
      const unknown = await subscribe(3, 'demo://nothing-here');
      assert.equal(unknown.json.error.code, -32002);
      assert.deepEqual(unknown.json.error.data, { uri: 'demo://nothing-here' });
    });
  });
}

describe('what a legacy session keeps of its client', () => {
  for (const face of FACES) {
    it(`caps subscriptions and client data per session (${face.name} face)`, async () => {
      const limited = new McpServer({ name: 'limited', version: '1', sessionLimits: { maxSubscriptions: 3, maxDataBytes: 2048 } });
      limited.resourceTemplate('demo://items/{id}', { name: 'item' }, (_uri, { id }) => `item ${id}`);
      const served = await face.serve(limited);
      try {
        const huge = await post(served.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { experimental: { blob: { text: 'x'.repeat(4096) } } }, clientInfo: { name: 't', version: '1' } } });
        assert.equal(huge.json.error.code, -32602);
        assert.match(huge.json.error.message, /more than 2048 bytes/);
        assert.equal(huge.headers.get('mcp-session-id'), null, 'no session is kept');
        assert.equal(served.transport.sessions!.size, 0);
        const sessionId = await openSession(served.url);
        const subscribe = (id: number, uri: string) => post(served.url, { jsonrpc: '2.0', id, method: 'resources/subscribe', params: { uri } }, sessionHeaders(sessionId));
        for (let i = 1; i <= 3; i++) assert.deepEqual((await subscribe(i, `demo://items/${i}`)).json.result, {});
        const fourth = await subscribe(4, 'demo://items/4');
        assert.equal(fourth.json.error.code, -32602);
        assert.match(fourth.json.error.message, /3 subscriptions/);
        await post(served.url, { jsonrpc: '2.0', id: 5, method: 'resources/unsubscribe', params: { uri: 'demo://items/1' } }, sessionHeaders(sessionId));
        const long = await subscribe(6, `demo://items/${'z'.repeat(3000)}`);
        assert.match(long.json.error.message, /more than 2048 bytes/);
        assert.deepEqual((await subscribe(7, 'demo://items/5')).json.result, {});
      } finally {
        await served.close();
      }
    });
  }
});

for (const face of FACES) {
  describe(`CORS, ${face.name} face`, () => {
    const ORIGIN = 'https://app.example';
    let served: Served;
    before(async () => {
      served = await face.serve(createEdgeServer(), { originCheck: createOriginCheck({ allowedOrigins: [ORIGIN], loopback: true }), edge: bearerEdge });
    });
    after(() => served.close());

    it('answers a preflight from an allowed origin, allowing only the headers MCP uses', async () => {
      const preflight = await from('127.0.0.1', served.url, {
        method: 'OPTIONS',
        headers: {
          origin: ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, authorization, mcp-protocol-version, mcp-method, mcp-name, mcp-param-region, last-event-id, x-evil',
        },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], ORIGIN);
      assert.equal(preflight.headers['access-control-allow-methods'], 'GET, POST, DELETE');
      assert.equal(preflight.headers['access-control-allow-headers'], 'content-type, authorization, mcp-protocol-version, mcp-method, mcp-name, mcp-param-region, last-event-id');
      assert.match(preflight.headers.vary as string, /Origin/);
      assert.equal(preflight.text, '');
    });

    it('refuses a preflight and requests from other origins, without CORS headers', async () => {
      const preflight = await from('127.0.0.1', served.url, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
      assert.equal(preflight.status, 403);
      assert.equal(preflight.headers['access-control-allow-origin'], undefined);
      const posted = await from('127.0.0.1', served.url, { headers: { origin: 'https://evil.example', authorization: 'Bearer alice' }, body: { jsonrpc: '2.0', id: 1, method: 'ping' } });
      assert.equal(posted.status, 403);
      assert.equal(posted.headers['access-control-allow-origin'], undefined);
    });

    it('lets an allowed page read answers, refusals and streams, and the headers they carry', async () => {
      const init = await initializeFrom('127.0.0.1', served.url, { origin: ORIGIN, authorization: 'Bearer alice' });
      assert.equal(init.status, 200);
      assert.equal(init.headers['access-control-allow-origin'], ORIGIN);
      assert.match(init.headers['access-control-expose-headers'] as string, /Mcp-Session-Id/);
      assert.match(init.headers['access-control-expose-headers'] as string, /MCP-Protocol-Version/);
      const refused = await from('127.0.0.1', served.url, { headers: { origin: ORIGIN }, body: { jsonrpc: '2.0', id: 1, method: 'ping' } });
      assert.equal(refused.status, 401);
      assert.equal(refused.headers['access-control-allow-origin'], ORIGIN);
      assert.match(refused.headers['access-control-expose-headers'] as string, /WWW-Authenticate/);
      const stream = await fetch(served.url, { headers: { accept: 'text/event-stream', origin: ORIGIN, authorization: 'Bearer alice', 'mcp-session-id': init.headers['mcp-session-id'] as string } });
      assert.equal(stream.status, 200);
      assert.equal(stream.headers.get('access-control-allow-origin'), ORIGIN);
      await stream.body!.cancel();
      const modern = await from('127.0.0.1', served.url, {
        headers: { origin: ORIGIN, authorization: 'Bearer alice', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'whoami' },
        body: { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {}, _meta: MODERN_META } },
      });
      assert.equal(modern.json.result.content[0].text, 'alice');
      assert.equal(modern.headers['access-control-allow-origin'], ORIGIN);
    });

    it('sends no CORS headers to clients that send no Origin', async () => {
      const plain = await from('127.0.0.1', served.url, { headers: { authorization: 'Bearer alice' }, body: { jsonrpc: '2.0', id: 1, method: 'ping' } });
      assert.equal(plain.headers['access-control-allow-origin'], undefined);
      const options = await from('127.0.0.1', served.url, { method: 'OPTIONS' });
      assert.equal(options.status, 204);
      assert.equal(options.headers.allow, 'GET, POST, DELETE, OPTIONS');
    });
  });
}
