/**
 * JSON-RPC batches in sessions of the 2025-03-26 revision ("MUST support receiving JSON-RPC
 * batches"), over real HTTP on both faces: each message served as if alone, its answer and
 * progress events of the batch's one SSE stream, each request bounded as a POST of its own;
 * refused with -32600 in other revisions, when empty, or too long.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_BATCH_MESSAGES } from '../../src/protocol/batches.ts';
import { createEdgeServer, Gate } from '../helpers/edge-server.ts';
import { FACES } from '../helpers/faces.ts';
import { openSession, post } from '../helpers/http.ts';
import { SseReader } from '../helpers/sse-reader.ts';

const VERSION = '2025-03-26';

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function postBatch(url: string, sessionId: string, batch: unknown[], signal?: AbortSignal): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId },
    body: JSON.stringify(batch),
    signal,
  });
}

/** The messages of a batch's stream, once it ended. */
async function messagesOf(response: Response): Promise<any[]> {
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  return new SseReader(response).rest();
}

const byId = (messages: any[]) => new Map(messages.filter((message) => message.id !== undefined).map((message) => [message.id, message]));

for (const face of FACES) {
  describe(`JSON-RPC batches, ${face.name} face`, () => {
    it('serves each message of a batch; answers and progress are events of one stream, which ends after the last answer', async () => {
      const served = await face.serve(createEdgeServer());
      try {
        const sessionId = await openSession(served.url, VERSION);
        const response = await postBatch(served.url, sessionId, [
          { jsonrpc: '2.0', id: 1, method: 'tools/list' },
          { jsonrpc: '2.0', id: 'two', method: 'tools/call', params: { name: 'wait', arguments: { ms: 30, progress: true }, _meta: { progressToken: 'p' } } },
          { jsonrpc: '2.0', method: 'notifications/roots/list_changed' },
          { jsonrpc: '2.0', id: 3, method: 'ping' },
        ]);
        assert.equal(response.headers.get('mcp-session-id'), sessionId);
        const messages = await messagesOf(response);
        const answers = byId(messages);
        assert.equal(messages.filter((message) => message.id !== undefined).length, 3, 'one answer per request');
        assert.deepEqual([...answers.keys()].sort(), [1, 3, 'two'].sort());
        assert.ok(answers.get(1).result.tools.some((tool: { name: string }) => tool.name === 'wait'));
        assert.equal(answers.get('two').result.content[0].text, 'waited 30');
        assert.deepEqual(answers.get(3).result, {});
        const progress = messages.filter((message) => message.method === 'notifications/progress');
        assert.equal(progress.length, 1);
        assert.equal(progress[0].params.progressToken, 'p');
        assert.ok(messages.indexOf(progress[0]) < messages.indexOf(answers.get('two')), 'progress comes before its answer');
      } finally {
        await served.close();
      }
    });

    it('a batch of notifications and answers only is taken with 202; bad messages get errors of their own, with their ids, and the rest is served', async () => {
      const served = await face.serve(createEdgeServer());
      try {
        const sessionId = await openSession(served.url, VERSION);
        const quiet = await postBatch(served.url, sessionId, [
          { jsonrpc: '2.0', method: 'notifications/roots/list_changed' },
          { jsonrpc: '2.0', id: 'never-asked', result: {} },
        ]);
        assert.equal(quiet.status, 202);
        assert.equal(quiet.headers.get('mcp-session-id'), sessionId);
        assert.equal(await quiet.text(), '');

        const messages = await messagesOf(
          await postBatch(served.url, sessionId, [
            { jsonrpc: '2.0', id: 1, method: 42 },
            'not a message',
            [{ jsonrpc: '2.0', id: 9, method: 'ping' }],
            { jsonrpc: '2.0', id: 2, method: 'initialize', params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: 'x', version: '1' } } },
            { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'no_such_tool', arguments: {} } },
            { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
          ]),
        );
        const answers = byId(messages);
        assert.equal(answers.get(1).error.code, -32600);
        assert.equal(answers.get(2).error.code, -32600, 'initialize is never part of a batch (2025-03-26, lifecycle)');
        assert.equal(answers.get(3).error.code, -32602, 'an unknown tool');
        assert.equal(answers.get(4).result.content[0].text, 'anonymous');
        const anonymous = messages.filter((message) => message.id === undefined);
        assert.equal(anonymous.length, 2, 'the string and the nested batch: errors without an id');
        for (const error of anonymous) assert.equal(error.error.code, -32600);
        assert.match(anonymous[1].error.message, /batch/);
      } finally {
        await served.close();
      }
    });

    it('each request of a batch holds an in-flight share: past the bound it is refused in its own answer, and the shares go back once the work is done, even with the client gone', async () => {
      const gate = new Gate();
      const served = await face.serve(createEdgeServer(gate), { inflight: { maxRequestsPerClient: 3 } });
      try {
        const sessionId = await openSession(served.url, VERSION);
        const controller = new AbortController();
        const calls = [1, 2, 3, 4].map((id) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'hold', arguments: {} } }));
        const response = await postBatch(served.url, sessionId, calls, controller.signal);
        const reader = new SseReader(response);
        // The POST holds a share of its own: two of the four calls are admitted.
        const refused = [await reader.nextMessage(), await reader.nextMessage()];
        for (const answer of refused) {
          assert.equal(answer.error.code, -32000);
          assert.match(answer.error.message, /too many requests in flight/);
        }
        await gate.reached(2);
        assert.equal(served.transport.inflight.requests, 3);
        controller.abort();
        await until(() => served.transport.openStreams === 0 && served.transport.inflight.requests <= 2, 'the POST to give its share back');
        // Legacy work goes on without its client (2025-11-25, transports), holding its shares.
        assert.equal(served.transport.inflight.requests, 2);
        gate.open();
        await until(() => gate.left === 2, 'the calls to end');
        await until(() => served.transport.inflight.requests === 0, 'every share back');
        const after = await post(served.url, { jsonrpc: '2.0', id: 9, method: 'ping' }, { 'mcp-session-id': sessionId });
        assert.equal(after.status, 200);
      } finally {
        gate.open();
        await served.close();
      }
    });

    it('refuses a batch outside a 2025-03-26 session, an empty one and one past the bound, with -32600', async () => {
      const served = await face.serve(createEdgeServer());
      try {
        const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };
        const newer = await openSession(served.url, '2025-11-25');
        const inNewer = await post(served.url, [ping], { 'mcp-session-id': newer });
        assert.equal(inNewer.status, 400);
        assert.equal(inNewer.json.error.code, -32600);
        assert.match(inNewer.json.error.message, /only in sessions of protocol version 2025-03-26; this one is 2025-11-25/);

        const noSession = await post(served.url, [ping]);
        assert.equal(noSession.status, 400);
        assert.match(noSession.json.error.message, /batches are taken only in sessions of protocol version 2025-03-26/);

        const sessionId = await openSession(served.url, VERSION);
        const empty = await post(served.url, [], { 'mcp-session-id': sessionId });
        assert.equal(empty.status, 400);
        assert.match(empty.json.error.message, /an empty batch/);

        const long = await post(served.url, Array.from({ length: MAX_BATCH_MESSAGES + 1 }, (_, id) => ({ ...ping, id })), { 'mcp-session-id': sessionId });
        assert.equal(long.status, 400);
        assert.match(long.json.error.message, new RegExp(`at most ${MAX_BATCH_MESSAGES}`));

        const unknown = await post(served.url, [ping], { 'mcp-session-id': 'no-such-session' });
        assert.equal(unknown.status, 404);

        const full = await messagesOf(await postBatch(served.url, sessionId, Array.from({ length: MAX_BATCH_MESSAGES }, (_, id) => ({ ...ping, id }))));
        assert.equal(full.length, MAX_BATCH_MESSAGES);
      } finally {
        await served.close();
      }
    });
  });
}
