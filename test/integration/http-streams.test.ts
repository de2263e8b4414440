/**
 * Legacy SSE streams let go of what they hold, over real HTTP on both faces: a call whose
 * client went away is freed on the sweep timer once it can no longer be resumed, a stream
 * replayed whole is forgotten, and a stream resumed twice keeps only the newest connection.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { McpServer } from '../../src/server/server.ts';
import { MemoryEventStore } from '../../src/store/event-store.ts';
import { createEdgeServer, Gate } from '../helpers/edge-server.ts';
import { FACES, type Served } from '../helpers/faces.ts';
import { openSession } from '../helpers/http.ts';
import { SseReader } from '../helpers/sse-reader.ts';

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function sessionHeaders(sessionId: string): Record<string, string> {
  return { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
}

/** A legacy tools/call with a progress token: its answer comes on an SSE stream. */
function streamedCall(served: Served, sessionId: string, id: number, name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
  return fetch(served.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...sessionHeaders(sessionId) },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: { progressToken: id } } }),
    signal,
  });
}

/** A legacy `hold` call that streams progress first; resolves once the progress arrived. */
async function holdStreaming(served: Served, sessionId: string, id: number, signal?: AbortSignal): Promise<SseReader> {
  const response = await streamedCall(served, sessionId, id, 'hold', { progress: true }, signal);
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  const reader = new SseReader(response);
  assert.equal((await reader.nextMessage()).method, 'notifications/progress');
  return reader;
}

/**
 * A streamed `hold` call whose client leaves after its progress; then the gate opens and the
 * call ends with nobody connected: its result waits in the event store. Returns the last event
 * id the client saw.
 */
async function endedWhileAway(served: Served, gate: Gate, sessionId: string, id: number): Promise<string> {
  const controller = new AbortController();
  const reader = await holdStreaming(served, sessionId, id, controller.signal);
  controller.abort();
  await until(() => served.transport.openStreams === 0, 'the server to see the client go');
  gate.open();
  await until(() => gate.left === 1, 'the call to end');
  return reader.parser.lastEventId!;
}

function resume(served: Served, sessionId: string, lastEventId: string): Promise<Response> {
  return fetch(served.url, { headers: { accept: 'text/event-stream', 'last-event-id': lastEventId, ...sessionHeaders(sessionId) } });
}

