/**
 * A legacy session over stdio or WebSocket whose client stops reading while the session's own
 * notifications (those of no request: resource updates, list changes) keep coming. A real
 * gateway process in front of test/fixtures/hostile-upstream.ts: the stuck client subscribed to
 * a resource, and another caller has the upstream flood notifications/resources/updated for it.
 * The gateway wrote each one at once, and node queued them all for a client that read none:
 * they are now held while it is behind, one per resource (and per list), so the gateway's
 * memory stays bounded, and the client, reading again, still learns that the resource changed.
 */
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { describe, it, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import { McpClient } from '../../src/client/client.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { textOf } from '../helpers/gateway.ts';
import { startGateway, stopGateway, type GatewayProcess } from '../helpers/gateway-process.ts';

const MIB = 1024 * 1024;
/** A resource of the hostile upstream with a long URI: each update is about 2 KiB of JSON. */
const UPSTREAM_URI = `hostile://items/${'x'.repeat(2000)}`;
/** The same resource as the gateway names it. */
const URI = UPSTREAM_URI.replace('hostile://', 'hostile://hostile__');
/** Rounds of 10,000 updates: 100,000 updates, 200 MiB, to a client that reads none. */
const ROUNDS = 10;
const PER_ROUND = 10_000;
/**
 * Was: the gateway held every update, its resident set grew by 72 to 79 MiB within 30,000 of
 * them, and it ran out of its heap (capped at 96 MiB, so that what it holds shows, not garbage).
 */
const MAX_GROWTH = 100 * MIB;

/** A raw client of the gateway's legacy session: every message it reads, kept in order. */
interface Peer {
  readonly messages: any[];
  send(message: unknown): void;
  /** Resolves once the response to request `id` has been read. */
  answered(id: number): Promise<any>;
  /** Stops reading (the pipe or socket fills, then the gateway's buffers), or reads again. */
  pause(): void;
  resume(): void;
  close(): void;
}

/** Collects messages and resolves the waiters of responses. */
function collector(): { messages: any[]; read: (message: any) => void; answered: (id: number) => Promise<any> } {
  const messages: any[] = [];
  const waiting = new Map<number, (message: any) => void>();
  return {
    messages,
    read(message) {
      messages.push(message);
      if (message.method === undefined) waiting.get(message.id)?.(message);
    },
    answered: (id) => {
      const found = messages.find((message) => message.method === undefined && message.id === id);
      return found !== undefined ? Promise.resolve(found) : new Promise((resolve) => waiting.set(id, resolve));
    },
  };
}

/** The gateway's stdio: its stdout, which the client reads or stops reading. */
function stdioPeer(gateway: GatewayProcess): Peer {
  const { messages, read, answered } = collector();
  const lines = createInterface({ input: gateway.process.stdout! });
  lines.on('line', (line) => read(JSON.parse(line)));
  return {
    messages,
    answered,
    send: (message) => gateway.process.stdin!.write(`${JSON.stringify(message)}\n`),
    pause: () => lines.pause(),
    resume: () => lines.resume(),
    close: () => lines.close(),
  };
}

/** A WebSocket to the gateway, whose socket the client stops reading. */
async function webSocketPeer(gateway: GatewayProcess): Promise<Peer> {
  const { messages, read, answered } = collector();
  const socket = new WebSocket(gateway.url.replace(/^http/, 'ws'), ['mcp']);
  socket.on('message', (data) => read(JSON.parse(String(data))));
  socket.on('error', () => {});
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return {
    messages,
    answered,
    send: (message) => socket.send(JSON.stringify(message)),
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    close: () => socket.terminate(),
  };
}

/** Opens the legacy session and subscribes to {@link URI}. */
async function subscribe(peer: Peer): Promise<void> {
  peer.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'stuck', version: '1.0.0' } } });
  await peer.answered(1);
  peer.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  peer.send({ jsonrpc: '2.0', id: 2, method: 'resources/subscribe', params: { uri: URI } });
  assert.deepEqual((await peer.answered(2)).result, {});
}

const updates = (messages: any[]) => messages.filter((message) => message.method === 'notifications/resources/updated');

async function floodStuckClient(t: TestContext, transport: 'stdio' | 'websocket'): Promise<void> {
  const gateway = await startGateway(transport === 'stdio', { MCP__WEBSOCKET__ENABLED: 'true' });
  const peer = transport === 'stdio' ? stdioPeer(gateway) : await webSocketPeer(gateway);
  const other = new McpClient({ name: 'other', version: '1.0.0' });
  try {
    await other.connect(new StreamableHttpClientTransport(gateway.url));
    await subscribe(peer);
    // Warm, while the client reads: every part the flood goes through has run before the baseline.
    assert.equal(textOf(await other.callTool('hostile__flood_updated', { count: 100, uri: UPSTREAM_URI })), 'flooded');
    peer.send({ jsonrpc: '2.0', id: 3, method: 'ping' });
    await peer.answered(3);
    // Fewer than 100 when the pipe filled meanwhile: those that came while it was full were coalesced.
    assert.ok(updates(peer.messages).length > 0);

    peer.pause();
    const read = peer.messages.length;
    const before = await gateway.memory();
    let growth = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      // Its answer follows the updates on the upstream's pipe: the gateway has sent them all.
      assert.equal(textOf(await other.callTool('hostile__flood_updated', { count: PER_ROUND, uri: UPSTREAM_URI })), 'flooded');
      growth = (await gateway.memory()).peak - before.rss;
      assert.ok(growth < MAX_GROWTH, `the gateway's resident set grew by ${Math.round(growth / MIB)} MiB after ${round * PER_ROUND} updates to a client that read none`);
      assert.equal(textOf(await other.callTool('good__echo', { text: `round ${round}` })), `round ${round}`);
    }

    // Reading again, it learns that the resource changed (after the flood: the latest is there), and its ping is answered.
    peer.resume();
    peer.send({ jsonrpc: '2.0', id: 4, method: 'ping' });
    await peer.answered(4);
    const after = peer.messages.slice(read);
    const received = updates(after);
    assert.ok(received.length > 0, 'the client heard of the updates');
    assert.ok(received.every((message) => message.params.uri === URI));
    // What the pipe or socket (loopback TCP buffers take megabytes) and node's buffers took
    // before the gateway knew the client was behind, then the one held.
    assert.ok(received.length < ROUNDS * PER_ROUND / 10, `${received.length} updates of ${ROUNDS * PER_ROUND} were queued for a client that read none`);
    assert.equal(after.at(-2)?.method, 'notifications/resources/updated', 'the update held last goes out before the ping is answered');
    t.diagnostic(`${transport}: RSS +${Math.round(growth / MIB)} MiB for ${ROUNDS * PER_ROUND} updates (${Math.round((ROUNDS * PER_ROUND * 2100) / MIB)} MiB); the client got ${received.length} of them`);
  } finally {
    await other.close();
    peer.close();
    await stopGateway(gateway);
  }
}

describe('regression: a stdio or WebSocket client that stops reading while its session is notified', { timeout: 300_000 }, () => {
  it('over stdio: the gateway holds one update per resource, its memory stays bounded, and the client hears of the change when it reads again', { timeout: 120_000 }, (t) => floodStuckClient(t, 'stdio'));
  it('over WebSocket: the same', { timeout: 120_000 }, (t) => floodStuckClient(t, 'websocket'));
});
