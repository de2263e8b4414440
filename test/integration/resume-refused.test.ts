/**
 * A GET whose Last-Event-ID names no event its live session can resume from is refused with
 * 400 and a JSON-RPC error that says so, and the session goes on; 404 is kept for a session
 * that is gone (spec 2025-11-25, transports: a client answered 404 MUST start a new session).
 * Over real HTTP on both faces, with mcp-core's own client and the official TypeScript SDK
 * client (v1) as peers.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as HttpV1, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpClient } from '../../src/client/client.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { createEdgeServer, Gate } from '../helpers/edge-server.ts';
import { FACES, nodeFace, type Served } from '../helpers/faces.ts';
import { openSession, post, read } from '../helpers/http.ts';
import { SseReader } from '../helpers/sse-reader.ts';

const UNKNOWN = { jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: unknown Last-Event-ID' } };

function sessionHeaders(sessionId: string): Record<string, string> {
  return { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
}

function resume(served: Served, sessionId: string, lastEventId: string) {
  return fetch(served.url, { headers: { accept: 'text/event-stream', 'last-event-id': lastEventId, ...sessionHeaders(sessionId) } }).then(read);
}

async function whoami(served: Served, sessionId: string, id: number) {
  return post(served.url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, sessionHeaders(sessionId));
}

/** A `hold` call's stream, open at the gate after its progress: the id of its last event. */
async function heldStream(served: Served, sessionId: string, id: number, signal: AbortSignal): Promise<string> {
  const response = await fetch(served.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...sessionHeaders(sessionId) },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'hold', arguments: { progress: true }, _meta: { progressToken: id } } }),
    signal,
  });
  const reader = new SseReader(response);
  assert.equal((await reader.nextMessage()).method, 'notifications/progress');
  return reader.parser.lastEventId!;
}

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

for (const face of FACES) {
  describe(`an unresumable Last-Event-ID, ${face.name} face`, () => {
    it('regression: is refused with 400 on a live session (was 404, which tells a client its session is gone), and the session serves a tools/call after', async () => {
      const gate = new Gate();
      const served = await face.serve(createEdgeServer(gate));
      const held = new AbortController();
      try {
        const sessionId = await openSession(served.url);
        const other = await openSession(served.url);
        const othersId = await heldStream(served, other, 1, held.signal);
        const streamId = othersId.slice(0, othersId.lastIndexOf('.'));
        const ownId = await heldStream(served, sessionId, 2, held.signal);
        const ownStream = ownId.slice(0, ownId.lastIndexOf('.'));
        for (const bogus of ['bogus', `${randomUUID()}.1`, othersId, `${streamId}.1`, `${ownStream}.99999`, `${ownStream}.NaN`, 'x'.repeat(4000)]) {
          const refused = await resume(served, sessionId, bogus);
          assert.equal(refused.status, 400, `${bogus.slice(0, 60)}: ${refused.text}`);
          assert.equal(refused.headers.get('content-type'), 'application/json');
          assert.deepEqual(refused.json, UNKNOWN);
        }
        const called = await whoami(served, sessionId, 3);
        assert.equal(called.status, 200, called.text);
        assert.equal(called.json.result.content[0].text, 'anonymous');
        assert.equal(served.transport.sessions!.size, 2, 'both sessions are kept');
      } finally {
        held.abort();
        gate.open();
        await served.close();
      }
    });

    it('a GET on a deleted session is 404 (-32001) whatever its Last-Event-ID: one its stream gave, an unknown one, none', async () => {
      const gate = new Gate();
      const served = await face.serve(createEdgeServer(gate));
      const held = new AbortController();
      try {
        const sessionId = await openSession(served.url);
        const given = await heldStream(served, sessionId, 1, held.signal);
        held.abort();
        await until(() => served.transport.openStreams === 0, 'the server to see the client go');
        const deleted = await fetch(served.url, { method: 'DELETE', headers: sessionHeaders(sessionId) });
        assert.equal(deleted.status, 200);
        for (const lastEventId of [given, 'bogus', `${randomUUID()}.1`, undefined]) {
          const headers: Record<string, string> = { accept: 'text/event-stream', ...sessionHeaders(sessionId) };
          if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
          const gone = await read(await fetch(served.url, { headers }));
          assert.equal(gone.status, 404, `${lastEventId}: ${gone.text}`);
          assert.equal(gone.json.error.code, -32001);
        }
      } finally {
        gate.open();
        await served.close();
      }
    });
  });
}

describe('clients whose resumption is refused with 400', () => {
  it("mcp-core's client fails the call whose stream cannot be resumed, and keeps its session: no new initialize, the next call served", async () => {
    const gate = new Gate();
    gate.open();
    // The client waits the server's retry (3 s) before it resumes: meanwhile the stream, ended
    // with its client away, is forgotten (a resume window of 1 ms), so its id is unknown.
    const served = await nodeFace.serve(createEdgeServer(gate), { resumeWindowMs: 1, retryIntervalMs: 3000 });
    const client = new McpClient({ name: 'resumer', version: '1.0.0', era: 'legacy', requestTimeoutMs: 30_000 });
    const transport = new StreamableHttpClientTransport(served.url, { listen: false });
    await client.connect(transport);
    try {
      const sessionId = transport.sessionId;
      const call = client.callTool('hold', { detach: true });
      const failed = assert.rejects(call, (error: unknown) => {
        assert.ok(error instanceof McpLocalError && error.code === LocalErrorCode.ConnectionClosed, String(error));
        assert.match(error.message, /resuming was refused \(HTTP 400\)$/);
        return true;
      });
      await until(() => gate.left === 1 && served.transport.openStreams === 0, 'the call to end with its stream let go');
      await until(() => {
        served.transport.sessions!.sweep();
        return served.transport.retainedStreams === 0;
      }, 'the ended stream to be forgotten');
      await failed;
      assert.equal(transport.sessionId, sessionId, 'the session is kept');
      const result = await client.callTool('whoami');
      assert.deepEqual(result.content, [{ type: 'text', text: 'anonymous' }]);
      assert.equal(transport.sessionId, sessionId, 'no new session was started');
      assert.equal(served.transport.sessions!.size, 1);
    } finally {
      await client.close();
      await served.close();
    }
  });

  it('the official TypeScript SDK client (v1) resuming with an unknown Last-Event-ID gets 400, keeps its session id and calls a tool after', async () => {
    const served = await nodeFace.serve(createEdgeServer());
    const client = new ClientV1({ name: 'sdk-v1', version: '1.0.0' });
    const transport = new HttpV1(new URL(served.url));
    await client.connect(transport);
    try {
      const sessionId = transport.sessionId;
      assert.ok(sessionId, 'a legacy session was opened');
      await assert.rejects(transport.resumeStream(`${randomUUID()}.7`), (error: unknown) => error instanceof StreamableHTTPError && error.code === 400);
      assert.equal(transport.sessionId, sessionId);
      const result = (await client.callTool({ name: 'whoami', arguments: {} })) as { content: unknown };
      assert.deepEqual(result.content, [{ type: 'text', text: 'anonymous' }]);
      assert.equal(transport.sessionId, sessionId);
      assert.equal(served.transport.sessions!.size, 1, 'no other session was started');
    } finally {
      await transport.terminateSession();
      await client.close();
      await served.close();
    }
  });
});
