/**
 * What a hostile or broken WebSocket server can do to the client: its close() ends in bounded
 * time even when the server never answers the closing handshake. The peer is a `ws` server on
 * 127.0.0.1 that speaks just enough of 2026-07-28.
 */
import assert from 'node:assert/strict';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import { McpClient } from '../../src/client/client.ts';
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
