/**
 * What a hostile or broken WebSocket server can do to the client: its close() ends in bounded
 * time even when the server never answers the closing handshake, and a refusal whose body the
 * server dribbles is given up at the handshake timeout, or at close(). The peers are a `ws`
 * server on 127.0.0.1 that speaks just enough of 2026-07-28, and a node:http server that
 * refuses every upgrade.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import { McpClient } from '../../src/client/client.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';
import { WebSocketClientTransport } from '../../src/transport/websocket/client.ts';

describe('WebSocket client against a hostile server', () => {
  let server: WebSocketServer;
  let url: string;
  /** The TCP connection under the server's side of the WebSocket. */
  let connected: Promise<Socket>;
  before(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'mcp' });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
    connected = new Promise((resolve) =>
      server.on('connection', (socket, request) => {
        socket.on('message', (data) => {
          const message = JSON.parse(String(data)) as { id?: number; method?: string };
          if (message.method === 'server/discover') {
            socket.send(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { resultType: 'complete', supportedVersions: [MODERN_VERSION], capabilities: {}, ttlMs: 0, cacheScope: 'private' } }));
          }
        });
        resolve(request.socket);
      }),
    );
  });
  after(() => {
    for (const client of server.clients) client.terminate();
    server.close();
  });

  it('regression: close() does not wait 30 s for a server that never answers the closing handshake', { timeout: 20_000 }, async () => {
    const client = new McpClient({ name: 'hostile', version: '1.0.0' });
    await client.connect(new WebSocketClientTransport(url, { pingIntervalMs: 0 }));
    assert.equal(client.era, 'modern');
    // The server stops reading: the client's close frame is never seen, never answered.
    (await connected).pause();
    await client.close();
  });
});

describe('WebSocket client against a server that stops reading', () => {
  it('regression: requests past maxMessageBytes waiting to be written fail at once with MCP_ERR_OVERLOADED, unsent (ws buffered every one, each waiting for its timeout)', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'mcp' });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    server.on('connection', (socket, request) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { id?: number; method?: string };
        if (message.method !== 'server/discover') return;
        socket.send(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { resultType: 'complete', supportedVersions: [MODERN_VERSION], capabilities: { tools: {} }, ttlMs: 0, cacheScope: 'private' } }));
        // Discovered: from now on nothing the client sends is read.
        request.socket.pause();
      });
    });
    const client = new McpClient({ name: 'hostile', version: '1.0.0', requestTimeoutMs: 60_000 });
    try {
      await client.connect(new WebSocketClientTransport(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, { pingIntervalMs: 0, maxMessageBytes: 1024 * 1024 }));
      const text = 'x'.repeat(256 * 1024);
      // 200 calls of 256 KiB: 50 MiB, past what the sockets' kernel buffers take and 1 MiB more.
      const calls = Array.from({ length: 200 }, () => client.callTool('echo', { text }).then(() => 'answered', (error: McpLocalError) => error));
      const first = await Promise.race(calls);
      assert.ok(first instanceof McpLocalError && first.code === LocalErrorCode.Overloaded, String(first));
      assert.match(first.message, /^The server is not reading: \d+ bytes wait to be written to it$/);
      const waiting = Number(/(\d+) bytes/.exec(first.message)![1]);
      assert.ok(waiting > 1024 * 1024 && waiting <= 1024 * 1024 + 300 * 1024, `${waiting} bytes waited`);
      await client.close();
      const outcomes = await Promise.all(calls);
      const refused = outcomes.filter((outcome) => outcome instanceof McpLocalError && outcome.code === LocalErrorCode.Overloaded).length;
      assert.ok(refused >= 100, `${refused} of 200 refused as overloaded`);
    } finally {
      await client.close();
      for (const socket of server.clients) socket.terminate();
      server.close();
    }
  });
});

describe('WebSocket client against a server that dribbles the body of its refusal', () => {
  let server: Server;
  let url: string;
  /** The server's side of each refused upgrade, in order. */
  let refused: Socket[];
  let next: Array<(socket: Socket) => void>;
  before(async () => {
    refused = [];
    next = [];
    server = createServer();
    // 401 with a chunked body of one byte every 200 ms, without end: never idle, never whole.
    server.on('upgrade', (_request, socket: Socket) => {
      socket.write('HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n');
      const drip = setInterval(() => socket.write('1\r\n \r\n'), 200);
      socket.on('close', () => clearInterval(drip));
      socket.on('error', () => {});
      refused.push(socket);
      next.shift()?.(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  });
  after(() => {
    for (const socket of refused) socket.destroy();
    server.close();
  });

  function closedWithin(socket: Socket, ms: number): Promise<boolean> {
    if (socket.destroyed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      socket.once('close', () => (clearTimeout(timer), resolve(true)));
    });
  }

  it('regression: the refusal is given up at handshakeTimeoutMs, and its connection closed (it was read as long as the server sent a byte now and then)', async () => {
    const client = new McpClient({ name: 'dripped', version: '1.0.0' });
    const upgraded = new Promise<Socket>((resolve) => next.push(resolve));
    // The handshake's own requests would wait 20 s: the refusal must end the connect first.
    const connecting = client.connect(new WebSocketClientTransport(url, { handshakeTimeoutMs: 1000 }), { timeoutMs: 20_000 });
    const outcome = await Promise.race([
      connecting.then(
        () => 'connected',
        (error: unknown) => error,
      ),
      new Promise((resolve) => setTimeout(() => resolve('still connecting after 5 s'), 5000)),
    ]);
    assert.ok(outcome instanceof McpLocalError, String(outcome));
    assert.equal(outcome.code, LocalErrorCode.ConnectionClosed);
    assert.match(outcome.message, /refusal was not read whole within 1000 ms/);
    assert.ok(await closedWithin(await upgraded, 2000), 'the refused connection is closed');
    await client.close();
  });

  it('regression: close() while the refusal is read closes its connection (it stayed open, read, after close)', async () => {
    const client = new McpClient({ name: 'dripped', version: '1.0.0' });
    const upgraded = new Promise<Socket>((resolve) => next.push(resolve));
    const connecting = client.connect(new WebSocketClientTransport(url), { timeoutMs: 20_000 }).catch((error: unknown) => error);
    const socket = await upgraded;
    // A few bytes of the body have been read by now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await client.close();
    assert.ok(await closedWithin(socket, 2000), 'the refused connection is closed');
    assert.ok((await connecting) instanceof Error);
  });
});
