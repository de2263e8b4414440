/**
 * A legacy session's own notifications on a stream connection whose peer stops reading: held
 * (one per list and per resource, anything else up to a bound, the rest counted) and sent once
 * the peer reads again, with a notice of what was dropped; written at once while it reads.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { MAX_HELD_CHARS } from '../../src/protocol/held-notifications.ts';
import type { JsonRpcMessage } from '../../src/protocol/jsonrpc.ts';
import type { ServerConnection } from '../../src/server/connection.ts';
import { McpServer } from '../../src/server/server.ts';
import { StreamTransport } from '../../src/transport/stream.ts';

/** A peer of a server connection over a pair of streams: it reads the output only when asked. */
class Peer {
  readonly input = new PassThrough();
  readonly output = new PassThrough();
  readonly connection: ServerConnection;
  readonly messages: any[] = [];
  #rest = '';

  constructor(server: McpServer) {
    this.connection = server.connect(new StreamTransport(this.input, this.output));
    this.output.setEncoding('utf8');
    this.output.on('data', (chunk: string) => {
      const lines = (this.#rest + chunk).split('\n');
      this.#rest = lines.pop()!;
      for (const line of lines) this.messages.push(JSON.parse(line));
    });
  }

  send(message: unknown): void {
    this.input.write(`${JSON.stringify(message)}\n`);
  }

  /** Reads until the response to `id` came; returns what came before it and the response. */
  async answered(id: number): Promise<any[]> {
    this.output.resume();
    const answer = () => this.messages.findIndex((message) => message.method === undefined && message.id === id);
    while (answer() === -1) await once(this.output, 'data');
    return this.messages.splice(0, answer() + 1);
  }

  /** The session's outlet: where the notifier sends its notifications. */
  notify(message: JsonRpcMessage): boolean {
    return this.connection.session!.outlet!.send(message);
  }
}

async function openSession(): Promise<Peer> {
  const peer = new Peer(new McpServer({ name: 'outlet', version: '1.0.0' }));
  peer.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'peer', version: '1.0.0' } } });
  await peer.answered(1);
  peer.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return peer;
}

const updated = (uri: string) => ({ jsonrpc: '2.0' as const, method: 'notifications/resources/updated', params: { uri } });
const custom = (i: number) => ({ jsonrpc: '2.0' as const, method: 'notifications/custom', params: { i, filler: 'c'.repeat(1000) } });

describe('a legacy session on a stream connection whose peer stops reading', () => {
  it('holds its notifications coalesced and bounded, and sends them, with a count of those dropped, once the peer reads again', async () => {
    const peer = await openSession();
    peer.connection.session!.logLevel = 'error';
    peer.output.pause();
    // Until the connection knows the peer is behind, they are written.
    let written = 0;
    while (peer.notify(updated('demo://a'))) written++;
    assert.equal(peer.connection.outputBlocked, true);
    for (let round = 0; round < 1000; round++) {
      peer.notify(updated('demo://a'));
      peer.notify(updated('demo://b'));
      peer.notify({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    }
    const customs = 1000;
    for (let i = 0; i < customs; i++) peer.notify(custom(i));
    peer.notify(updated('demo://a'));

    peer.send({ jsonrpc: '2.0', id: 2, method: 'ping' });
    const read = (await peer.answered(2)).slice(0, -1);
    // Those written before it was behind, then what was held: in order, the latest update of each resource last.
    const held = read.slice(written + 1);
    const heldCustoms = held.filter((message) => message.method === 'notifications/custom');
    assert.ok(heldCustoms.length > 0 && heldCustoms.length * 1000 <= MAX_HELD_CHARS, `${heldCustoms.length} held`);
    assert.deepEqual(heldCustoms.map((message) => message.params.i), Array.from({ length: heldCustoms.length }, (_, i) => i));
    assert.deepEqual(
      held.filter((message) => message.method !== 'notifications/custom').map((message) => [message.method, message.params?.uri ?? message.params?.level]),
      [
        ['notifications/resources/updated', 'demo://b'],
        ['notifications/tools/list_changed', undefined],
        ['notifications/resources/updated', 'demo://a'],
        // Told at the client's own level, which is more severe than warning.
        ['notifications/message', 'error'],
      ],
    );
    const notice = held.at(-1);
    assert.equal(notice.params.logger, 'mcp-core');
    assert.deepEqual({ ...notice.params.data, message: undefined }, { message: undefined, dropped: 0, droppedNotifications: customs - heldCustoms.length });
    assert.match(notice.params.data.message, new RegExp(`^${customs - heldCustoms.length} notifications of this session were dropped while the client was not reading`));

    // Reading, they are written at once again.
    peer.notify(updated('demo://c'));
    peer.send({ jsonrpc: '2.0', id: 3, method: 'ping' });
    assert.deepEqual((await peer.answered(3)).map((message) => message.params?.uri), ['demo://c', undefined]);
    await peer.connection.close();
  });

  it('never holds a request: it waits for its answer', async () => {
    const peer = await openSession();
    peer.output.pause();
    while (peer.notify(updated('demo://a')));
    assert.equal(peer.notify(updated('demo://held')), false);
    peer.notify({ jsonrpc: '2.0', id: 's1', method: 'roots/list' });
    peer.send({ jsonrpc: '2.0', id: 2, method: 'ping' });
    const read = await peer.answered(2);
    // Written before the update held, which goes out once the peer caught up.
    const at = (found: (message: any) => boolean) => read.findIndex(found);
    assert.ok(at((message) => message.id === 's1') < at((message) => message.params?.uri === 'demo://held'));
    await peer.connection.close();
  });
});