for (const face of FACES) {
  describe(`legacy streams, ${face.name} face`, () => {
    it('a live stream whose events the store forgot (past maxChars) is resumed and goes on: its answer still comes', async () => {
      const gate = new Gate();
      const later = new Gate();
      const server = new McpServer({ name: 'large', version: '1.0.0' });
      server.tool('held', { inputSchema: { type: 'object' } }, async (_args, ctx) => {
        ctx.progress(0, 2, 'started');
        await gate.pass();
        ctx.progress(1, 2, 'halfway');
        await later.pass();
        return 'released';
      });
      server.tool('large', { inputSchema: { type: 'object' } }, (_args, ctx) => {
        ctx.progress(0, 1, 'started');
        return 'x'.repeat(64 * 1024);
      });
      const events = new MemoryEventStore({ maxChars: 16 * 1024 });
      const served = await face.serve(server, { eventStore: events });
      try {
        const sessionId = await openSession(served.url);
        const call = (id: number, name: string, signal?: AbortSignal) => streamedCall(served, sessionId, id, name, {}, signal);
        const controller = new AbortController();
        const held = new SseReader(await call(1, 'held', controller.signal));
        assert.equal((await held.nextMessage()).method, 'notifications/progress');
        const lastEventId = held.parser.lastEventId!;
        controller.abort();
        await until(() => served.transport.openStreams === 0, 'the server to see the client go');
        // Its next progress is stored with nobody there; then another stream's answer takes the
        // store's room, and the held call's events are forgotten.
        gate.open();
        await until(() => later.entered === 1, 'the second progress');
        assert.equal((await new SseReader(await call(2, 'large')).rest()).at(-1).id, 2);
        const resumed = await resume(served, sessionId, lastEventId);
        assert.equal(resumed.status, 200);
        later.open();
        const rest = await new SseReader(resumed).rest();
        assert.equal(rest.at(-1).id, 1);
        assert.equal(rest.at(-1).result.content[0].text, 'released');
      } finally {
        gate.open();
        later.open();
        await served.close();
      }
    });

    it('regression: keeps at most maxChars of events in all, forgetting the streams written least recently, whose resumption is refused (a client leaving the streams of large answers behind made the process keep each for the resume window: 800 answers of 1 MB, 600 MB of heap)', async () => {
      const gate = new Gate();
      const server = new McpServer({ name: 'large', version: '1.0.0' });
      server.tool('large', { inputSchema: { type: 'object' } }, async (_args, ctx) => {
        ctx.progress(0, 1, 'started');
        await gate.pass();
        gate.left++;
        return 'x'.repeat(256 * 1024);
      });
      const events = new MemoryEventStore({ maxChars: 1024 * 1024 });
      const served = await face.serve(server, { eventStore: events });
      try {
        const sessionId = await openSession(served.url);
        const seen: string[] = [];
        for (let id = 1; id <= 12; id++) {
          const controller = new AbortController();
          const reader = new SseReader(await streamedCall(served, sessionId, id, 'large', {}, controller.signal));
          assert.equal((await reader.nextMessage()).method, 'notifications/progress');
          seen.push(reader.parser.lastEventId!);
          controller.abort();
        }
        await until(() => served.transport.openStreams === 0, 'the server to see the clients go');
        gate.open();
        await until(() => gate.left === 12, 'the calls to end');
        assert.ok(events.chars <= 1024 * 1024, `${events.chars} characters kept`);
        // The first answers were forgotten: their resumption is refused, not an empty replay.
        const first = await resume(served, sessionId, seen[0]);
        assert.equal(first.status, 400);
        assert.match(await first.text(), /unknown Last-Event-ID/);
        // The last one is kept whole.
        const last = await new SseReader(await resume(served, sessionId, seen[11])).rest();
        assert.equal(last.at(-1).id, 12);
        assert.equal(last.at(-1).result.content[0].text.length, 256 * 1024);
      } finally {
        gate.open();
        await served.close();
      }
    });

    it('frees an abandoned streamed call on the sweep timer (was: kept until the session ended)', async () => {
      const gate = new Gate();
      const events = new MemoryEventStore({ ttlMs: 60 * 60_000 });
      const served = await face.serve(createEdgeServer(gate), { sessions: { idleTimeoutMs: 2000 }, resumeWindowMs: 1, eventStore: events });
      try {
        const sessionId = await openSession(served.url);
        const controller = new AbortController();
        await holdStreaming(served, sessionId, 1, controller.signal);
        controller.abort();
        await until(() => served.transport.openStreams === 0, 'the server to see the client go');
        gate.open();
        await until(() => served.transport.retainedStreams === 0, 'the stream to be freed');
        await until(() => events.size === 0, 'its events to be dropped');
      } finally {
        gate.open();
        await served.close();
      }
    });

    it('forgets a stream once it is replayed whole after its call ended', async () => {
      const gate = new Gate();
      const served = await face.serve(createEdgeServer(gate));
      try {
        const sessionId = await openSession(served.url);
        const lastEventId = await endedWhileAway(served, gate, sessionId, 2);
        const replay = new SseReader(await resume(served, sessionId, lastEventId));
        const messages = await replay.rest();
        assert.equal(messages.at(-1).id, 2);
        assert.equal(messages.at(-1).result.content[0].text, 'released');
        assert.equal(served.transport.retainedStreams, 0);
      } finally {
        gate.open();
        await served.close();
      }
    });

    it('regression: a Last-Event-ID the stream never gave is refused, and the stream stays resumable (one past its end made it forgotten with its answer)', async () => {
      const gate = new Gate();
      const served = await face.serve(createEdgeServer(gate));
      try {
        const sessionId = await openSession(served.url);
        const lastEventId = await endedWhileAway(served, gate, sessionId, 5);
        const streamId = lastEventId.slice(0, lastEventId.lastIndexOf('.'));
        for (const sequence of ['99999', 'NaN', '1.5', '']) {
          const forged = await resume(served, sessionId, `${streamId}.${sequence}`);
          assert.equal(forged.status, 400, `${streamId}.${sequence} was never given`);
          await forged.body?.cancel();
        }
        const messages = await new SseReader(await resume(served, sessionId, lastEventId)).rest();
        assert.equal(messages.at(-1).id, 5, 'the answer is still there for the id the client holds');
        assert.equal(messages.at(-1).result.content[0].text, 'released');
      } finally {
        gate.open();
        await served.close();
      }
    });

    it('regression: while draining, a client comes back for its answer with Last-Event-ID (it was refused 503, and the answer lost with the process)', async () => {
      const gate = new Gate();
      const served = await face.serve(createEdgeServer(gate));
      try {
        const sessionId = await openSession(served.url);
        const controller = new AbortController();
        const lastEventId = (await holdStreaming(served, sessionId, 6, controller.signal)).parser.lastEventId!;
        controller.abort();
        await until(() => served.transport.openStreams === 0, 'the server to see the client go');
        const drained = served.transport.drain();
        const fresh = await fetch(served.url, { headers: { accept: 'text/event-stream', ...sessionHeaders(sessionId) } });
        assert.equal(fresh.status, 503, 'a new GET stream is refused while draining');
        await fresh.body?.cancel();
        const resumed = await resume(served, sessionId, lastEventId);
        assert.equal(resumed.status, 200);
        gate.open();
        const messages = await new SseReader(resumed).rest();
        assert.equal(messages.at(-1).id, 6);
        assert.equal(messages.at(-1).result.content[0].text, 'released');
        await drained;
      } finally {
        gate.open();
        await served.close();
      }
    });

    it('regression: a tool closing its stream before the client got any event id keeps the connection (a 2025-03-26 call lost its answer)', async () => {
      const gate = new Gate();
      const served = await face.serve(createEdgeServer(gate));
      try {
        // Before 2025-11-25 a stream is not primed: until an event goes out, its client holds
        // no event id to resume it with (spec 2025-11-25, transports: sending messages).
        const sessionId = await openSession(served.url, '2025-03-26');
        const response = await fetch(served.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-03-26' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'hold', arguments: { detach: true } } }),
        });
        await gate.reached(1);
        gate.open();
        const messages = await new SseReader(response).rest();
        assert.equal(messages.at(-1)?.id, 4, 'the answer came on the connection');
        assert.equal(messages.at(-1).result.content[0].text, 'released');
      } finally {
        gate.open();
        await served.close();
      }
    });

    it('ends the older connection of a stream resumed twice (was: left open forever)', async () => {
      const gate = new Gate();
      const served = await face.serve(createEdgeServer(gate));
      try {
        const sessionId = await openSession(served.url);
        const original = await holdStreaming(served, sessionId, 3);
        const lastEventId = original.parser.lastEventId!;
        const first = new SseReader(await resume(served, sessionId, lastEventId));
        assert.deepEqual(await original.rest(), [], 'the original connection ended without the result');
        const second = new SseReader(await resume(served, sessionId, lastEventId));
        assert.deepEqual(await first.rest(), [], 'the first resumption ended when the second came');
        gate.open();
        const messages = await second.rest();
        assert.equal(messages.at(-1).id, 3);
        assert.equal(messages.at(-1).result.content[0].text, 'released');
      } finally {
        gate.open();
        await served.close();
      }
    });
  });
}
