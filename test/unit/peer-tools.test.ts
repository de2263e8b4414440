/**
 * PeerTools offers a peer's tools (a Python program's, under the engine) on a server and
 * follows the peer's list changes: one listing at a time and at most one more waiting, however
 * many changes the peer tells of, and a listing that failed does not stop the next.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import type { JsonRpcMessage } from '../../src/protocol/jsonrpc.ts';
import { PeerTools } from '../../src/manager/peer-tools.ts';
import { McpServer } from '../../src/server/server.ts';
import { InMemoryTransport } from '../../src/transport/in-memory.ts';

interface Peer {
  tools: Array<{ name: string; inputSchema: { type: 'object' } }>;
  /** tools/list requests answered. */
  listings: number;
  /** While true, tools/list is answered with an error. */
  failing: boolean;
  send(message: JsonRpcMessage): void;
}

/** The peer's side, answered by hand so that its listings can be counted. */
function scriptedPeer(side: InMemoryTransport): Peer {
  const peer: Peer = { tools: [], listings: 0, failing: false, send: (message) => side.send(message) };
  side.start({
    onMessage(value) {
      const message = value as { id?: number; method?: string };
      if (message.id === undefined) return;
      if (message.method === 'tools/list') {
        peer.listings++;
        if (peer.failing) return peer.send({ jsonrpc: '2.0', id: message.id, error: { code: -32603, message: 'listing failed' } });
        return peer.send({ jsonrpc: '2.0', id: message.id, result: { tools: peer.tools } });
      }
      const result = message.method === 'initialize' ? { protocolVersion: '2025-11-25', capabilities: { tools: { listChanged: true } }, serverInfo: { name: 'peer', version: '1' } } : {};
      peer.send({ jsonrpc: '2.0', id: message.id, result });
    },
    onFrameError() {},
    onClose() {},
  });
  return peer;
}

async function connected(): Promise<{ peer: Peer; tools: PeerTools; server: McpServer }> {
  const [clientSide, peerSide] = InMemoryTransport.createPair();
  const peer = scriptedPeer(peerSide);
  let tools: PeerTools | undefined;
  const client = new McpClient({ name: 'engine', version: '1', era: 'legacy', onNotification: (notification) => tools?.notification(notification) });
  await client.connect(clientSide);
  const server = new McpServer({ name: 'engine', version: '1' });
  tools = new PeerTools(server, client);
  return { peer, tools, server };
}

const tool = (name: string) => ({ name, inputSchema: { type: 'object' as const } });

describe('PeerTools', () => {
  it('regression: a burst of list changes is answered by at most two listings (it was one listing per change, of every tool each time)', async () => {
    const { peer, tools } = await connected();
    peer.tools = [tool('first')];
    await tools.refresh();
    assert.equal(peer.listings, 1);
    for (let i = 0; i < 200; i++) {
      peer.tools.push(tool(`added-${i}`));
      peer.send({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    }
    // Offered once a listing that the notifications started has answered; one more refresh
    // settles after every listing asked for before it.
    while (tools.size < 201) await new Promise((resolve) => setImmediate(resolve));
    await tools.refresh();
    assert.equal(tools.size, 201);
    assert.ok(peer.listings <= 4, `${peer.listings} listings`);
  });

  it('regression: a listing that failed does not stop the next (every later refresh failed with its error, the peer\'s new tools never offered)', async () => {
    const { peer, tools, server } = await connected();
    peer.tools = [tool('first')];
    peer.failing = true;
    await assert.rejects(tools.refresh(), /listing failed/);
    peer.failing = false;
    peer.tools.push(tool('second'));
    await tools.refresh();
    assert.equal(tools.size, 2);
    assert.ok(server.hasTool('second'));
  });
});
