/**
 * The HTTP client transport against a server that closes keep-alive connections at the worst
 * moment: just as the client's next request arrives on one, before anything is answered (what
 * a server closing idle connections does when the client picks the connection at that instant).
 * A request on a reused connection reset that way is sent once more on a fresh connection and
 * served once; one on a fresh connection, or one whose answer had begun, is not sent again.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { LocalErrorCode } from '../../src/protocol/local-errors.ts';
import { McpServer } from '../../src/server/server.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { createNodeHandler } from '../../src/transport/http/node.ts';
import { MIN_IDLE_MS } from '../../src/transport/http/connection-reuse.ts';
import { createH1Fetch, createUndiciFetch } from '../../src/transport/http/undici-fetch.ts';

/** Which requests the server drops: by their place on their connection (1 = the first). */
type Drop = (placeOnConnection: number) => 'serve' | 'reset' | 'reset-after-headers';

interface Resetting {
  url: string;
  server: Server;
  /** Requests dropped so far. */
  resets: number;
  /** Connections opened so far. */
  connections: number;
  drop: Drop;
}

async function resettingServer(mcp: McpServer): Promise<Resetting> {
  const handler = createNodeHandler(mcp);
  const places = new WeakMap<Socket, number>();
  const state = { resets: 0, connections: 0, drop: (() => 'serve') as Drop };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const place = (places.get(req.socket) ?? 0) + 1;
    places.set(req.socket, place);
    const verdict = state.drop(place);
    if (verdict === 'serve') return handler(req, res);
    state.resets++;
    if (verdict === 'reset') {
      req.socket.destroy();
      return;
    }
    // The answer begins, then the connection ends: the request may have been served. (Read
    // whole first: a reset with unread data would discard the bytes the client was sent.)
    req.resume();
    req.once('end', () => req.socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n'));
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, { url: `http://127.0.0.1:${port}/mcp`, server });
}

