/**
 * Bounds over real HTTP, on both faces: no client can fill the session table for others, and
 * requests in flight (and the body bytes they hold) are bounded in all and per client, with
 * 503 and Retry-After past the bounds. Clients are told apart by their loopback address.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { createEdgeServer, Gate } from '../helpers/edge-server.ts';
import { FACES, type Face, type Served } from '../helpers/faces.ts';
import { from, initializeFrom, type FromResponse } from '../helpers/http-from.ts';
import { MODERN_META } from '../helpers/http.ts';
import type { McpEndpoint } from '../../src/transport/http/streamable-http.ts';
import type { MemorySessionStore } from '../../src/store/session-store.ts';

const CALL_HEADERS = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call' };

function call(address: string, url: string, name: string, args: Record<string, unknown>, options: { chunked?: boolean } = {}): Promise<FromResponse> {
  return from(address, url, {
    headers: { ...CALL_HEADERS, 'mcp-name': name },
    body: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args, _meta: MODERN_META } },
    chunked: options.chunked,
  });
}

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A session's GET stream from `localAddress`, once its response has begun; `drop` destroys its socket. */
function openStreamFrom(localAddress: string, url: string, sessionId: string): Promise<{ status: number; drop(): void }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId }, localAddress }, (res) => {
      resolve({ status: res.statusCode!, drop: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

type Hold = (id: number, signal?: AbortSignal) => Promise<FromResponse>;

/**
 * Client 127.0.0.2, allowed two requests in flight, makes two legacy `hold` calls (with `args`)
 * whose responses `abandon` ends while their works wait at the gate. The works still hold both
 * shares: a third call is refused (another client is served) until they are done.
 */
async function expectWorksKeepShares(face: Face, args: Record<string, unknown>, abandon: (hold: Hold, id: number, served: Served, gate: Gate) => Promise<void>): Promise<void> {
  const gate = new Gate();
  const served = await face.serve(createEdgeServer(gate), { inflight: { maxRequestsPerClient: 2 } });
  try {
    const init = await initializeFrom('127.0.0.2', served.url);
    const session = { 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': '2025-11-25' };
    const hold: Hold = (id, signal) =>
      from('127.0.0.2', served.url, { headers: session, signal, body: { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'hold', arguments: args, _meta: { progressToken: id } } } });
    for (let id = 1; id <= 2; id++) await abandon(hold, id, served, gate);
    served.transport.inflight.sweep();
    assert.equal(served.transport.inflight.requests, 2, 'both calls still run, and hold their shares');
    assert.equal((await hold(3)).status, 503);
    assert.equal(gate.entered, 2, 'no third call started');
    assert.equal((await call('127.0.0.3', served.url, 'whoami', {})).status, 200, 'another client is served');
    gate.open();
    await until(() => served.transport.inflight.requests === 0, 'the shares to be given back once the calls are done');
    assert.equal((await hold(4)).status, 200);
  } finally {
    gate.open();
    await served.close();
  }
}

for (const face of FACES) {
  describe(`bounds, ${face.name} face`, () => {
    it('one client filling the session table no longer locks others out (was: 503 for every initialize)', async () => {
      const served = await face.serve(createEdgeServer(), { sessions: { maxSessions: 40, maxSessionsPerClient: 10 } });
      try {
        const store = served.transport.sessions as MemorySessionStore;
        for (let i = 0; i < 60; i++) assert.equal((await initializeFrom('127.0.0.2', served.url)).status, 200);
        assert.equal(store.countOf('127.0.0.2'), 10, 'past its quota a client replaces its own oldest sessions');
        // Many clients together fill the table: the least recently used idle sessions make way.
        for (let client = 10; client < 16; client++) {
          for (let i = 0; i < 10; i++) assert.equal((await initializeFrom(`127.0.0.${client}`, served.url)).status, 200);
        }
        assert.equal(store.size, 40);
        const newcomer = await initializeFrom('127.0.0.3', served.url);
        assert.equal(newcomer.status, 200);
        const sessionId = newcomer.headers['mcp-session-id'] as string;
        const ping = await from('127.0.0.3', served.url, { headers: { 'mcp-session-id': sessionId }, body: { jsonrpc: '2.0', id: 1, method: 'ping' } });
        assert.equal(ping.status, 200);
      } finally {
        await served.close();
      }
    });

    it('never evicts a session in use; refuses 503 with Retry-After only while all are in use', async () => {
      const served = await face.serve(createEdgeServer(), { sessions: { maxSessions: 100, maxSessionsPerClient: 2 } });
      const streams: AbortController[] = [];
      try {
        const ids: string[] = [];
        for (let i = 0; i < 2; i++) {
          const init = await initializeFrom('127.0.0.2', served.url);
          ids.push(init.headers['mcp-session-id'] as string);
          const controller = new AbortController();
          streams.push(controller);
          const stream = await fetch(served.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': ids[i] }, signal: controller.signal });
          assert.equal(stream.status, 200);
        }
        const refused = await initializeFrom('127.0.0.2', served.url);
        assert.equal(refused.status, 503);
        assert.equal(refused.headers['retry-after'], '5');
        assert.equal(refused.json.id, 0);
        assert.equal((await initializeFrom('127.0.0.3', served.url)).status, 200, 'other clients are not affected');
        // Once a stream closes its session is idle again, and makes way.
        streams[0].abort();
        await until(() => streamClosed(served.transport, ids[0]), 'the stream to close');
        assert.equal((await initializeFrom('127.0.0.2', served.url)).status, 200);
      } finally {
        for (const controller of streams) controller.abort();
        await served.close();
      }
    });

    it('bounds requests in flight per client and in all: 503 with Retry-After, others still served', async () => {
      const gate = new Gate();
      const served = await face.serve(createEdgeServer(gate), { inflight: { maxRequests: 12, maxRequestsPerClient: 5 } });
      try {
        const greedy = Array.from({ length: 8 }, () => call('127.0.0.2', served.url, 'hold', {}));
        await gate.reached(5);
        const settled = await Promise.race([Promise.all(greedy.slice(5)), new Promise((resolve) => setTimeout(resolve, 20_000, 'timeout'))]);
        assert.notEqual(settled, 'timeout');
        for (const refused of settled as FromResponse[]) {
          assert.equal(refused.status, 503);
          assert.equal(refused.headers['retry-after'], '1');
          assert.equal(refused.json.error.code, -32000);
        }
        assert.equal((await call('127.0.0.3', served.url, 'whoami', {})).json.result.content[0].text, 'anonymous');
        // Two more clients fill the global bound of 12.
        const others = [...Array.from({ length: 5 }, () => call('127.0.0.3', served.url, 'hold', {})), ...Array.from({ length: 2 }, () => call('127.0.0.4', served.url, 'hold', {}))];
        await gate.reached(12);
        assert.equal(served.transport.inflight.requests, 12);
        assert.equal((await call('127.0.0.5', served.url, 'whoami', {})).status, 503);
        gate.open();
        for (const response of await Promise.all([...greedy.slice(0, 5), ...others])) assert.equal(response.json.result.content[0].text, 'released');
        await until(() => served.transport.inflight.requests === 0 && served.transport.inflight.clients === 0, 'every ticket to be released');
        assert.equal(served.transport.inflight.bytes, 0);
      } finally {
        gate.open();
        await served.close();
      }
    });

    it('counts open GET streams against the in-flight bounds per client (was: unbounded streams per client)', async () => {
      const served = await face.serve(createEdgeServer(), { inflight: { maxRequestsPerClient: 2 } });
      const streams: AbortController[] = [];
      // Held: undici closes the connection of a response that is garbage collected.
      const responses: Response[] = [];
      const open = async (sessionId: string) => {
        const controller = new AbortController();
        streams.push(controller);
        const response = await fetch(served.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId }, signal: controller.signal });
        if (response.status !== 200) await response.text();
        responses.push(response);
        return response;
      };
      try {
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) ids.push((await initializeFrom('127.0.0.1', served.url)).headers['mcp-session-id'] as string);
        assert.equal((await open(ids[0])).status, 200);
        assert.equal((await open(ids[1])).status, 200);
        const refused = await open(ids[2]);
        assert.equal(refused.status, 503);
        assert.equal(refused.headers.get('retry-after'), '1');
        assert.equal((await call('127.0.0.3', served.url, 'whoami', {})).status, 200, 'other clients are not affected');
        // A stream that closes gives its share back.
        streams[0].abort();
        await until(() => served.transport.inflight.requests === 1, 'the closed stream to give its share back');
        assert.equal((await open(ids[2])).status, 200);
      } finally {
        for (const controller of streams) controller.abort();
        await served.close();
      }
    });

    it('regression: a dropped GET stream gives its share back at once (it was held until the sweep, so a client reopening its stream was refused for up to a second)', async () => {
      const served = await face.serve(createEdgeServer(), { inflight: { maxRequestsPerClient: 1 } });
      try {
        const sessionId = String((await initializeFrom('127.0.0.2', served.url)).headers['mcp-session-id']);
        // The client drops its stream (its socket destroyed) and opens it again at once, a few
        // times: each time its one share must be free as soon as the server has seen the close.
        for (let round = 1; round <= 5; round++) {
          const stream = await openStreamFrom('127.0.0.2', served.url, sessionId);
          assert.equal(stream.status, 200, `round ${round}: the stream is served, not refused`);
          assert.equal(served.transport.inflight.requests, 1);
          stream.drop();
          await until(() => served.transport.openStreams === 0, 'the server to see the stream dropped');
          assert.equal(served.transport.inflight.requests, 0, `round ${round}: the share is free at once`);
        }
        const ping = await from('127.0.0.2', served.url, { headers: { 'mcp-session-id': sessionId }, body: { jsonrpc: '2.0', id: 1, method: 'ping' } });
        assert.equal(ping.status, 200);
      } finally {
        await served.close();
      }
    });

    it('bounds the body bytes held in flight, declared or chunked, per client and in all', async () => {
      const gate = new Gate();
      const kib = 1024;
      const served = await face.serve(createEdgeServer(gate), { maxBodyBytes: 2048 * kib, inflight: { maxBytes: 3000 * kib, maxBytesPerClient: 1024 * kib } });
      try {
        const blob = 'x'.repeat(300 * kib);
        const held = Array.from({ length: 4 }, () => call('127.0.0.2', served.url, 'hold', { blob }));
        await gate.reached(3);
        const fourth = await Promise.race(held);
        assert.equal(fourth.status, 503, 'the fourth 300 KiB body is past the 1 MiB per client');
        assert.ok(served.transport.inflight.bytes <= 1024 * kib);
        // A body without Content-Length is counted as it arrives and refused past the bound.
        const chunked = await call('127.0.0.3', served.url, 'hold', { blob: 'y'.repeat(1500 * kib) }, { chunked: true });
        assert.equal(chunked.status, 503);
        assert.equal((await call('127.0.0.4', served.url, 'whoami', {})).status, 200);
        gate.open();
        const answers = await Promise.all(held);
        assert.equal(answers.filter((response) => response.status === 200).length, 3);
        await until(() => served.transport.inflight.bytes === 0, 'the bytes to be released');
      } finally {
        gate.open();
        await served.close();
      }
    });

    it('a client that goes away mid-body or mid-call gives its share back', async () => {
      const gate = new Gate();
      const served = await face.serve(createEdgeServer(gate), { inflight: { maxRequests: 2 } });
      try {
        const { port } = new URL(served.url);
        const socket = connect(Number(port), '127.0.0.1');
        await once(socket, 'connect');
        // Headers and half a body, then gone.
        socket.write(`POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\ncontent-length: 1000\r\n\r\n{"jsonrpc":`);
        await until(() => served.transport.inflight.requests === 1, 'the request to be admitted');
        socket.destroy();
        // A call whose client leaves while it runs: it is cancelled, and its share comes back
        // once its handler returns (at once for a handler that listens; see the regression below).
        const controller = new AbortController();
        const abandoned = from('127.0.0.2', served.url, {
          headers: { ...CALL_HEADERS, 'mcp-name': 'hold' },
          body: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'hold', arguments: {}, _meta: MODERN_META } },
          signal: controller.signal,
        }).catch(() => 'aborted');
        await gate.reached(1);
        controller.abort();
        assert.equal(await abandoned, 'aborted');
        await until(() => gate.cancelled === 1, 'the server to cancel the call');
        gate.open();
        await until(() => served.transport.inflight.requests === 0, 'both shares to be given back');
        assert.equal((await call('127.0.0.3', served.url, 'whoami', {})).status, 200);
      } finally {
        gate.open();
        await served.close();
      }
    });

    it('regression: a legacy call whose client leaves keeps its share until its work is done (a client that hung up on each call ran any number at once)', () =>
      expectWorksKeepShares(face, { progress: true }, async (hold, id, served, gate) => {
        // Each call answers with a stream (its progress comes first), and its client hangs up; the
        // stream, kept for resumption, shows when the server has seen the client go.
        const controller = new AbortController();
        const abandoned = hold(id, controller.signal).catch(() => 'aborted');
        await gate.reached(id);
        await until(() => served.transport.openStreams === 1, 'the stream to open');
        controller.abort();
        assert.equal(await abandoned, 'aborted');
        await until(() => served.transport.openStreams === 0, 'the server to see the client gone');
      }));

    it('regression: a legacy call whose tool closes its stream at once keeps its share until its work is done (the share went with the stream, so such calls ran past the bound)', () =>
      expectWorksKeepShares(face, { detach: true }, async (hold, id, _served, gate) => {
        // The tool closes each call's stream before it waits (SEP-1699): the POST ends at once,
        // for the client to come back with Last-Event-ID, and the work goes on.
        assert.equal((await hold(id)).status, 200);
        await gate.reached(id);
      }));

    it('regression: a modern call whose client hangs up keeps its share until its handler returns (a client hanging up on each call to a tool that ignores cancellation ran any number at once)', async () => {
      const gate = new Gate();
      const served = await face.serve(createEdgeServer(gate), { inflight: { maxRequestsPerClient: 2 } });
      try {
        for (let id = 1; id <= 2; id++) {
          const controller = new AbortController();
          const abandoned = from('127.0.0.2', served.url, {
            headers: { ...CALL_HEADERS, 'mcp-name': 'hold' },
            body: { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'hold', arguments: {}, _meta: MODERN_META } },
            signal: controller.signal,
          }).catch(() => 'aborted');
          await gate.reached(id);
          controller.abort();
          assert.equal(await abandoned, 'aborted');
          await until(() => gate.cancelled === id, 'the server to cancel the call of the client gone');
        }
        served.transport.inflight.sweep();
        assert.equal(served.transport.inflight.requests, 2, 'both handlers still run, and hold their shares');
        assert.equal((await call('127.0.0.2', served.url, 'hold', {})).status, 503);
        assert.equal(gate.entered, 2, 'no third call started');
        assert.equal((await call('127.0.0.3', served.url, 'whoami', {})).status, 200, 'another client is served');
        gate.open();
        await until(() => served.transport.inflight.requests === 0, 'the shares to be given back once the handlers return');
        assert.equal((await call('127.0.0.2', served.url, 'hold', {})).status, 200);
      } finally {
        gate.open();
        await served.close();
      }
    });

    it('regression: a legacy call whose dispatch throws gives its share back (it was held for good)', async () => {
      const server = createEdgeServer();
      // An endpoint of the user's own, in front of the server, that breaks on one tool.
      const endpoint: McpEndpoint = {
        dispatch: (request, exchange) => {
          if (request.params?.name === 'explode') throw new Error('the endpoint broke');
          return server.dispatch(request, exchange);
        },
        handleNotification: (notification, exchange) => server.handleNotification(notification, exchange),
        reportError: () => {},
      };
      const served = await face.serve(endpoint, { inflight: { maxRequestsPerClient: 1 } });
      try {
        const init = await initializeFrom('127.0.0.2', served.url);
        const headers = { 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': '2025-11-25' };
        const callTool = (id: number, name: string) => from('127.0.0.2', served.url, { headers, body: { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } } });
        const broken = await callTool(1, 'explode');
        assert.equal(broken.status, 500);
        assert.equal(broken.json.error.code, -32603);
        assert.equal(served.transport.inflight.requests, 0);
        assert.equal((await callTool(2, 'whoami')).status, 200, 'the client, at its limit of one, is served again');
      } finally {
        await served.close();
      }
    });

    it('with sessions disabled, initialize keeps nothing (was: every session held by the change notifier)', async () => {
      const server = createEdgeServer();
      const served = await face.serve(server, { sessions: false });
      try {
        for (let i = 0; i < 50; i++) {
          const init = await initializeFrom('127.0.0.2', served.url);
          assert.equal(init.status, 200);
          assert.equal(init.headers['mcp-session-id'], undefined);
        }
        assert.equal(server.core.notifier.sessionCount, 0);
      } finally {
        await served.close();
      }
    });
  });
}

/** Whether the session's GET stream has closed. */
function streamClosed(transport: { sessions: { peek(id: string): { outlet?: { connected: boolean } } | undefined } | undefined }, id: string): boolean {
  return transport.sessions?.peek(id)?.outlet?.connected === false;
}
