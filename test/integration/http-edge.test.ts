/**
 * The edge hook over real HTTP, on both faces: one hook for POST, GET and DELETE; refusals
 * written the same way by both; the principal reaching handlers; legacy sessions and tasks
 * bound to the principal that created them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RequestHead } from '../../src/security/edge.ts';
import { bearerEdge, createEdgeServer, Gate } from '../helpers/edge-server.ts';
import { FACES, type Served } from '../helpers/faces.ts';
import { callTool, MODERN_META, post, type RawResponse } from '../helpers/http.ts';

const TASKS_META = { 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } };

function bearer(name: string): Record<string, string> {
  return { authorization: `Bearer ${name}` };
}

async function initialize(url: string, headers: Record<string, string>): Promise<string> {
  const init = await post(url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }, headers);
  const id = init.headers.get('mcp-session-id');
  assert.equal(init.status, 200, init.text);
  assert.ok(id);
  await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { ...headers, 'mcp-session-id': id });
  return id;
}

function legacyCall(url: string, sessionId: string, id: number, name: string, headers: Record<string, string>): Promise<RawResponse> {
  return post(url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } }, { ...headers, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' });
}

async function getStream(url: string, sessionId: string, headers: Record<string, string>): Promise<Response> {
  return fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId, ...headers } });
}

/** The parts of a refusal a client sees. */
async function refusalShape(response: Response) {
  const body = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    challenge: response.headers.get('www-authenticate'),
    body: JSON.parse(body),
  };
}