describe('HTTP client transport, connections reset before an answer', () => {
  let mcp: McpServer;
  let served: number;
  let resetting: Resetting;
  before(async () => {
    mcp = new McpServer({ name: 'resetting', version: '1.0.0' });
    served = 0;
    mcp.tool('count', {}, () => String(++served));
    resetting = await resettingServer(mcp);
  });
  after(async () => {
    const closed = new Promise<void>((resolve) => resetting.server.close(() => resolve()));
    // The global fetch's idle connections would hold the server open until they time out.
    resetting.server.closeAllConnections();
    await closed;
  });

  const FETCHES = [
    ['h1', createH1Fetch],
    ['undici', createUndiciFetch],
  ] as const;

  for (const [kind, createFetch] of FETCHES) {
    for (const era of ['modern', 'legacy'] as const) {
      // Regression: a POST on a reused keep-alive connection that the server closed as the
      // request arrived failed the call (ECONNRESET / other side closed), intermittently under load.
      it(`sends a request reset on a connection reused after idling once more, and it is served once (${kind}, ${era})`, async () => {
        resetting.drop = (place) => (place > 1 ? 'reset' : 'serve');
        const resetsBefore = resetting.resets;
        const fetch = createFetch();
        const client = new McpClient({ name: 'resent', version: '1.0.0', era });
        await client.connect(new StreamableHttpClientTransport(resetting.url, { fetch }));
        try {
          const before = served;
          for (let call = 1; call <= 3; call++) {
            // Idle long enough for a server to have closed the connection for idleness.
            await new Promise((resolve) => setTimeout(resolve, MIN_IDLE_MS + 50));
            const result = await client.callTool('count');
            assert.equal((result.content as Array<{ text: string }>)[0].text, String(before + call));
          }
          assert.equal(served, before + 3, 'each call served exactly once');
          assert.ok(resetting.resets > resetsBefore, 'the server did reset reused connections');
        } finally {
          resetting.drop = () => 'serve';
          await client.close();
          await fetch.close();
        }
      });
    }

    it(`does not send again a request reset on a connection reused at once: no idle close, so it may have been served (${kind})`, async () => {
      const fetch = createFetch();
      const client = new McpClient({ name: 'at-once', version: '1.0.0', era: 'modern' });
      await client.connect(new StreamableHttpClientTransport(resetting.url, { fetch }));
      try {
        await client.callTool('count');
        resetting.drop = (place) => (place > 1 ? 'reset' : 'serve');
        const [resets, before] = [resetting.resets, served];
        // Each call goes on a connection that carried a request just now: a reset there is not
        // the idle race, and fails the call.
        let failed = 0;
        for (let call = 0; call < 4; call++) {
          await client.callTool('count').catch((error: unknown) => {
            assert.equal((error as { code?: string }).code, LocalErrorCode.ConnectionClosed);
            failed++;
          });
        }
        assert.ok(failed > 0, 'some calls met a reset');
        assert.equal(resetting.resets - resets, failed, 'each of them was sent once');
        assert.equal(served - before, 4 - failed);
      } finally {
        resetting.drop = () => 'serve';
        await client.close();
        await fetch.close();
      }
    });
  }

  it('does not send again a request reset on a fresh connection (it may have been served)', async () => {
    const fetch = createUndiciFetch();
    // Every connection is reset at its first request: the client's first, server/discover.
    resetting.drop = (place) => (place === 1 ? 'reset' : 'serve');
    const connections = resetting.connections;
    try {
      const client = new McpClient({ name: 'fresh', version: '1.0.0', era: 'modern' });
      await assert.rejects(client.connect(new StreamableHttpClientTransport(resetting.url, { fetch })), {
        code: LocalErrorCode.ConnectionClosed,
        message: /^HTTP request server\/discover failed \(.*\); it may have reached the server and been processed, so it was not sent again$/,
      });
      assert.equal(resetting.connections, connections + 1, 'one attempt, no second connection');
    } finally {
      resetting.drop = () => 'serve';
      await fetch.close();
    }
  });

  it('does not send again a request whose answer had begun', async () => {
    const fetch = createUndiciFetch();
    const client = new McpClient({ name: 'begun', version: '1.0.0', era: 'modern' });
    await client.connect(new StreamableHttpClientTransport(resetting.url, { fetch }));
    try {
      resetting.drop = (place) => (place > 1 ? 'reset-after-headers' : 'serve');
      const [resets, before] = [resetting.resets, served];
      // One after another: undici spreads them over two connections, so some land on a new one.
      const CALLS = 6;
      let failed = 0;
      for (let call = 0; call < CALLS; call++) {
        await client.callTool('count').catch((error: unknown) => {
          assert.equal((error as { code?: string }).code, LocalErrorCode.ConnectionClosed);
          assert.match((error as Error).message, /tools\/call .*it was not sent again/);
          failed++;
        });
      }
      assert.ok(failed > 0, 'some calls met a connection that ended mid-answer');
      assert.equal(resetting.resets - resets, failed, 'each of them was sent once');
      assert.equal(served - before, CALLS - failed);
    } finally {
      resetting.drop = () => 'serve';
      await client.close();
      await fetch.close();
    }
  });

  for (const era of ['modern', 'legacy'] as const) {
    it(`uses a fetch given to it (the global one) for every request, which does not resend (${era})`, async () => {
      let fetches = 0;
      const own: typeof fetch = (input, init) => {
        fetches++;
        return globalThis.fetch(input, init);
      };
      const client = new McpClient({ name: 'own-fetch', version: '1.0.0', era });
      await client.connect(new StreamableHttpClientTransport(resetting.url, { fetch: own }));
      try {
        const before = served;
        assert.deepEqual((await client.callTool('count')).content, [{ type: 'text', text: String(before + 1) }]);
        const fetchesSoFar = fetches;
        assert.ok(fetchesSoFar >= 2, 'connect and the call went through it');
        // Its connection is now reused, and the server resets it: the call fails, unserved here
        // but reported as possibly served, since nothing told this fetch otherwise.
        resetting.drop = (place) => (place > 1 ? 'reset' : 'serve');
        await assert.rejects(client.callTool('count'), { code: LocalErrorCode.ConnectionClosed, message: /it was not sent again/ });
        assert.equal(fetches, fetchesSoFar + 1, 'one fetch, not resent');
        assert.equal(served, before + 1);
      } finally {
        resetting.drop = () => 'serve';
        await client.close();
      }
    });
  }
});

describe('HTTP client keep-alive', () => {
  it('lets an idle connection go after keepAliveTimeoutMs, before the server would', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    server.keepAliveTimeout = 60_000;
    let clientClosed!: () => void;
    const closedByClient = new Promise<void>((resolve) => (clientClosed = resolve));
    server.on('connection', (socket) => socket.once('end', () => clientClosed()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fetch = createUndiciFetch({ keepAliveTimeoutMs: 50 });
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(await response.text(), 'ok');
      // The client ends the connection (its FIN reaches the server), not the server.
      await closedByClient;
    } finally {
      await fetch.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