for (const face of FACES) {
  describe(`edge hook, ${face.name} face`, () => {
    let served: Served;
    const heads: RequestHead[] = [];
    const errors: unknown[] = [];
    before(async () => {
      served = await face.serve(createEdgeServer(new Gate(), (error) => errors.push(error)), {
        edge: (head) => {
          heads.push(head);
          return bearerEdge(head);
        },
      });
    });
    after(() => served.close());

    it('refuses POST, GET and DELETE alike without credentials: 401, the challenge, a JSON-RPC error', async () => {
      const responses = [
        await fetch(served.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' }),
        await fetch(served.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': 'x' } }),
        await fetch(served.url, { method: 'DELETE', headers: { 'mcp-session-id': 'x' } }),
      ];
      for (const response of responses) {
        const shape = await refusalShape(response);
        assert.equal(shape.status, 401);
        assert.equal(shape.contentType, 'application/json');
        assert.match(shape.challenge!, /^Bearer resource_metadata=/);
        assert.deepEqual(shape.body, { jsonrpc: '2.0', error: { code: -32000, message: 'Unauthorized' } });
      }
    });

    it('gives the hook the head of every request: method, path, headers, remote address', async () => {
      heads.length = 0;
      await callTool(served.url, 1, 'whoami', {}).then(() => {});
      await fetch(served.url, { method: 'DELETE', headers: { 'mcp-session-id': 'x', ...bearer('alice') } }).then((r) => r.text());
      assert.deepEqual(
        heads.map((head) => [head.method, head.path, head.remoteAddress]),
        [
          ['POST', '/mcp', '127.0.0.1'],
          ['DELETE', '/mcp', '127.0.0.1'],
        ],
      );
      assert.equal(heads[1].headers.authorization, 'Bearer alice');
    });

    it('hands the principal to handlers as ctx.auth, from a sync or an async hook', async () => {
      for (const [token, subject] of [['alice', 'alice'], ['async-bob', 'bob']]) {
        const response = await post(
          served.url,
          { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {}, _meta: MODERN_META } },
          { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'whoami', ...bearer(token) },
        );
        assert.equal(response.json.result.content[0].text, subject);
      }
      const sessionId = await initialize(served.url, bearer('carol'));
      assert.equal((await legacyCall(served.url, sessionId, 2, 'whoami', bearer('carol'))).json.result.content[0].text, 'carol');
    });

    it('answers 500 when the hook throws, and reports the error', async () => {
      errors.length = 0;
      const response = await post(served.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, bearer('boom'));
      assert.equal(response.status, 500);
      assert.deepEqual(response.json, { jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' } });
      assert.equal((errors[0] as Error).message, 'the hook broke');
    });

    it('binds a legacy session to its principal: another one gets 404 on POST, GET and DELETE', async () => {
      const sessionId = await initialize(served.url, bearer('alice'));
      const stranger = bearer('mallory');
      const posted = await legacyCall(served.url, sessionId, 3, 'whoami', stranger);
      assert.equal(posted.status, 404);
      assert.equal(posted.json.error.code, -32001);
      const got = await getStream(served.url, sessionId, stranger);
      assert.equal(got.status, 404);
      await got.text();
      const deleted = await fetch(served.url, { method: 'DELETE', headers: { 'mcp-session-id': sessionId, ...stranger } });
      assert.equal(deleted.status, 404);
      // The owner still has it, async hook or not.
      assert.equal((await legacyCall(served.url, sessionId, 4, 'whoami', bearer('async-alice'))).json.result.content[0].text, 'alice');
      const stream = await getStream(served.url, sessionId, bearer('alice'));
      assert.equal(stream.status, 200);
      await stream.body!.cancel();
      assert.equal((await fetch(served.url, { method: 'DELETE', headers: { 'mcp-session-id': sessionId, ...bearer('alice') } })).status, 200);
    });

    it('binds tasks to their principal: another one cannot see, steer or cancel them', async () => {
      const headers = (name: string, method: string, target: string) => ({ 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, 'mcp-name': target, ...bearer(name) });
      const created = await post(
        served.url,
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'job', arguments: { ms: 30_000 }, _meta: { ...MODERN_META, ...TASKS_META } } },
        headers('alice', 'tools/call', 'job'),
      );
      const taskId = created.json.result.taskId;
      assert.equal(typeof taskId, 'string');
      for (const method of ['tasks/get', 'tasks/cancel']) {
        const stolen = await post(served.url, { jsonrpc: '2.0', id: 2, method, params: { taskId, _meta: { ...MODERN_META, ...TASKS_META } } }, headers('mallory', method, taskId));
        assert.equal(stolen.json.error.code, -32602, method);
        assert.match(stolen.json.error.message, /Task not found/);
      }
      const own = await post(served.url, { jsonrpc: '2.0', id: 3, method: 'tasks/get', params: { taskId, _meta: { ...MODERN_META, ...TASKS_META } } }, headers('alice', 'tasks/get', taskId));
      assert.equal(own.json.result.status, 'working');
      const cancelled = await post(served.url, { jsonrpc: '2.0', id: 4, method: 'tasks/cancel', params: { taskId, _meta: { ...MODERN_META, ...TASKS_META } } }, headers('alice', 'tasks/cancel', taskId));
      assert.deepEqual(cancelled.json.result.resultType, 'complete');
    });
  });
}

describe('edge hook: both faces write a refusal identically', () => {
  it('same status, headers and body from node:http and fetch', async () => {
    const shapes = [];
    for (const face of FACES) {
      const served = await face.serve(createEdgeServer(), { edge: bearerEdge });
      try {
        const response = await fetch(served.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
        shapes.push({ ...(await refusalShape(response)), cors: response.headers.get('access-control-allow-origin') });
      } finally {
        await served.close();
      }
    }
    assert.deepEqual(shapes[0], shapes[1]);
  });

  it('without a hook every caller is anonymous, and sessions are shared by id as before', async () => {
    for (const face of FACES) {
      const served = await face.serve(createEdgeServer());
      try {
        assert.equal((await callTool(served.url, 1, 'whoami', {})).json.result.content[0].text, 'anonymous');
        const init = await post(served.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
        const sessionId = init.headers.get('mcp-session-id')!;
        assert.equal((await legacyCall(served.url, sessionId, 1, 'whoami', {})).json.result.content[0].text, 'anonymous');
      } finally {
        await served.close();
      }
    }
  });
});

